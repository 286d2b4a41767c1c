"""Suite guarding core.fundamentals_daily: one snapshot of fund metrics per (ticker, asof_date).

Yahoo leaves many metrics empty for ETFs, so value checks apply only where a value is present
(GX's between-expectations skip nulls). The bounds reject unit mix-ups (a yield of 3 instead of
0.03, a P/E in the millions), not merely unusual values.

Value checks are field-level: a snapshot whose P/E is -5 still loads its AUM and NAV, with the
P/E (and its provenance) NULL and the snapshot as extracted in quarantine. Key and date checks
reject the whole row, since no value of a row with a wrong key or date can be trusted.
"""

import great_expectations as gx
import great_expectations.expectations as gxe

from contracts.datasets import FUNDAMENTALS
from expectations.common import RUN_DATE, field_level, named_suite, param

_MAX_RATIO = 1000
_RATIOS = ("forward_pe", "price_to_book", "quote_trailing_pe")
PE_SOURCES = ("holdings", "quote")


def _ratio(column: str) -> gxe.ExpectColumnValuesToBeBetween:
    return gxe.ExpectColumnValuesToBeBetween(
        column=column, min_value=0, max_value=_MAX_RATIO, strict_min=True
    )


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
            # a P/E without a value has no provenance either
            field_level(_ratio("trailing_pe"), "trailing_pe_source"),
            *(field_level(_ratio(c)) for c in _RATIOS),
            field_level(
                gxe.ExpectColumnValuesToBeInSet(
                    column="trailing_pe_source", value_set=list(PE_SOURCES)
                )
            ),
            field_level(gxe.ExpectColumnValuesToBeBetween(column="total_assets", min_value=0)),
            field_level(
                gxe.ExpectColumnValuesToBeBetween(column="shares_outstanding", min_value=0)
            ),
            field_level(
                gxe.ExpectColumnValuesToBeBetween(column="nav_price", min_value=0, strict_min=True)
            ),
            # a fraction, not a percentage
            field_level(
                gxe.ExpectColumnValuesToBeBetween(column="dividend_yield", min_value=0, max_value=1)
            ),
            # a fraction: -100% .. +1000% over three years
            field_level(
                gxe.ExpectColumnValuesToBeBetween(
                    column="earnings_growth_3y", min_value=-1, max_value=10
                )
            ),
        ],
    )
