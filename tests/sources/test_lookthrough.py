"""The holdings group live: issuer files from a loopback server, Yahoo's batch quotes and top
holdings via ``responses``, all through the real parsing (yfinance's session and crumb)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from fakes import QUOTE_URL, real_file
from helpers import ishares_csv

from contracts.datasets import CONSTITUENT_QUOTES, HOLDINGS
from contracts.settings import Settings
from sources.constituent_quotes import BATCH_SIZE, normalize_quotes
from sources.lookthrough import extract_lookthrough
from sources.retry import NO_WAIT

if TYPE_CHECKING:
    from fakes import IssuerStub, YahooMock

ASOF = date(2025, 11, 5)
QUOTE_BUDGET = 25  # Yahoo requests a daily refresh of IWM + IJR + IVV may make


def _names(prefix: str, n: int) -> list[str]:
    """``n`` distinct four-letter symbols starting with ``prefix``."""
    letters = (chr(65 + i // 676) + chr(65 + i // 26 % 26) + chr(65 + i % 26) for i in range(n))
    return [prefix + tail for tail in letters]


def _fund_file(tickers: list[str]) -> bytes:
    lines = [
        (t, f"{t} CORP", "Equity", 1000.0 + i, 0.05, 10.0, 100.0) for i, t in enumerate(tickers)
    ]
    lines.append(("USD", "USD CASH", "Cash", 500.0, 0.01, 500.0, 1.0))
    return ishares_csv(lines).encode()


def _settings(tmp_path: Path, holdings: dict[str, str]) -> Settings:
    entries = "\n".join(f'{f} = {{ url = "{u}", format = "ishares" }}' for f, u in holdings.items())
    path = tmp_path / "universe.toml"
    path.write_text(
        '[baskets]\nsmall = ["IWM", "IJR"]\nlarge = ["IVV", "SPY"]\n'
        'pairs = [["IWM", "SPY"], ["IJR", "IVV"]]\n[fred]\nseries = ["DFF"]\n'
        f"[holdings]\n{entries}\n"
    )
    return Settings(SMALLCAP_UNIVERSE=path, yahoo_requests_per_minute=0, max_failure_ratio=0.5)


def test_normalize_quotes_keeps_the_recorded_batch_values(real_fixtures):
    recorded = real_file(real_fixtures / "yahoo" / "raw-bodies" / "quote-AAPL-BABA.body.json")
    body = json.loads(recorded.read_text())

    frame = normalize_quotes(body["quoteResponse"]["result"], ASOF)

    assert tuple(frame.columns) == CONSTITUENT_QUOTES.columns
    aapl, baba = frame.to_dict("records")
    assert (aapl["ticker"], aapl["price"], aapl["eps_trailing"], aapl["eps_forward"]) == (
        "AAPL",
        244.6,
        6.31,
        8.31,
    )
    assert (aapl["market_cap"], aapl["shares_outstanding"]) == (3_674_405_863_424, 15_022_100_480)
    assert (aapl["trailing_pe"], aapl["forward_pe"], aapl["eps_current_year"]) == (
        38.763866,
        29.434416,
        7.34741,
    )
    assert (baba["ticker"], baba["currency"], baba["forward_pe"]) == ("BABA", "USD", 12.637285)


def test_a_three_fund_refresh_of_about_3000_names_stays_within_the_request_budget(
    yahoo: YahooMock, issuer: IssuerStub, tmp_path
):
    iwm, ijr, ivv = _names("R", 2000), _names("R", 2600)[2300:], _names("L", 500)
    unquoted = {iwm[5], ivv[7]}  # listed, but Yahoo answers nothing for them
    everyone = list(dict.fromkeys([*iwm, *ijr, *ivv]))
    yahoo.batch_quotes({s: {"regularMarketPrice": 50.0} for s in everyone if s not in unquoted})
    funds = {"IWM": iwm, "IJR": ijr, "IVV": ivv}
    urls = {f: issuer.serve(f"/{f}.csv", _fund_file(t)) for f, t in funds.items()}
    settings = _settings(tmp_path, urls)

    result = extract_lookthrough(
        ["IWM", "IJR", "IVV"], ASOF, settings=settings, session=yahoo.session, retry=NO_WAIT
    )

    assert len(everyone) == 2800 and len(iwm) == 2000
    assert len(yahoo.rm.calls) <= QUOTE_BUDGET  # every Yahoo request, crumb dance included
    assert yahoo.calls_to(QUOTE_URL) == -(-len(everyone) // BATCH_SIZE) == 19
    assert sorted(issuer.hits) == ["/IJR.csv", "/IVV.csv", "/IWM.csv"]
    holdings = result.frames[HOLDINGS.name]
    assert holdings.groupby("fund").size().to_dict() == {"IWM": 2001, "IJR": 301, "IVV": 501}
    quotes = result.frames[CONSTITUENT_QUOTES.name]
    assert len(quotes) == 2798 and not set(quotes["ticker"]) & unquoted
    assert set(quotes["price"]) == {50.0} and result.failures == []
    assert sorted(result.frames["fund_shares"]["fund"]) == ["IJR", "IVV", "IWM"]


def test_a_failing_quote_batch_fails_the_funds_holding_its_symbols_not_the_holdings(
    yahoo: YahooMock, issuer: IssuerStub, tmp_path
):
    yahoo.batch_quotes({}, status=500)
    settings = _settings(tmp_path, {"IWM": issuer.serve("/IWM.csv", _fund_file(_names("R", 20)))})

    result = extract_lookthrough(
        ["IWM"], ASOF, settings=settings, session=yahoo.session, retry=NO_WAIT
    )

    assert len(result.frames[HOLDINGS.name]) == 21
    assert result.frames[CONSTITUENT_QUOTES.name].empty
    assert [(f.dataset, f.key) for f in result.failures] == [("constituent_quotes", "IWM")]
    assert result.failures[0].message.startswith("20 of 20 equity holdings unquoted: Yahoo quotes")
    # each attempt: yfinance repeats a failed request once with its other cookie strategy
    assert yahoo.calls_to(QUOTE_URL) == 2 * NO_WAIT.attempts


def test_a_fund_without_an_issuer_file_falls_back_to_yahoos_top_10_flagged_partial(
    yahoo: YahooMock, issuer: IssuerStub, tmp_path
):
    yahoo.fundamentals("SPY", recorded_as="QQQ")
    yahoo.batch_quotes({"AAPL": {}, "NVDA": {}})
    settings = _settings(tmp_path, {})

    result = extract_lookthrough(
        ["SPY"], ASOF, settings=settings, session=yahoo.session, retry=NO_WAIT
    )

    holdings = result.frames[HOLDINGS.name]
    assert len(holdings) == 10 and holdings["partial"].all()
    assert holdings["market_value"].isna().all() and holdings["weight"].between(0, 1).all()
    assert {"AAPL", "NVDA"} <= set(holdings["yahoo_ticker"])
    assert result.frames["fund_shares"].empty  # only an issuer file states the fund's shares
    assert sorted(result.frames[CONSTITUENT_QUOTES.name]["ticker"]) == ["AAPL", "NVDA"]


def test_an_issuer_error_fails_that_fund_with_the_status_and_where_to_fix_it(
    yahoo: YahooMock, issuer: IssuerStub, tmp_path
):
    yahoo.batch_quotes({s: {} for s in _names("R", 3)})
    urls = {
        "IWM": issuer.serve("/IWM.csv", b"gone", status=404),
        "IJR": issuer.serve("/IJR.csv", _fund_file(_names("R", 3))),
        "IVV": issuer.serve("/IVV.csv", _fund_file(_names("R", 2))),
    }
    settings = _settings(tmp_path, urls)

    result = extract_lookthrough(
        ["IWM", "IJR", "IVV"], ASOF, settings=settings, session=yahoo.session, retry=NO_WAIT
    )

    assert [(f.dataset, f.key, f.error_class) for f in result.failures] == [
        ("holdings", "IWM", "PermanentSourceError")
    ]
    assert "HTTP 404; check the fund's url under [holdings]" in result.failures[0].message
    assert set(result.frames[HOLDINGS.name]["fund"]) == {"IJR", "IVV"}
    assert issuer.hits.count("/IWM.csv") == 1  # a 404 is not retried
