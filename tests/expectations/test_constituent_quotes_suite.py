"""core.constituent_quotes suite: a pass case and a fail case for every expectation."""

import pandas as pd
import pytest

from contracts.datasets import CONSTITUENT_QUOTES
from expectations import constituent_quotes
from expectations.runner import validate_batch

DUPLICATE_KEY = "expect_compound_columns_to_be_unique(ticker,asof_date)"
BETWEEN = "expect_column_values_to_be_between({})"

FAILURES = [
    *(
        (column, None, f"expect_column_values_to_not_be_null({column})")
        for column in ("ticker", "asof_date", "source")
    ),
    # a quote without a price weighs nothing: null fails twice, so only 0 is tested for price
    ("price", 0.0, BETWEEN.format("price")),
    ("asof_date", pd.Timestamp("2025-06-09"), BETWEEN.format("asof_date")),
    ("market_cap", -1.0, BETWEEN.format("market_cap")),
    ("shares_outstanding", -1.0, BETWEEN.format("shares_outstanding")),
    ("trailing_pe", -12.0, BETWEEN.format("trailing_pe")),
    ("forward_pe", 0.0, BETWEEN.format("forward_pe")),
]


@pytest.mark.parametrize(("column", "value", "reason"), FAILURES)
def test_row_breaking_one_expectation_is_quarantined_with_its_name(
    constituent_quotes_frame, fails_only_row_zero, column, value, reason
):
    constituent_quotes_frame[column] = constituent_quotes_frame[column].astype(object)
    constituent_quotes_frame.loc[0, column] = value
    fails_only_row_zero(CONSTITUENT_QUOTES, constituent_quotes_frame, reason)


def test_a_missing_price_is_quarantined(constituent_quotes_frame, run_date):
    constituent_quotes_frame.loc[0, "price"] = None

    outcome = validate_batch(CONSTITUENT_QUOTES, constituent_quotes_frame, run_date=run_date)

    assert outcome.quarantined["reason"].tolist() == ["expect_column_values_to_not_be_null(price)"]


def test_every_expectation_has_a_fail_case():
    names = {e.meta["name"] for e in constituent_quotes.build_suite().expectations}
    expected = {reason for *_, reason in FAILURES} | {DUPLICATE_KEY}
    assert names == expected | {"expect_column_values_to_not_be_null(price)"}


def test_losses_and_missing_estimates_pass(constituent_quotes_frame, passes_all):
    passes_all(CONSTITUENT_QUOTES, constituent_quotes_frame)
