# grain: one row per (session_date)
"""NYSE sessions from exchange_calendars (contracts.calendar), numbered in order.

A Python model rather than a seed or a pipeline-filled table: the calendar is code (holidays
and one-off closures such as 2001-09-11..14 and 2012-10-29/30 come from exchange_calendars), so
every build regenerates it from the installed version, including builds on a warehouse the
pipeline never prepared (a test's, a copy). Returns count sessions with session_number, never a
ticker's own rows, so a missing bar cannot shift a horizon.
"""

import pandas as pd

from contracts.calendar import all_sessions


def model(dbt, session) -> pd.DataFrame:
    dbt.config(materialized="table")
    days = all_sessions()
    return pd.DataFrame(
        {
            "session_date": pd.to_datetime(days).astype("datetime64[s]").date,
            "session_number": range(1, len(days) + 1),
        }
    )
