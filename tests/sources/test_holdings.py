"""Issuer holdings files: the real iShares IWM download and the layouts iShares has used."""

from datetime import date
from pathlib import Path

import pytest
from helpers import ishares_csv

from contracts.datasets import HOLDINGS
from contracts.errors import SourceError
from sources.holdings import parse_ishares, read_holdings_file
from sources.symbols import yahoo_symbol

SYMBOLS = {"BRKB": "BRK-B"}


def _read(path: Path, **kw: object):
    return read_holdings_file(path, fund="IWM", file_format="ishares", symbols=SYMBOLS, **kw)


def test_real_iwm_file_parses_to_its_equity_lines_shares_and_date(real_fixtures):
    path = real_fixtures / "holdings" / "IWM_holdings_2025-11-05.csv"

    holdings, shares = _read(path)

    assert tuple(holdings.columns) == HOLDINGS.columns
    equity = holdings[holdings["asset_class"] == "Equity"]
    assert len(equity) == 1962
    assert equity["weight"].sum() == pytest.approx(0.9955, abs=1e-9)
    assert shares.to_dict("records") == [
        {
            "fund": "IWM",
            "asof_date": shares["asof_date"].iloc[0],
            "shares_outstanding": 281_300_000.0,
            "source": "ishares",
        }
    ]
    assert set(holdings["asof_date"].dt.date) == {date(2025, 11, 5)}
    others = holdings[holdings["asset_class"] != "Equity"]
    assert sorted(others["asset_class"]) == [
        "Cash", "Cash", "Cash Collateral and Margins", "Futures", "Money Market",
    ]  # fmt: skip
    unmapped = equity[equity["yahoo_ticker"].isna()]
    assert unmapped["holding_ticker"].tolist() == ["-", "-", "-"]
    first = holdings.iloc[0]
    assert (first["holding_ticker"], first["market_value"], first["shares"], first["price"]) == (
        "BE",
        731_205_514.79,
        5_170_819.0,
        141.41,
    )
    assert first["weight"] == pytest.approx(0.0106)


def test_older_layout_without_preamble_needs_its_date_and_is_read_by_column_name(tmp_path):
    path = tmp_path / "IWM_2019.csv"
    path.write_text(
        "Ticker,Name,Asset Class,Weight (%),Price,Shares,Market Value,Notional Value,Sector\n"
        '"BRKB","BERKSHIRE HATHAWAY INC CLASS B","Equity","1.50","210.00","1,000.00",'
        '"210,000.00","210,000.00","Financials"\n'
        '"USD","USD CASH","Cash","0.10","100.00","140.00","14,000.00","14,000.00","Cash"\n'
    )

    with pytest.raises(SourceError, match=r"no 'Fund Holdings as of' line.*--asof"):
        _read(path)
    holdings, shares = _read(path, asof=date(2019, 12, 31))

    assert holdings[["holding_ticker", "yahoo_ticker", "market_value", "shares", "price"]].to_dict(
        "records"
    ) == [
        {"holding_ticker": "BRKB", "yahoo_ticker": "BRK-B", "market_value": 210_000.0,
         "shares": 1000.0, "price": 210.0},
        {"holding_ticker": "USD", "yahoo_ticker": "USD", "market_value": 14_000.0,
         "shares": 140.0, "price": 100.0},
    ]  # fmt: skip
    assert holdings["weight"].tolist() == pytest.approx([0.015, 0.001])
    assert shares.empty  # an older file does not state the fund's shares


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<html>Service unavailable</html>\n", "no holdings table"),
        ("Ticker,Name,Sector\n", r"lacks the columns \['asset class', 'market value'"),
        (ishares_csv([]), "has no lines"),
        (
            ishares_csv([("AAPL", "APPLE", "Equity", 1.0, 1.0, 1.0, 1.0)], asof="someday"),
            "unreadable 'Fund Holdings as of' date 'someday'",
        ),
    ],
)
def test_an_unreadable_file_is_one_error_naming_the_file(tmp_path, text, message):
    path = tmp_path / "IVV.csv"
    path.write_text(text)

    with pytest.raises(SourceError, match=message) as raised:
        _read(path)
    assert str(path) in str(raised.value) and "\n" not in str(raised.value)


def test_a_missing_file_is_one_error(tmp_path):
    with pytest.raises(SourceError, match="cannot read it"):
        _read(tmp_path / "absent.csv")


def test_unparseable_numbers_become_null_for_the_suite_to_quarantine():
    issuer = parse_ishares(ishares_csv([("AAPL", "APPLE", "Equity", 5.0, 1.0, 2.0, 2.5)]))
    text = ishares_csv([("AAPL", "APPLE", "Equity", 5.0, 1.0, 2.0, 2.5)]).replace(
        '"5.00","1.00","5.00"', '"n/a","1.00","5.00"'
    )

    broken = parse_ishares(text)

    assert issuer.lines["market_value"].tolist() == [5.0]
    assert broken.lines["market_value"].isna().tolist() == [True]


@pytest.mark.parametrize(
    ("ticker", "symbol"),
    [
        ("AAPL", "AAPL"),
        ("BRKB", "BRK-B"),  # configured: the issuer dropped the separator
        ("BRK.B", "BRK-B"),
        ("BF/A", "BF-A"),
        ("RUSHB", "RUSHB"),  # a Nasdaq symbol as written, not a guessed share class
        ("P5N994", "P5N994"),  # kept: Yahoo will not quote it, which is counted
        (" msft ", "MSFT"),
        ("-", None),
        ("", None),
        ("ABC$", None),
    ],
)
def test_issuer_tickers_map_to_yahoo_symbols_by_rule(ticker, symbol):
    assert yahoo_symbol(ticker, SYMBOLS) == symbol
