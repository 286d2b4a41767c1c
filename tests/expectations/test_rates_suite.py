"""core.rates_daily suite: a pass case and a fail case for every expectation."""

from datetime import date

import pandas as pd
import pytest

from contracts.datasets import RATES
from expectations import rates
from expectations.runner import validate_batch

DUPLICATE_KEY = "expect_compound_columns_to_be_unique(series_id,date)"

FAILURES = [
    ("series_id", None, "expect_column_values_to_not_be_null(series_id)"),
    ("date", None, "expect_column_values_to_not_be_null(date)"),
    ("source", None, "expect_column_values_to_not_be_null(source)"),
    ("date", date(2025, 6, 7), "expect_column_values_to_be_between(date)"),
    # basis points where percent belongs
    ("value", 433.0, "expect_column_values_to_be_between(value)"),
    ("value", -60.0, "expect_column_values_to_be_between(value)"),
]


@pytest.mark.parametrize(("column", "value", "reason"), FAILURES)
def test_row_breaking_one_expectation_is_quarantined_with_its_name(
    rates_frame, fails_only_row_zero, column, value, reason
):
    rates_frame.loc[0, column] = value
    fails_only_row_zero(RATES, rates_frame, reason)


def test_every_expectation_has_a_fail_case():
    names = {e.meta["name"] for e in rates.build_suite().expectations}
    assert names == {reason for *_, reason in FAILURES} | {DUPLICATE_KEY}


def test_valid_observations_on_weekends_pass(rates_frame, passes_all):
    # the fixture includes Sat 2025-05-31 and Sun 2025-06-01: FRED daily series have them
    passes_all(RATES, rates_frame)


@pytest.mark.parametrize("value", [None, -0.5, 0.0])
def test_fred_gaps_and_negative_rates_pass(rates_frame, passes_all, value):
    rates_frame.loc[0, "value"] = value
    passes_all(RATES, rates_frame)


def test_every_row_of_a_duplicated_key_is_quarantined(rates_frame, run_date):
    frame = pd.concat([rates_frame, rates_frame.iloc[[0]].assign(value=4.5)], ignore_index=True)

    outcome = validate_batch(RATES, frame, run_date=run_date)

    assert outcome.quarantined["value"].tolist() == [4.33, 4.5]
    assert outcome.quarantined["reason"].tolist() == [DUPLICATE_KEY, DUPLICATE_KEY]
