"""Known-bad rows appended to a sample frame, so tests can prove the suites quarantine them.

Each bad row copies the frame's first row (real ticker or series), breaks one thing, and sits
on a key of its own (an earlier session of the same ticker) unless the duplicate is the point.
Rows are appended after the original rows in the order of BAD_ROWS[dataset].
"""

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd

from contracts.calendar import trading_days, trading_days_back
from contracts.datasets import DATASETS

Row = dict[str, Any]

BAD_ROWS: dict[str, tuple[str, ...]] = {
    "prices": (
        "null_close", "nonpositive_close", "high_below_low", "negative_volume",
        "duplicate_key", "non_trading_day", "after_run_date",
    ),
    "fundamentals": ("negative_total_assets", "negative_trailing_pe", "duplicate_key"),
    "sector_weights": ("weight_above_one",),
    "rates": ("after_run_date", "duplicate_key"),
    "futures": ("price_out_of_range", "duplicate_key"),
    "holdings": ("weight_as_percent", "negative_stock_value"),
    "constituent_quotes": ("nonpositive_price",),
}  # fmt: skip


def _earlier_session(first: date, n: int) -> pd.Timestamp:
    return pd.Timestamp(trading_days_back(first, n))


def _next_session(run_date: date) -> pd.Timestamp:
    upcoming = trading_days(run_date + timedelta(days=1), run_date + timedelta(days=10))
    return pd.Timestamp(upcoming[0] if upcoming else run_date + timedelta(days=1))


def _next_weekday(run_date: date) -> pd.Timestamp:
    day = run_date + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return pd.Timestamp(day)


def _saturday_before(first: date) -> pd.Timestamp:
    return pd.Timestamp(first - timedelta(days=first.weekday() + 2))


def _price_rows(t: Row, first: date, run_date: date) -> list[Row]:
    return [
        {**t, "date": _earlier_session(first, 1), "close": float("nan"), "adj_close": float("nan")},
        {**t, "date": _earlier_session(first, 2), "close": 0.0, "adj_close": 0.0},
        {**t, "date": _earlier_session(first, 3), "high": round(t["low"] * 0.98, 2)},
        {**t, "date": _earlier_session(first, 4), "volume": -100},
        {**t, "volume": t["volume"] + 1},
        {**t, "date": _saturday_before(first)},
        {**t, "date": _next_session(run_date)},
    ]


def _fundamental_rows(t: Row, first: date, run_date: date) -> list[Row]:
    return [
        {**t, "asof_date": _earlier_session(first, 1), "total_assets": -1.0e9},
        {**t, "asof_date": _earlier_session(first, 2), "trailing_pe": -5.0},
        {**t, "total_assets": t["total_assets"] * 1.001},
    ]


def _sector_rows(t: Row, first: date, run_date: date) -> list[Row]:
    return [{**t, "asof_date": _earlier_session(first, 1), "weight": 1.5}]


def _rate_rows(t: Row, first: date, run_date: date) -> list[Row]:
    return [{**t, "date": _next_weekday(run_date)}, {**t, "value": t["value"] + 0.01}]


def _futures_rows(t: Row, first: date, run_date: date) -> list[Row]:
    return [
        {**t, "date": _earlier_session(first, 1), "close": 0.0},
        {**t, "close": t["close"] + 0.01},
    ]


def _holding_rows(t: Row, first: date, run_date: date) -> list[Row]:
    day = _earlier_session(first, 1)
    return [
        {**t, "asof_date": day, "weight": 1.06},  # 1.06 % written as a percentage
        {**t, "asof_date": day, "name": f"{t['name']} B", "market_value": -1.0e6},
    ]


def _quote_rows(t: Row, first: date, run_date: date) -> list[Row]:
    return [{**t, "asof_date": _earlier_session(first, 1), "price": 0.0}]


_BUILDERS: dict[str, Callable[[Row, date, date], list[Row]]] = {
    "prices": _price_rows,
    "fundamentals": _fundamental_rows,
    "sector_weights": _sector_rows,
    "rates": _rate_rows,
    "futures": _futures_rows,
    "holdings": _holding_rows,
    "constituent_quotes": _quote_rows,
}


def inject_bad_rows(frame: pd.DataFrame, dataset: str, run_date: date) -> pd.DataFrame:
    """``frame`` plus one bad row per BAD_ROWS[dataset] entry, appended in that order.

    Prices: null close, close <= 0, high < low, negative volume, a duplicate (ticker, date)
    with another volume, a Saturday, the next session after ``run_date``. Fundamentals:
    negative total_assets, a P/E of -5 (both field-level: the snapshot loads with that value
    NULL), duplicate (ticker, asof_date). Sector weights: weight > 1. Rates: the next weekday
    after ``run_date``, duplicate (series_id, date) with another value. Futures: a close of 0,
    duplicate (symbol, date) with another close. Holdings:
    a weight given in percent (1.06), a stock line worth -1m USD. Constituent quotes: a price
    of 0.
    """
    if frame.empty:
        raise ValueError(f"inject_bad_rows({dataset!r}) needs at least one row to copy")
    contract = DATASETS[dataset]
    template: Row = frame.iloc[0].to_dict()
    owner = contract.key[0]
    first = frame.loc[frame[owner] == template[owner], contract.date_column].min().date()
    rows = _BUILDERS[dataset](template, first, run_date)
    bad = pd.DataFrame(rows, columns=frame.columns).astype(frame.dtypes.to_dict())
    return pd.concat([frame, bad], ignore_index=True)
