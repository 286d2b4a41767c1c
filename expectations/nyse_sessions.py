"""A custom GX expectation: every date in a column is an NYSE session.

The stock ``expect_column_values_to_be_in_set`` needs the sessions as a value set, and GX copies
an expectation's kwargs many times per run: with the ~7,700 sessions of a 30-year backfill that
alone cost ~3 s per batch regardless of its size. This metric derives the sessions from the
column's own date range instead, so its cost is one vectorised ``isin``.

Importing this module registers the metric and the expectation with GX.
"""

import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics import (
    ColumnMapMetricProvider,
    column_condition_partial,
)

from contracts.calendar import trading_days


class ColumnValuesNyseSession(ColumnMapMetricProvider):
    """Row condition: the date is an NYSE session (nulls are left to a not-null expectation)."""

    condition_metric_name = "column_values.nyse_session"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: object) -> pd.Series:
        dates = pd.to_datetime(column)
        if dates.empty:
            return pd.Series(True, index=column.index, dtype=bool)
        first, last = dates.min(), dates.max()
        sessions = pd.DatetimeIndex(trading_days(first.date(), last.date()))
        return dates.isin(sessions.as_unit(dates.dt.unit))


class ExpectColumnValuesToBeNyseSessions(ColumnMapExpectation):
    """Expect each date to be an NYSE trading session (no weekends, holidays or closures)."""

    map_metric = "column_values.nyse_session"
    success_keys = ("mostly",)
