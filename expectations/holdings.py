"""Suite guarding core.fund_holdings: one line per (fund, asof_date, holding_ticker, name).

Cash, futures and collateral lines may carry negative values (a short futures position, an
overdraft), so the signs are checked on stock lines only. Weights are fractions of the fund:
a percentage here (1.06 for 1.06 %) would make every stock look like the whole fund.
"""

import great_expectations as gx
import great_expectations.expectations as gxe

from contracts.datasets import HOLDINGS
from expectations.common import RUN_DATE, named_suite, param

_EQUITY = 'asset_class == "Equity"'


def _on_stock_lines(column: str) -> gxe.ExpectColumnValuesToBeBetween:
    return gxe.ExpectColumnValuesToBeBetween(
        column=column, min_value=0, row_condition=_EQUITY, condition_parser="pandas"
    )


def build_suite() -> gx.ExpectationSuite:
    """Key integrity, fractions for weights, non-negative stock lines, nothing from the future."""
    return named_suite(
        HOLDINGS.table,
        [
            *(
                gxe.ExpectColumnValuesToNotBeNull(column=c)
                for c in (*HOLDINGS.key, "asset_class", "partial", "source")
            ),
            gxe.ExpectCompoundColumnsToBeUnique(column_list=list(HOLDINGS.key)),
            gxe.ExpectColumnValuesToBeBetween(column="asof_date", max_value=param(RUN_DATE)),
            gxe.ExpectColumnValuesToBeBetween(column="weight", min_value=-1, max_value=1),
            *(_on_stock_lines(c) for c in ("market_value", "shares", "price")),
        ],
    )
