"""Suite guarding core.rates_daily: one observation per (FRED series, date).

``value`` may be null: FRED marks days without an observation with '.', and we keep those rows
as NULL so a gap stays distinguishable from a missing load. Dates are not checked against the
NYSE calendar because daily FRED series (DFF) include weekends and monthly ones use the 1st.
"""

import great_expectations as gx
import great_expectations.expectations as gxe

from contracts.datasets import RATES
from expectations.common import RUN_DATE, named_suite, param


def build_suite() -> gx.ExpectationSuite:
    """Key integrity, no future dates, and a percent range wide enough for any US rate."""
    return named_suite(
        RATES.table,
        [
            *(gxe.ExpectColumnValuesToNotBeNull(column=c) for c in ("series_id", "date", "source")),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=list(RATES.key)),
            gxe.ExpectColumnValuesToBeBetween(column="date", max_value=param(RUN_DATE)),
            # percent units; a value outside this range is a unit or parsing error
            gxe.ExpectColumnValuesToBeBetween(column="value", min_value=-50, max_value=100),
        ],
    )
