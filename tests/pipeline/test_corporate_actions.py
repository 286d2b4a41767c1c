"""A new dividend or split refetches the ticker's whole history so adj_close stays consistent.

Yahoo is served through ``responses`` and parsed by the real yfinance; the warehouse is a real
DuckDB file in tmp_path.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import pytest
from fakes import Bar, chart_body, not_found_chart

from contracts.calendar import trading_days
from contracts.datasets import PRICES
from contracts.settings import Settings
from pipeline.corporate_actions import refetch_after_actions, refetch_windows
from sources.extraction import Extraction
from sources.retry import NO_WAIT
from sources.yahoo import extract_prices
from warehouse.connection import warehouse
from warehouse.corporate_actions import KnownHistory, known_histories
from warehouse.loader import load_batch

if TYPE_CHECKING:
    from fakes import YahooMock

DAYS = trading_days(date(2026, 9, 1), date(2026, 10, 30))
RUN_DATE = DAYS[-1]
DIVIDEND_DAY = DAYS[-2]
SETTINGS = Settings(yahoo_requests_per_minute=0, source_retry_wait_seconds=0)


def history(dividend: bool) -> list[Bar]:
    """Bars up to RUN_DATE; with the dividend, Yahoo lowers every earlier adj_close by 1%."""
    return [
        Bar(
            day=d,
            close=100.0 + i,
            adj_close=(100.0 + i) * (0.99 if dividend and d < DIVIDEND_DAY else 1.0),
            dividend=0.5 if dividend and d == DIVIDEND_DAY else 0.0,
        )
        for i, d in enumerate(DAYS)
    ]


def extract(windows: dict[str, tuple[date, date]]) -> pd.DataFrame:
    return extract_prices(windows, settings=SETTINGS, retry=NO_WAIT).frames["prices"]


def load(path: Path, frame: pd.DataFrame, run_id: str) -> int:
    with warehouse(path) as con:
        return load_batch(con, PRICES, frame, frame.iloc[0:0], run_id=run_id).revisions


@pytest.fixture
def loaded(yahoo: YahooMock, warehouse_path: Path) -> Path:
    """IWM and SPY loaded up to the day before the dividend; Yahoo then reports the dividend
    for IWM (and the lowered adj_close history), SPY stays unchanged."""
    yahoo.chart(
        "IWM", (200, chart_body("IWM", history(False))), (200, chart_body("IWM", history(True)))
    )
    yahoo.bars("SPY", history(False))
    load(warehouse_path, extract(dict.fromkeys(["IWM", "SPY"], (DAYS[0], DAYS[-3]))), "run-1")
    return warehouse_path


def test_new_dividend_in_the_overlap_window_asks_for_full_history(loaded: Path) -> None:
    window = (DAYS[-7], RUN_DATE)
    batch = extract({"IWM": window, "SPY": window})
    with warehouse(loaded) as con:
        known = known_histories(con, ["IWM", "SPY"])

    windows = refetch_windows(batch, known, run_date=RUN_DATE)

    assert windows == {"IWM": (DAYS[0], RUN_DATE)}
    assert known["IWM"] == KnownHistory(DAYS[0], frozenset())


def test_refetch_rewrites_old_adj_close_and_records_revisions(loaded: Path) -> None:
    window = (DAYS[-7], RUN_DATE)
    batch = Extraction(frames={"prices": extract({"IWM": window, "SPY": window})})

    result, windows = refetch_after_actions(
        loaded, batch, source="live", run_date=RUN_DATE, settings=SETTINGS
    )
    revisions = load(loaded, result.frames["prices"], "run-2")

    assert windows == {"IWM": (DAYS[0], RUN_DATE)}
    counts = result.frames["prices"].groupby("ticker").size().to_dict()
    assert counts == {"IWM": len(DAYS), "SPY": 7}
    with duckdb.connect(str(loaded), read_only=True) as con:
        first = con.sql(
            "select adj_close from core.prices_daily where ticker = 'IWM' and date = ?",
            params=[DAYS[0]],
        ).fetchall()
        revised = con.sql(
            "select count(distinct date) from audit.revisions "
            "where run_id = 'run-2' and key = 'IWM' and \"column\" = 'adj_close'"
        ).fetchall()
    assert first == [(pytest.approx(99.0),)]
    assert revised == [(len(DAYS) - 2,)]  # every loaded day, all before the dividend
    assert revisions >= len(DAYS) - 2


def test_failed_refetch_leaves_the_ticker_out_and_records_why(
    yahoo: YahooMock, warehouse_path: Path
) -> None:
    before, after = chart_body("IWM", history(False)), chart_body("IWM", history(True))
    yahoo.chart("IWM", (200, before), (200, after), (404, not_found_chart()))
    yahoo.bars("SPY", history(False))
    load(warehouse_path, extract(dict.fromkeys(["IWM", "SPY"], (DAYS[0], DAYS[-3]))), "run-1")
    window = (DAYS[-7], RUN_DATE)
    batch = Extraction(frames={"prices": extract({"IWM": window, "SPY": window})})

    result, _ = refetch_after_actions(
        warehouse_path, batch, source="live", run_date=RUN_DATE, settings=SETTINGS
    )

    assert set(result.frames["prices"]["ticker"]) == {"SPY"}
    assert [(f.dataset, f.key) for f in result.failures] == [("prices", "IWM")]
    assert "full-history refetch" in result.failures[0].message


def test_known_action_or_a_new_ticker_does_not_refetch() -> None:
    day = pd.Timestamp(DIVIDEND_DAY)
    batch = pd.DataFrame(
        {
            "ticker": ["IWM", "NEW"],
            "date": [day, day],
            "dividends": [0.5, 0.3],
            "stock_splits": [0.0, 0.0],
        }
    )
    known = {"IWM": KnownHistory(DAYS[0], frozenset({DIVIDEND_DAY}))}

    assert refetch_windows(batch, known, run_date=RUN_DATE) == {}


def test_a_split_on_a_day_core_already_holds_without_one_refetches() -> None:
    day = pd.Timestamp(DIVIDEND_DAY)
    batch = pd.DataFrame(
        {"ticker": ["IWM"], "date": [day], "dividends": [0.0], "stock_splits": [2.0]}
    )
    known = {"IWM": KnownHistory(DAYS[0] - timedelta(days=400), frozenset())}

    windows = refetch_windows(batch, known, run_date=RUN_DATE)

    assert windows == {"IWM": (DAYS[0] - timedelta(days=400), RUN_DATE)}
