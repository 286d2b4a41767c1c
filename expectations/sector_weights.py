"""Suite guarding core.fund_sector_weights: one weight per (ticker, asof_date, sector)."""

import great_expectations as gx
import great_expectations.expectations as gxe

from contracts.datasets import SECTOR_WEIGHTS
from expectations.common import RUN_DATE, named_suite, param


def build_suite() -> gx.ExpectationSuite:
    """Every field present, weights as fractions, one row per key, nothing from the future."""
    return named_suite(
        SECTOR_WEIGHTS.table,
        [
            *(gxe.ExpectColumnValuesToNotBeNull(column=c) for c in SECTOR_WEIGHTS.columns),
            # a fraction of the fund; a percentage here would inflate every sector mart 100x
            gxe.ExpectColumnValuesToBeBetween(column="weight", min_value=0, max_value=1),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=list(SECTOR_WEIGHTS.key)),
            gxe.ExpectColumnValuesToBeBetween(column="asof_date", max_value=param(RUN_DATE)),
        ],
    )
