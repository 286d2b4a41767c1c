"""Suite guarding core.futures_daily: one close per (Fed funds futures symbol, date).

A 30-day Fed funds future is quoted as 100 minus a rate in percent, so its close lives just
below 100; anything else is a parsing or unit error, never a market move. Dates are not checked
against the NYSE calendar: CBOT's holidays are not the NYSE's.
"""

import great_expectations as gx
import great_expectations.expectations as gxe

from contracts.datasets import FUTURES
from expectations.common import RUN_DATE, named_suite, param

# 100 - price is a rate in percent: -5 % .. +50 % covers any US policy rate, past or plausible
_MIN_PRICE = 50
_MAX_PRICE = 105


def build_suite() -> gx.ExpectationSuite:
    """Key integrity, no future dates, a price that is 100 minus a plausible rate."""
    return named_suite(
        FUTURES.table,
        [
            *(
                gxe.ExpectColumnValuesToNotBeNull(column=c)
                for c in ("symbol", "date", "close", "contract_month", "source")
            ),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=list(FUTURES.key)),
            gxe.ExpectColumnValuesToBeBetween(column="date", max_value=param(RUN_DATE)),
            gxe.ExpectColumnValuesToBeBetween(
                column="close", min_value=_MIN_PRICE, max_value=_MAX_PRICE
            ),
        ],
    )
