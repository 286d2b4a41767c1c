"""Suite guarding core.prices_daily: one daily bar per (ticker, NYSE session).

Open/high/low may be missing on some Yahoo bars and are only checked where present; close and
adj_close feed every return calculation downstream, so they must be there.
"""

import great_expectations as gx
import great_expectations.expectations as gxe

from contracts.datasets import PRICES
from expectations.bar_sequences import (
    JUMP_COLUMNS,
    REPEAT_COLUMNS,
    ExpectBarsToHaveNoUnexplainedJump,
    ExpectBarsToNotRepeat,
)
from expectations.common import RUN_DATE, named_suite, param
from expectations.nyse_sessions import ExpectColumnValuesToBeNyseSessions

_REQUIRED = ("ticker", "date", "close", "adj_close", "source")
_PRICES = ("open", "high", "low", "close", "adj_close")
_NON_NEGATIVE = ("volume", "dividends", "stock_splits")


def build_suite() -> gx.ExpectationSuite:
    """Nulls, signs, bar consistency, key uniqueness and calendar sanity for price bars."""
    return named_suite(
        PRICES.table,
        [
            *(gxe.ExpectColumnValuesToNotBeNull(column=c) for c in _REQUIRED),
            # a price of zero is a placeholder, never a trade
            *(
                gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0, strict_min=True)
                for c in _PRICES
            ),
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="high",
                column_B="low",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
            *(gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0) for c in _NON_NEGATIVE),
            # every row of a duplicated key is quarantined: we cannot tell which bar is right
            gxe.ExpectCompoundColumnsToBeUnique(column_list=list(PRICES.key)),
            # weekends and holidays have no bars; one there is a timezone or source bug
            ExpectColumnValuesToBeNyseSessions(column="date"),
            # a bar dated after the run cannot be real
            gxe.ExpectColumnValuesToBeBetween(column="date", max_value=param(RUN_DATE)),
            # a 100x close without a split is a unit error; a replayed bar is a stale feed
            ExpectBarsToHaveNoUnexplainedJump(
                column_list=list(JUMP_COLUMNS), ignore_row_if="any_value_is_missing"
            ),
            ExpectBarsToNotRepeat(
                column_list=list(REPEAT_COLUMNS), ignore_row_if="any_value_is_missing"
            ),
        ],
    )
