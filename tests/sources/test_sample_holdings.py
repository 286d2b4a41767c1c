"""The sample source's holdings and constituent quotes: deterministic, shaped like the live
ones, and with the cases the look-through must count (loss-makers, unlisted, unquoted)."""

from datetime import date

import pandas as pd
import pytest

from contracts.datasets import CONSTITUENT_QUOTES, HOLDINGS
from contracts.settings import get_settings
from pipeline.steps import validate
from sources import sample
from sources.sample_bad_rows import inject_bad_rows
from sources.sample_holdings import UNQUOTED, extract_holdings

RUN_DATE = date(2025, 11, 7)  # a Friday
WINDOWS = {f: (date(2025, 10, 1), date(2025, 11, 9)) for f in ("IWM", "IVV", "SPY")}


def _extract():
    return extract_holdings(WINDOWS, issuer_funds={"IWM", "IVV"}, symbols={})


def test_holdings_and_quotes_are_the_same_on_every_run():
    first, second = _extract(), _extract()

    for name in (HOLDINGS.name, CONSTITUENT_QUOTES.name, "fund_shares"):
        pd.testing.assert_frame_equal(first.frames[name], second.frames[name])


def test_funds_with_an_issuer_file_hold_hundreds_of_names_and_the_others_their_top_10():
    holdings = _extract().frames[HOLDINGS.name]

    assert tuple(holdings.columns) == HOLDINGS.columns
    assert set(holdings["asof_date"].dt.date) == {RUN_DATE}  # the window's last session
    stocks = holdings[holdings["asset_class"] == "Equity"]
    assert stocks.groupby("fund").size().to_dict() == {"IVV": 300, "IWM": 402, "SPY": 10}
    assert holdings.groupby("fund")["partial"].all().to_dict() == {
        "IVV": False, "IWM": False, "SPY": True,
    }  # fmt: skip
    iwm = holdings[holdings["fund"] == "IWM"]
    assert set(iwm["asset_class"]) == {
        "Equity", "Cash", "Money Market", "Cash Collateral and Margins", "Futures",
    }  # fmt: skip
    assert iwm[iwm["yahoo_ticker"].isna()]["holding_ticker"].tolist() == ["-", "-"]
    assert iwm["weight"].sum() == pytest.approx(1.0, abs=1e-6)


def test_quotes_cover_every_listed_stock_but_one_and_include_loss_makers():
    extraction = _extract()
    holdings, quotes = extraction.frames[HOLDINGS.name], extraction.frames[CONSTITUENT_QUOTES.name]

    listed = set(holdings.loc[holdings["asset_class"] == "Equity", "yahoo_ticker"].dropna())
    assert set(quotes["ticker"]) == listed - {UNQUOTED} and UNQUOTED in listed
    small = quotes[quotes["ticker"].str.startswith("S")]
    assert 0.2 < (small["eps_trailing"] < 0).mean() < 0.5
    assert quotes.loc[quotes["eps_trailing"] < 0, "trailing_pe"].isna().all()
    assert small["eps_forward"].isna().any()  # a few names without an analyst estimate


def test_the_issuers_share_class_spelling_maps_to_yahoos_symbol_and_its_quote():
    symbols = get_settings().universe.lookthrough.symbols
    extraction = extract_holdings(WINDOWS, issuer_funds={"IVV"}, symbols=symbols)
    holdings, quotes = extraction.frames[HOLDINGS.name], extraction.frames[CONSTITUENT_QUOTES.name]

    [line] = holdings[(holdings["fund"] == "IVV") & (holdings["holding_ticker"] == "BRKB")].to_dict(
        "records"
    )
    [quote] = quotes[quotes["ticker"] == "BRK-B"].to_dict("records")

    assert line["yahoo_ticker"] == "BRK-B" and quote["price"] == line["price"]


def test_the_issuer_shares_equal_the_sample_fundamentals_so_flows_do_not_jump():
    shares = _extract().frames["fund_shares"].set_index("fund")["shares_outstanding"]
    snapshots = sample.generate_fundamentals(["IWM", "IVV"], RUN_DATE, RUN_DATE)

    assert shares.to_dict() == snapshots.set_index("ticker")["shares_outstanding"].to_dict()


def test_a_window_without_a_session_yields_nothing():
    weekend = {"IWM": (date(2025, 11, 8), date(2025, 11, 9))}

    extraction = extract_holdings(weekend, issuer_funds={"IWM"}, symbols={})

    assert extraction.frames[HOLDINGS.name].empty and extraction.frames["fund_shares"].empty
    assert extraction.frames[CONSTITUENT_QUOTES.name].empty and not extraction.failures


@pytest.mark.parametrize("dataset", [HOLDINGS.name, CONSTITUENT_QUOTES.name])
def test_injected_bad_rows_are_quarantined(dataset):
    extraction = _extract()
    frame = extraction.frames[dataset]
    extraction.frames[dataset] = inject_bad_rows(frame, dataset, RUN_DATE)

    outcome = validate(dataset, extraction, run_date=RUN_DATE, settings=get_settings())

    assert len(outcome.quarantined) == len(extraction.frames[dataset]) - len(frame)
    assert outcome.quarantined["reason"].str.contains("between").all()
