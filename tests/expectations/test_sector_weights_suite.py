"""core.fund_sector_weights suite: a pass case and a fail case for every expectation."""

from datetime import date

import pandas as pd
import pytest

from contracts.datasets import SECTOR_WEIGHTS
from expectations import sector_weights
from expectations.runner import validate_batch

DUPLICATE_KEY = "expect_compound_columns_to_be_unique(ticker,asof_date,sector)"

FAILURES = [
    *(
        (column, None, f"expect_column_values_to_not_be_null({column})")
        for column in SECTOR_WEIGHTS.columns
    ),
    # a percentage where a fraction belongs
    ("weight", 15.0, "expect_column_values_to_be_between(weight)"),
    ("weight", -0.1, "expect_column_values_to_be_between(weight)"),
    ("asof_date", date(2025, 6, 7), "expect_column_values_to_be_between(asof_date)"),
]


@pytest.mark.parametrize(("column", "value", "reason"), FAILURES)
def test_row_breaking_one_expectation_is_quarantined_with_its_name(
    sector_weights_frame, fails_only_row_zero, column, value, reason
):
    sector_weights_frame.loc[0, column] = value
    fails_only_row_zero(SECTOR_WEIGHTS, sector_weights_frame, reason)


def test_every_expectation_has_a_fail_case():
    names = {e.meta["name"] for e in sector_weights.build_suite().expectations}
    assert names == {reason for *_, reason in FAILURES} | {DUPLICATE_KEY}


def test_valid_weights_pass_every_expectation(sector_weights_frame, passes_all):
    passes_all(SECTOR_WEIGHTS, sector_weights_frame)


@pytest.mark.parametrize("weight", [0.0, 1.0])
def test_boundary_weights_pass(sector_weights_frame, passes_all, weight):
    sector_weights_frame.loc[0, "weight"] = weight
    passes_all(SECTOR_WEIGHTS, sector_weights_frame)


def test_every_row_of_a_duplicated_key_is_quarantined(sector_weights_frame, run_date):
    duplicate = sector_weights_frame.iloc[[2]].assign(weight=0.5)
    frame = pd.concat([sector_weights_frame, duplicate], ignore_index=True)

    outcome = validate_batch(SECTOR_WEIGHTS, frame, run_date=run_date)

    assert outcome.quarantined["weight"].tolist() == [0.18, 0.5]
    assert outcome.quarantined["reason"].tolist() == [DUPLICATE_KEY, DUPLICATE_KEY]
