"""core.prices_daily suite: a pass case and a fail case for every expectation."""

from collections.abc import Callable
from datetime import date

import pandas as pd
import pytest

from contracts.datasets import PRICES
from expectations import prices
from expectations.runner import validate_batch


def set_row0(column: str, value: object, **others: object) -> Callable[[pd.DataFrame], None]:
    def mutate(frame: pd.DataFrame) -> None:
        for name, new in {column: value, **others}.items():
            frame.loc[0, name] = new

    return mutate


DUPLICATE_KEY = "expect_compound_columns_to_be_unique(ticker,date)"
JUMP = "expect_bars_to_have_no_unexplained_jump(ticker,date,close,stock_splits)"
REPEAT = "expect_bars_to_not_repeat(ticker,date,open,high,low,close,volume)"

FAILURES = [
    (set_row0("ticker", None), "expect_column_values_to_not_be_null(ticker)"),
    (set_row0("date", None), "expect_column_values_to_not_be_null(date)"),
    (set_row0("close", None), "expect_column_values_to_not_be_null(close)"),
    (set_row0("adj_close", None), "expect_column_values_to_not_be_null(adj_close)"),
    (set_row0("source", None), "expect_column_values_to_not_be_null(source)"),
    (set_row0("open", 0.0), "expect_column_values_to_be_between(open)"),
    # low missing, so high <= 0 is the only failure
    (set_row0("high", -1.0, low=None), "expect_column_values_to_be_between(high)"),
    (set_row0("low", 0.0), "expect_column_values_to_be_between(low)"),
    (set_row0("close", 0.0), "expect_column_values_to_be_between(close)"),
    (set_row0("adj_close", -3.0), "expect_column_values_to_be_between(adj_close)"),
    (set_row0("low", 150.0), "expect_column_pair_values_a_to_be_greater_than_b(high,low)"),
    (set_row0("volume", -1), "expect_column_values_to_be_between(volume)"),
    (set_row0("dividends", -0.1), "expect_column_values_to_be_between(dividends)"),
    (set_row0("stock_splits", -2.0), "expect_column_values_to_be_between(stock_splits)"),
    # Saturday: in the past, unique, but not an NYSE session
    (set_row0("date", date(2025, 5, 31)), "expect_column_values_to_be_nyse_sessions(date)"),
    # Juneteenth 2024 is a weekday holiday
    (set_row0("date", date(2024, 6, 19)), "expect_column_values_to_be_nyse_sessions(date)"),
    # NYSE closed for President Carter's national day of mourning
    (set_row0("date", date(2025, 1, 9)), "expect_column_values_to_be_nyse_sessions(date)"),
    # Monday 2025-06-09 is a session, but after the run date
    (set_row0("date", date(2025, 6, 9)), "expect_column_values_to_be_between(date)"),
    # 100x the next bars' close without a split: a unit error, not a market move
    (set_row0("close", 10_000.0), JUMP),
]


@pytest.mark.parametrize(("mutate", "reason"), FAILURES)
def test_row_breaking_one_expectation_is_quarantined_with_its_name(
    prices_frame, fails_only_row_zero, mutate, reason
):
    mutate(prices_frame)
    fails_only_row_zero(PRICES, prices_frame, reason)


def test_every_expectation_has_a_fail_case():
    names = {e.meta["name"] for e in prices.build_suite().expectations}
    assert names == {reason for _, reason in FAILURES} | {DUPLICATE_KEY, REPEAT}
    assert len(names) >= 8


def test_valid_bars_pass_every_expectation(prices_frame, passes_all):
    outcome = passes_all(PRICES, prices_frame)
    assert len(outcome.results) == len(prices.build_suite().expectations)


@pytest.mark.parametrize(
    "mutate",
    [
        set_row0("open", None),  # open/high/low are checked only where present
        set_row0("high", None),
        set_row0("low", None),
        set_row0("volume", 0),
        set_row0("dividends", 0.5),
        set_row0("stock_splits", 4.0),
        set_row0("high", 99.0),  # high == low is a flat bar, not an error
    ],
)
def test_nullable_and_boundary_values_pass(prices_frame, passes_all, mutate):
    prices_frame.loc[0, ["open", "low", "close", "adj_close"]] = 99.0
    mutate(prices_frame)
    passes_all(PRICES, prices_frame)


def test_every_row_of_a_duplicated_key_is_quarantined(prices_frame, run_date):
    duplicate = prices_frame.iloc[[3]].assign(close=999.0)
    frame = pd.concat([prices_frame, duplicate], ignore_index=True)

    outcome = validate_batch(PRICES, frame, run_date=run_date)

    assert outcome.quarantined[["ticker", "date", "close"]].values.tolist() == [
        ["IWM", date(2025, 6, 5), 103.0],
        ["IWM", date(2025, 6, 5), 999.0],
    ]
    assert set(outcome.quarantined["reason"]) == {DUPLICATE_KEY}
    assert len(outcome.valid) == len(prices_frame) - 1


def test_a_bar_repeating_the_previous_one_is_quarantined_and_the_first_loads(
    prices_frame, run_date
):
    bars = ["open", "high", "low", "close", "adj_close", "volume"]
    prices_frame.loc[[2, 3], bars] = prices_frame.loc[1, bars].to_numpy()  # IWM frozen 3 days

    outcome = validate_batch(PRICES, prices_frame, run_date=run_date)

    assert outcome.quarantined[["ticker", "date"]].values.tolist() == [
        ["IWM", date(2025, 6, 4)],
        ["IWM", date(2025, 6, 5)],
    ]
    assert set(outcome.quarantined["reason"]) == {REPEAT}


def test_close_only_bars_leave_the_sequence_rules_nothing_to_judge(prices_frame, passes_all):
    # a vendor history with Date,Close only: every row lacks open, high, low and volume, so GX
    # hands the repeat rule no row at all
    prices_frame[["open", "high", "low", "volume"]] = None

    passes_all(PRICES, prices_frame)


def test_a_one_day_spike_rejects_the_spike_alone_and_a_rescale_every_bar_after_it(
    prices_frame, run_date
):
    prices_frame.loc[1, "close"] *= 100  # IWM: one bad day
    prices_frame.loc[8:9, "close"] *= 100  # SPY: quoted in cents from its fourth bar on

    outcome = validate_batch(PRICES, prices_frame, run_date=run_date)

    assert outcome.quarantined[["ticker", "date"]].values.tolist() == [
        ["IWM", date(2025, 6, 3)],
        ["SPY", date(2025, 6, 5)],
        ["SPY", date(2025, 6, 6)],
    ]
    assert set(outcome.quarantined["reason"]) == {JUMP}


def test_a_split_explains_a_jump(prices_frame, passes_all):
    prices_frame.loc[2:4, ["open", "high", "low", "close", "adj_close"]] /= 10
    prices_frame.loc[2, "stock_splits"] = 10.0  # an unadjusted feed: the price drops on the day

    passes_all(PRICES, prices_frame)
