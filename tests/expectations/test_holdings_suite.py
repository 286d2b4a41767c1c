"""core.fund_holdings suite: a pass case and a fail case for every expectation."""

import pandas as pd
import pytest

from contracts.datasets import HOLDINGS
from expectations import holdings
from expectations.runner import validate_batch

DUPLICATE_KEY = "expect_compound_columns_to_be_unique(fund,asof_date,holding_ticker,name)"
BETWEEN = "expect_column_values_to_be_between({})"

FAILURES = [
    *(
        (column, None, f"expect_column_values_to_not_be_null({column})")
        for column in (*HOLDINGS.key, "asset_class", "partial", "source")
    ),
    ("asof_date", pd.Timestamp("2025-06-09"), BETWEEN.format("asof_date")),
    # 50 % written as a percentage
    ("weight", 50.0, BETWEEN.format("weight")),
    ("market_value", -1.0, BETWEEN.format("market_value")),
    ("shares", -5.0, BETWEEN.format("shares")),
    ("price", -0.01, BETWEEN.format("price")),
]


@pytest.mark.parametrize(("column", "value", "reason"), FAILURES)
def test_row_breaking_one_expectation_is_quarantined_with_its_name(
    holdings_frame, fails_only_row_zero, column, value, reason
):
    holdings_frame[column] = holdings_frame[column].astype(object)
    holdings_frame.loc[0, column] = value
    fails_only_row_zero(HOLDINGS, holdings_frame, reason)


def test_every_expectation_has_a_fail_case():
    names = {e.meta["name"] for e in holdings.build_suite().expectations}
    assert names == {reason for *_, reason in FAILURES} | {DUPLICATE_KEY}


def test_valid_lines_pass_including_negative_cash_and_short_futures(holdings_frame, passes_all):
    passes_all(HOLDINGS, holdings_frame)


def test_a_line_listed_twice_is_quarantined_both_times(holdings_frame, run_date):
    frame = pd.concat([holdings_frame, holdings_frame.iloc[[1]]], ignore_index=True)

    outcome = validate_batch(HOLDINGS, frame, run_date=run_date)

    assert outcome.quarantined["holding_ticker"].tolist() == ["AAPL", "AAPL"]
    assert set(outcome.quarantined["reason"]) == {DUPLICATE_KEY}
