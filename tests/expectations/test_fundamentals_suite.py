"""core.fundamentals_daily suite: a pass case and a fail case for every expectation.

Key and date checks quarantine the whole snapshot; value checks are field-level: the snapshot
loads with that value NULL, and the snapshot as extracted is quarantined with the reason."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from contracts.datasets import FUNDAMENTALS
from expectations import fundamentals
from expectations.runner import validate_batch

DUPLICATE_KEY = "expect_compound_columns_to_be_unique(ticker,asof_date)"

ROW_FAILURES = [
    ("ticker", None, "expect_column_values_to_not_be_null(ticker)"),
    ("asof_date", None, "expect_column_values_to_not_be_null(asof_date)"),
    ("source", None, "expect_column_values_to_not_be_null(source)"),
    ("asof_date", date(2025, 6, 9), "expect_column_values_to_be_between(asof_date)"),
]
BETWEEN = "expect_column_values_to_be_between({})"
FIELD_FAILURES = [
    ("trailing_pe", 0.0, BETWEEN.format("trailing_pe"), ["trailing_pe", "trailing_pe_source"]),
    ("trailing_pe", -5.0, BETWEEN.format("trailing_pe"), ["trailing_pe", "trailing_pe_source"]),
    ("trailing_pe", 1500.0, BETWEEN.format("trailing_pe"), ["trailing_pe", "trailing_pe_source"]),
    ("quote_trailing_pe", -2.0, BETWEEN.format("quote_trailing_pe"), ["quote_trailing_pe"]),
    ("forward_pe", -3.0, BETWEEN.format("forward_pe"), ["forward_pe"]),
    ("price_to_book", 0.0, BETWEEN.format("price_to_book"), ["price_to_book"]),
    ("total_assets", -1.0, BETWEEN.format("total_assets"), ["total_assets"]),
    ("shares_outstanding", -1.0, BETWEEN.format("shares_outstanding"), ["shares_outstanding"]),
    ("nav_price", 0.0, BETWEEN.format("nav_price"), ["nav_price"]),
    # a percentage where a fraction belongs
    ("dividend_yield", 1.5, BETWEEN.format("dividend_yield"), ["dividend_yield"]),
    ("dividend_yield", -0.01, BETWEEN.format("dividend_yield"), ["dividend_yield"]),
    ("earnings_growth_3y", -1.5, BETWEEN.format("earnings_growth_3y"), ["earnings_growth_3y"]),
    ("earnings_growth_3y", 11.0, BETWEEN.format("earnings_growth_3y"), ["earnings_growth_3y"]),
    (
        "trailing_pe_source",
        "morningstar",
        "expect_column_values_to_be_in_set(trailing_pe_source)",
        ["trailing_pe_source"],
    ),
]


@pytest.mark.parametrize(("column", "value", "reason"), ROW_FAILURES)
def test_row_breaking_a_key_or_date_expectation_is_quarantined_whole(
    fundamentals_frame, fails_only_row_zero, column, value, reason
):
    fundamentals_frame.loc[0, column] = value
    fails_only_row_zero(FUNDAMENTALS, fundamentals_frame, reason)


@pytest.mark.parametrize(("column", "value", "name", "nulled"), FIELD_FAILURES)
def test_value_breaking_its_expectation_loads_as_null_and_is_quarantined_with_the_row(
    fundamentals_frame, run_date, column, value, name, nulled
):
    fundamentals_frame.loc[0, column] = value

    outcome = validate_batch(FUNDAMENTALS, fundamentals_frame, run_date=run_date)

    expected = fundamentals_frame.copy()
    expected.loc[0, nulled] = None
    pd.testing.assert_frame_equal(outcome.valid, expected)
    assert outcome.quarantined["reason"].tolist() == [
        f"{name} (loaded as NULL: {', '.join(nulled)})"
    ]
    pd.testing.assert_frame_equal(
        outcome.quarantined.drop(columns="reason"), fundamentals_frame.iloc[[0]]
    )
    assert (outcome.failed_rows, outcome.nulled_rows) == ((0,), (0,))
    assert (outcome.rows_in, outcome.rows_rejected) == (len(fundamentals_frame), 0)


def test_a_pe_of_minus_five_is_quarantined_and_the_aum_and_nav_load(fundamentals_frame, run_date):
    fundamentals_frame.loc[0, "trailing_pe"] = -5.0

    outcome = validate_batch(FUNDAMENTALS, fundamentals_frame, run_date=run_date)

    loaded = outcome.valid.iloc[0]
    assert np.isnan(loaded["trailing_pe"]) and pd.isna(loaded["trailing_pe_source"])
    assert (loaded["total_assets"], loaded["nav_price"]) == (6.5e10, 210.5)
    assert loaded["quote_trailing_pe"] == 18.7
    quarantined = outcome.quarantined.iloc[0]
    assert quarantined["trailing_pe"] == -5.0
    assert "trailing_pe" in quarantined["reason"]


def test_a_row_breaking_key_and_value_expectations_is_quarantined_whole(
    fundamentals_frame, run_date
):
    fundamentals_frame.loc[0, ["ticker", "trailing_pe"]] = [None, -5.0]

    outcome = validate_batch(FUNDAMENTALS, fundamentals_frame, run_date=run_date)

    assert outcome.quarantined["reason"].tolist() == [
        "expect_column_values_to_not_be_null(ticker); "
        f"{BETWEEN.format('trailing_pe')} (loaded as NULL: trailing_pe, trailing_pe_source)"
    ]
    pd.testing.assert_frame_equal(outcome.valid, fundamentals_frame.iloc[1:].reset_index(drop=True))
    assert (outcome.nulled_rows, outcome.rows_rejected) == ((), 1)


def test_every_expectation_has_a_fail_case():
    names = {e.meta["name"] for e in fundamentals.build_suite().expectations}
    failures = {r for *_, r in ROW_FAILURES} | {name for _, _, name, _ in FIELD_FAILURES}
    assert names == failures | {DUPLICATE_KEY}


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
        ("trailing_pe_source", "quote"),
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
