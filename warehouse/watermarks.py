"""Where each key's history ends, and which window to fetch next so missed days fill themselves."""

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

import duckdb

from contracts.datasets import Dataset

# no daily, weekly, monthly or quarterly series goes this long without a new observation
DISCONTINUED_AFTER = timedelta(days=366)


def watermarks(con: duckdb.DuckDBPyConnection, dataset: Dataset) -> dict[str, date]:
    """Latest loaded date per key (ticker or series) of a dataset."""
    key = dataset.key[0]
    rows = con.execute(
        f"select {key}, max({dataset.date_column}) from {dataset.table} group by {key}"
    ).fetchall()
    return dict(rows)


def finished_series(con: duckdb.DuckDBPyConnection, run_date: date) -> dict[str, date]:
    """FRED series that FRED no longer updates (observation_end more than DISCONTINUED_AFTER
    before ``run_date``) and that are loaded through that end: nothing is left to fetch."""
    rows = con.execute(
        """select meta.series_id, meta.observation_end
           from core.series_meta as meta
           where meta.observation_end < ?
             and meta.observation_end <= (
                 select max(date) from core.rates_daily as r where r.series_id = meta.series_id)""",
        [run_date - DISCONTINUED_AFTER],
    ).fetchall()
    return dict(rows)


def stale_series_meta(
    con: duckdb.DuckDBPyConnection, series_ids: Iterable[str], *, now: datetime, max_age: timedelta
) -> list[str]:
    """Series whose metadata is missing or was loaded ``max_age`` or more before ``now``: the
    only ones worth a FRED series-info request (titles and units do not change from one day to
    the next; the observation end matters only a year after it)."""
    wanted = list(series_ids)
    if not wanted:
        return []
    fresh = {
        row[0]
        for row in con.execute(
            "select series_id from core.series_meta "
            "where list_contains(?, series_id) and loaded_at > ?",
            [wanted, now - max_age],
        ).fetchall()
    }
    return [s for s in wanted if s not in fresh]


def plan_windows(
    keys: Iterable[str],
    marks: dict[str, date],
    *,
    run_date: date,
    history_start: date,
    overlap_start: Callable[[date], date],
) -> dict[str, tuple[date, date]]:
    """[start, run_date] per key: new keys get full history, known keys restart a little before
    their watermark (``overlap_start``) so late corrections and missed days arrive."""
    windows = {}
    for key in keys:
        mark = marks.get(key)
        start = history_start if mark is None else overlap_start(mark)
        if start <= run_date:
            windows[key] = (start, run_date)
    return windows
