"""Where each key's history ends, and which window to fetch next so missed days fill themselves."""

from collections.abc import Callable, Iterable
from datetime import date

import duckdb

from contracts.datasets import Dataset


def watermarks(con: duckdb.DuckDBPyConnection, dataset: Dataset) -> dict[str, date]:
    """Latest loaded date per key (ticker or series) of a dataset."""
    key = dataset.key[0]
    rows = con.execute(
        f"select {key}, max({dataset.date_column}) from {dataset.table} group by {key}"
    ).fetchall()
    return dict(rows)


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
