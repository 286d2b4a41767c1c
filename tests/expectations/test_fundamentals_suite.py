"""core.fundamentals_daily suite: a pass case and a fail case for every expectation."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from contracts.datasets import FUNDAMENTALS
from expectations import fundamentals
from expectations.runner import validate_batch

DUPLICATE_KEY = "expect_compound_columns_to_be_unique(ticker,asof_date)"

FAILURES = [
    ("ticker", None, "expect_column_values_to_not_be_null(ticker)"),
    ("asof_date", None, "expect_column_values_to_not_be_null(asof_date)"),
    ("source", None, "expect_column_values_to_not_be_null(source)"),
    ("asof_date", date(2025, 6, 9), "expect_column_values_to_be_between(asof_date)"),
    ("trailing_pe", 0.0, "expect_column_values_to_be_between(trailing_pe)"),
    ("trailing_pe", 1500.0, "expect_column_values_to_be_between(trailing_pe)"),
    ("forward_pe", -3.0, "expect_column_values_to_be_between(forward_pe)"),
    ("price_to_book", 0.0, "expect_column_values_to_be_between(price_to_book)"),
    ("total_assets", -1.0, "expect_column_values_to_be_between(total_assets)"),
    ("shares_outstanding", -1.0, "expect_column_values_to_be_between(shares_outstanding)"),
    ("nav_price", 0.0, "expect_column_values_to_be_between(nav_price)"),
    # a percentage where a fraction belongs
    ("dividend_yield", 1.5, "expect_column_values_to_be_between(dividend_yield)"),
    ("dividend_yield", -0.01, "expect_column_values_to_be_between(dividend_yield)"),
    ("earnings_growth_3y", -1.5, "expect_column_values_to_be_between(earnings_growth_3y)"),
    ("earnings_growth_3y", 11.0, "expect_column_values_to_be_between(earnings_growth_3y)"),
]


@pytest.mark.parametrize(("column", "value", "reason"), FAILURES)
def test_row_breaking_one_expectation_is_quarantined_with_its_name(
    fundamentals_frame, fails_only_row_zero, column, value, reason
):
    fundamentals_frame.loc[0, column] = value
    fails_only_row_zero(FUNDAMENTALS, fundamentals_frame, reason)


def test_every_expectation_has_a_fail_case():
    names = {e.meta["name"] for e in fundamentals.build_suite().expectations}
    assert names == {reason for *_, reason in FAILURES} | {DUPLICATE_KEY}


def test_valid_snapshots_pass_every_expectation(fundamentals_frame, passes_all):
    passes_all(FUNDAMENTALS, fundamentals_frame)


def test_snapshot_with_every_metric_missing_passes(fundamentals_frame, passes_all):
    # Yahoo leaves most metrics empty for some ETFs; that is a gap, not bad data
    metrics = [c for c in FUNDAMENTALS.value_columns]
    fundamentals_frame.loc[0, metrics] = np.nan
    passes_all(FUNDAMENTALS, fundamentals_frame)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("trailing_pe", 1000.0),
        ("total_assets", 0.0),
        ("shares_outstanding", 0.0),
        ("dividend_yield", 0.0),
        ("dividend_yield", 1.0),
        ("earnings_growth_3y", -1.0),
        ("earnings_growth_3y", 10.0),
    ],
)
def test_boundary_values_pass(fundamentals_frame, passes_all, column, value):
    fundamentals_frame.loc[0, column] = value
    passes_all(FUNDAMENTALS, fundamentals_frame)


def test_every_row_of_a_duplicated_key_is_quarantined(fundamentals_frame, run_date):
    frame = pd.concat([fundamentals_frame, fundamentals_frame.iloc[[1]]], ignore_index=True)

    outcome = validate_batch(FUNDAMENTALS, frame, run_date=run_date)

    assert outcome.quarantined["reason"].tolist() == [DUPLICATE_KEY, DUPLICATE_KEY]
    assert len(outcome.valid) == len(fundamentals_frame) - 1
