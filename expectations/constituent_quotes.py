"""Suite guarding core.constituent_quotes: one quote per (Yahoo symbol, asof_date).

A quote without a positive price cannot weigh anything, so it is quarantined; EPS may be
negative (loss-makers are the point), but a P/E is only ever given for positive earnings.
"""

import great_expectations as gx
import great_expectations.expectations as gxe

from contracts.datasets import CONSTITUENT_QUOTES
from expectations.common import RUN_DATE, named_suite, param


def build_suite() -> gx.ExpectationSuite:
    """Key integrity, a positive price, non-negative sizes, positive P/Es, no future date."""
    return named_suite(
        CONSTITUENT_QUOTES.table,
        [
            *(
                gxe.ExpectColumnValuesToNotBeNull(column=c)
                for c in ("ticker", "asof_date", "price", "source")
            ),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=list(CONSTITUENT_QUOTES.key)),
            gxe.ExpectColumnValuesToBeBetween(column="asof_date", max_value=param(RUN_DATE)),
            gxe.ExpectColumnValuesToBeBetween(column="price", min_value=0, strict_min=True),
            *(
                gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0)
                for c in ("market_cap", "shares_outstanding")
            ),
            *(
                gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, strict_min=True)
                for c in ("trailing_pe", "forward_pe")
            ),
        ],
    )
