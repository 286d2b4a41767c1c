"""Custom GX expectations over each ticker's sequence of bars in a batch (row checks cannot see
the day before).

- **No unexplained jump**: a close more than ``MAX_DAILY_FACTOR`` times (or less than
  1/``MAX_DAILY_FACTOR`` of) the ticker's last accepted close, on a bar without a split, is a
  unit or scaling error (a 100x price), not a market move; no US ETF or index has moved 5x in a
  session. The reference is the last *accepted* close (it starts at the median of the ticker's
  first five bars), so a one-day spike rejects the spike alone, and a lasting rescale rejects
  every bar after it. A bar with a split is the new reference.
- **No repeated bar**: a bar whose open, high, low, close and (non-zero) volume all equal the
  ticker's bar of the session before is a stale feed replaying yesterday; the first one loads.

Both see only the batch: the first bar of a ticker has no predecessor here (the daily overlap
window re-fetches five known sessions, so in practice it does). Rows with a missing value are
left to the not-null expectations, non-positive closes to the range expectation, and rows of a
duplicated key to the uniqueness expectation.

Importing this module registers the metrics and the expectations with GX.
"""

import numpy as np
import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import MulticolumnMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import (
    MulticolumnMapMetricProvider,
)
from great_expectations.expectations.metrics.map_metric_provider.multicolumn_condition_partial import (  # noqa: E501
    multicolumn_condition_partial,
)

from contracts.calendar import trading_days

MAX_DAILY_FACTOR = 5.0
JUMP_COLUMNS = ("ticker", "date", "close", "stock_splits")
REPEAT_COLUMNS = ("ticker", "date", "open", "high", "low", "close", "volume")
_REFERENCE_BARS = 5
_DOMAIN_KEYS = (
    "batch_id",
    "table",
    "column_list",
    "row_condition",
    "condition_parser",
    "ignore_row_if",
)


def _in_sequence(frame: pd.DataFrame, keep: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """Positions of the rows (those ``keep`` marks, default all) by ticker, then date, and per
    position whether the row before it is the same ticker's. Rows of a duplicated (ticker, date)
    are left out: the uniqueness expectation rejects them, and neither can be anyone's previous
    bar. (numpy throughout: sorting 5M rows by their ticker strings in pandas costs seconds.)"""
    if frame.empty:  # GX left out every row: a close-only history file has no open/high/low
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    ticker = pd.factorize(frame["ticker"])[0]
    day = pd.to_datetime(frame["date"]).to_numpy("datetime64[ns]").view("int64")
    step, later = ticker[1:] - ticker[:-1], day[1:] >= day[:-1]
    if np.all((step > 0) | ((step == 0) & later)):  # sources emit ticker blocks by date
        order = np.arange(len(ticker))
    else:
        order = np.lexsort((day, ticker))
        ticker, day = ticker[order], day[order]
    same_key = np.r_[False, (ticker[1:] == ticker[:-1]) & (day[1:] == day[:-1])]
    kept = ~(same_key | np.r_[same_key[1:], False])
    if keep is not None:
        kept &= keep[order]
    ticker = ticker[kept]
    return order[kept], np.r_[False, ticker[1:] == ticker[:-1]]


def _verdict(frame: pd.DataFrame, positions: np.ndarray, ok: np.ndarray) -> pd.Series:
    result = np.ones(len(frame), dtype=bool)
    result[positions] = ok
    return pd.Series(result, index=frame.index)


def no_unexplained_jump(frame: pd.DataFrame) -> pd.Series:
    """True per row unless its close jumps more than MAX_DAILY_FACTOR without a split.

    Vectorised for the usual batch with no candidate at all; only tickers with a candidate jump
    are walked bar by bar (the reference depends on which earlier bars were accepted).
    """
    all_closes = frame["close"].to_numpy(dtype="float64")
    positions, same_ticker = _in_sequence(frame, keep=all_closes > 0)
    close = all_closes[positions]
    split = ~frame["stock_splits"].isin([0, 1]).to_numpy()[positions]
    ok = np.ones(len(positions), dtype=bool)
    ratio = close / np.r_[np.nan, close[:-1]]
    jump = (ratio > MAX_DAILY_FACTOR) | (ratio * MAX_DAILY_FACTOR < 1)
    candidates = np.flatnonzero(same_ticker & ~split & jump)
    starts = np.flatnonzero(~same_ticker)  # each ticker's first position
    ends = np.r_[starts[1:], len(positions)]
    for block in np.unique(np.searchsorted(starts, candidates, side="right") - 1):
        rows = np.arange(starts[block], ends[block])
        reference = float(np.median(close[rows[:_REFERENCE_BARS]]))
        for row in rows:
            factor = close[row] / reference
            if split[row] or 1 / MAX_DAILY_FACTOR <= factor <= MAX_DAILY_FACTOR:
                reference = close[row]
            else:
                ok[row] = False
    return _verdict(frame, positions, ok)


def not_repeated(frame: pd.DataFrame) -> pd.Series:
    """True per row unless it repeats, exactly and with volume > 0, the ticker's bar of the
    session before (an equal bar weeks apart in a gappy batch is left alone)."""
    positions, same_ticker = _in_sequence(frame)
    values = frame[["open", "high", "low", "close", "volume"]].to_numpy(dtype="float64")
    values = values[positions]
    equal = np.r_[False, (values[1:] == values[:-1]).all(axis=1)]
    days = pd.to_datetime(frame["date"]).to_numpy("datetime64[ns]")[positions]
    next_session = np.zeros(len(days), dtype=bool)
    if len(days):
        first, last = pd.Timestamp(days.min()).date(), pd.Timestamp(days.max()).date()
        sessions = np.array(trading_days(first, last), dtype="datetime64[ns]")
        next_session[1:] = np.diff(np.searchsorted(sessions, days)) == 1
    repeated = same_ticker & next_session & equal & (values[:, 4] > 0)
    return _verdict(frame, positions, ~repeated)


class MulticolumnValuesNoUnexplainedJump(MulticolumnMapMetricProvider):
    condition_metric_name = "multicolumn_values.no_unexplained_jump"
    condition_domain_keys = _DOMAIN_KEYS

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list: pd.DataFrame, **kwargs: object) -> pd.Series:
        return no_unexplained_jump(column_list)


class MulticolumnValuesNotRepeated(MulticolumnMapMetricProvider):
    condition_metric_name = "multicolumn_values.not_repeated"
    condition_domain_keys = _DOMAIN_KEYS

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list: pd.DataFrame, **kwargs: object) -> pd.Series:
        return not_repeated(column_list)


class ExpectBarsToHaveNoUnexplainedJump(MulticolumnMapExpectation):
    """Expect no close to move more than 5x from the ticker's last close without a split."""

    map_metric = "multicolumn_values.no_unexplained_jump"
    success_keys = ("mostly",)


class ExpectBarsToNotRepeat(MulticolumnMapExpectation):
    """Expect no bar to repeat the ticker's previous bar exactly (a stale feed)."""

    map_metric = "multicolumn_values.not_repeated"
    success_keys = ("mostly",)
