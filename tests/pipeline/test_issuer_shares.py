"""The issuer's daily fund shares land in core.fundamentals_daily and beat Yahoo's lagging
number whichever loads first; reloading either changes nothing."""

from datetime import date

import pandas as pd
import pytest

from contracts.settings import get_settings
from pipeline import steps
from sources.extraction import Extraction
from warehouse.connection import warehouse

DAY = date(2025, 11, 5)


def _yahoo_snapshot(shares: float) -> Extraction:
    row = {
        "ticker": "IWM", "asof_date": pd.Timestamp(DAY), "trailing_pe": 18.0,
        "forward_pe": None, "price_to_book": None, "price_to_sales": None,
        "price_to_cashflow": None, "median_market_cap": None, "total_assets": 6.8e10,
        "shares_outstanding": shares, "nav_price": 244.0, "dividend_yield": None,
        "earnings_growth_3y": None, "source": "yahoo", "trailing_pe_source": "quote",
        "quote_trailing_pe": 18.0,
    }  # fmt: skip
    frame = pd.DataFrame([row]).astype({"asof_date": "datetime64[ns]"})
    return Extraction(frames={"fundamentals": frame})


def _issuer_file(shares: float) -> Extraction:
    line = {
        "fund": "IWM", "asof_date": pd.Timestamp(DAY), "holding_ticker": "BE",
        "name": "BLOOM ENERGY", "sector": "Industrials", "asset_class": "Equity",
        "market_value": 7.3e8, "weight": 0.0106, "shares": 5.17e6, "price": 141.41,
        "yahoo_ticker": "BE", "partial": False, "source": "ishares",
    }  # fmt: skip
    fund_shares = {"fund": "IWM", "asof_date": pd.Timestamp(DAY), "shares_outstanding": shares,
                   "source": "ishares"}  # fmt: skip
    return Extraction(
        frames={
            "holdings": pd.DataFrame([line]).astype({"asof_date": "datetime64[ns]"}),
            "fund_shares": pd.DataFrame([fund_shares]).astype({"asof_date": "datetime64[ns]"}),
        }
    )


def _load(path, dataset: str, extraction: Extraction, run_id: str):
    settings = get_settings()
    outcome = steps.validate(dataset, extraction, run_date=DAY, settings=settings)
    return steps.load_dataset(path, dataset, outcome, extraction, run_id=run_id, settings=settings)


def _stored(path) -> tuple:
    with warehouse(path, read_only=True) as con:
        return con.execute(
            "select shares_outstanding, shares_outstanding_source, source, trailing_pe "
            "from core.fundamentals_daily"
        ).fetchall()[0]


def _revisions(path) -> list[tuple]:
    with warehouse(path, read_only=True) as con:
        return con.execute(
            'select run_id, dataset, key, date, "column", old_value, new_value '
            "from audit.revisions order by revised_at"
        ).fetchall()


@pytest.mark.parametrize("issuer_first", [True, False], ids=["issuer-first", "yahoo-first"])
def test_issuer_shares_win_whichever_loads_first_and_reloads_change_nothing(
    warehouse_path, issuer_first
):
    loads = [("holdings", _issuer_file(281_300_000.0)), ("fundamentals", _yahoo_snapshot(2.7e8))]
    for n, (dataset, extraction) in enumerate(loads if issuer_first else loads[::-1]):
        _load(warehouse_path, dataset, extraction, f"r{n}")

    assert _stored(warehouse_path) == (281_300_000.0, "ishares", "yahoo", 18.0)
    # Yahoo's number giving way is no revision (Yahoo filling the fields of a row the issuer
    # opened is, by the loader's rule: a value where there was none)
    revisions = _revisions(warehouse_path)
    assert [r for r in revisions if r[4] == "shares_outstanding"] == []
    again = _load(warehouse_path, "fundamentals", _yahoo_snapshot(2.7e8), "r9")
    _load(warehouse_path, "holdings", _issuer_file(281_300_000.0), "r9")
    assert again.rows_changed == 0
    assert _stored(warehouse_path) == (281_300_000.0, "ishares", "yahoo", 18.0)
    assert _revisions(warehouse_path) == revisions


def test_a_corrected_issuer_number_is_a_revision(warehouse_path):
    _load(warehouse_path, "holdings", _issuer_file(281_300_000.0), "r1")

    _load(warehouse_path, "holdings", _issuer_file(281_350_000.0), "r2")

    assert _stored(warehouse_path)[:3] == (281_350_000.0, "ishares", "ishares")
    assert _revisions(warehouse_path) == [
        ("r2", "fundamentals", "IWM", DAY, "shares_outstanding", 281_300_000.0, 281_350_000.0)
    ]
