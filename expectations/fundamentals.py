"""Suite guarding core.fundamentals_daily: one snapshot of fund metrics per (ticker, asof_date).

Yahoo leaves many metrics empty for ETFs, so value checks apply only where a value is present
(GX's between-expectations skip nulls). The bounds reject unit mix-ups (a yield of 3 instead of
0.03, a P/E in the millions), not merely unusual values.
"""

import great_expectations as gx
import great_expectations.expectations as gxe

from contracts.datasets import FUNDAMENTALS
from expectations.common import RUN_DATE, named_suite, param

_MAX_RATIO = 1000
_RATIOS = ("trailing_pe", "forward_pe", "price_to_book")


def build_suite() -> gx.ExpectationSuite:
    """Key integrity plus plausible ranges for the valuation, size and yield metrics."""
    return named_suite(
        FUNDAMENTALS.table,
        [
            *(
                gxe.ExpectColumnValuesToNotBeNull(column=c)
                for c in ("ticker", "asof_date", "source")
            ),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=list(FUNDAMENTALS.key)),
            gxe.ExpectColumnValuesToBeBetween(column="asof_date", max_value=param(RUN_DATE)),
            *(
                gxe.ExpectColumnValuesToBeBetween(
                    column=c, min_value=0, max_value=_MAX_RATIO, strict_min=True
                )
                for c in _RATIOS
            ),
            gxe.ExpectColumnValuesToBeBetween(column="total_assets", min_value=0),
            gxe.ExpectColumnValuesToBeBetween(column="shares_outstanding", min_value=0),
            gxe.ExpectColumnValuesToBeBetween(column="nav_price", min_value=0, strict_min=True),
            # a fraction, not a percentage
            gxe.ExpectColumnValuesToBeBetween(column="dividend_yield", min_value=0, max_value=1),
            # a fraction: -100% .. +1000% over three years
            gxe.ExpectColumnValuesToBeBetween(
                column="earnings_growth_3y", min_value=-1, max_value=10
            ),
        ],
    )
