"""core.futures_daily suite: a pass case and a fail case for every expectation."""

from datetime import date

import pandas as pd
import pytest

from contracts.datasets import FUTURES
from expectations import futures
from expectations.runner import validate_batch

DUPLICATE_KEY = "expect_compound_columns_to_be_unique(symbol,date)"

FAILURES = [
    ("symbol", None, "expect_column_values_to_not_be_null(symbol)"),
    ("date", None, "expect_column_values_to_not_be_null(date)"),
    ("close", None, "expect_column_values_to_not_be_null(close)"),
    ("contract_month", None, "expect_column_values_to_not_be_null(contract_month)"),
    ("source", None, "expect_column_values_to_not_be_null(source)"),
    ("date", date(2025, 6, 9), "expect_column_values_to_be_between(date)"),
    # a rate where 100 minus the rate belongs, and a price of 0
    ("close", 4.31, "expect_column_values_to_be_between(close)"),
    ("close", 0.0, "expect_column_values_to_be_between(close)"),
    ("close", 106.0, "expect_column_values_to_be_between(close)"),
]


@pytest.mark.parametrize(("column", "value", "reason"), FAILURES)
def test_row_breaking_one_expectation_is_quarantined_with_its_name(
    futures_frame, fails_only_row_zero, column, value, reason
):
    futures_frame.loc[0, column] = value
    fails_only_row_zero(FUTURES, futures_frame, reason)


def test_every_expectation_has_a_fail_case():
    names = {e.meta["name"] for e in futures.build_suite().expectations}
    assert names == {reason for *_, reason in FAILURES} | {DUPLICATE_KEY}


def test_valid_closes_pass(futures_frame, passes_all):
    passes_all(FUTURES, futures_frame)


@pytest.mark.parametrize("close", [100.0, 99.9975, 50.0, 105.0])
def test_zero_and_negative_rates_pass(futures_frame, passes_all, close):
    futures_frame.loc[0, "close"] = close
    passes_all(FUTURES, futures_frame)


def test_every_row_of_a_duplicated_key_is_quarantined(futures_frame, run_date):
    frame = pd.concat(
        [futures_frame, futures_frame.iloc[[0]].assign(close=95.7)], ignore_index=True
    )

    outcome = validate_batch(FUTURES, frame, run_date=run_date)

    assert outcome.quarantined["close"].tolist() == [95.69, 95.7]
    assert outcome.quarantined["reason"].tolist() == [DUPLICATE_KEY, DUPLICATE_KEY]
