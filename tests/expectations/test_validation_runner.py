"""validate_batch: splitting, dtypes, reasons, results, batch-level errors, threads."""

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pandas as pd
import pytest

from contracts.datasets import FUNDAMENTALS, PRICES, RATES, SECTOR_WEIGHTS
from contracts.errors import DataQualityError
from expectations import gx_context, prices
from expectations.runner import ExpectationResult, ValidationOutcome, validate_batch


@pytest.mark.parametrize(
    "to_dates",
    [
        lambda s: s,  # python date objects
        lambda s: pd.to_datetime(s).astype("datetime64[us]"),  # pandas 3 default
        lambda s: pd.to_datetime(s).astype("datetime64[ns]"),
        lambda s: pd.to_datetime(s).dt.tz_localize("America/New_York"),
    ],
    ids=["date-objects", "datetime64-us", "datetime64-ns", "tz-aware"],
)
def test_valid_and_quarantined_rows_keep_the_callers_dtypes(prices_frame, run_date, to_dates):
    frame = prices_frame.assign(
        date=to_dates(prices_frame["date"]),
        volume=prices_frame["volume"].astype("Int64"),
        close=prices_frame["close"].astype("Float64"),
    )
    frame.loc[0, "close"] = -1.0

    outcome = validate_batch(PRICES, frame, run_date=run_date)

    assert len(outcome.valid) == len(frame) - 1
    assert outcome.valid.dtypes.to_dict() == frame.dtypes.to_dict()
    quarantined = outcome.quarantined.drop(columns="reason")
    assert quarantined.dtypes.to_dict() == frame.dtypes.to_dict()
    assert list(outcome.quarantined.columns) == [*PRICES.columns, "reason"]


def test_reason_lists_every_failed_expectation_in_suite_order(prices_frame, run_date):
    prices_frame.loc[0, ["close", "adj_close"]] = [-1.0, None]
    prices_frame.loc[0, "date"] = date(2025, 5, 31)  # a Saturday

    outcome = validate_batch(PRICES, prices_frame, run_date=run_date)

    assert outcome.quarantined["reason"].tolist() == [
        "expect_column_values_to_not_be_null(adj_close); "
        "expect_column_values_to_be_between(close); "
        "expect_column_values_to_be_nyse_sessions(date)"
    ]


def test_results_hold_one_row_per_expectation_with_counts(prices_frame, run_date):
    prices_frame.loc[[0, 4, 7], "volume"] = -5

    outcome = validate_batch(PRICES, prices_frame, run_date=run_date)

    names = [e.meta["name"] for e in prices.build_suite().expectations]
    assert [r.expectation for r in outcome.results] == names
    assert {r.suite for r in outcome.results} == {"core.prices_daily"}
    volume = "expect_column_values_to_be_between(volume)"
    assert [r for r in outcome.results if not r.success] == [
        ExpectationResult("core.prices_daily", volume, False, 3)
    ]
    assert outcome.quarantined[["ticker", "date"]].values.tolist() == [
        ["IWM", date(2025, 6, 2)],
        ["IWM", date(2025, 6, 6)],
        ["SPY", date(2025, 6, 4)],
    ]


def test_a_non_range_index_is_reset(prices_frame, run_date):
    frame = prices_frame.set_axis(range(100, 100 + len(prices_frame)))
    frame.loc[103, "close"] = 0.0

    outcome = validate_batch(PRICES, frame, run_date=run_date)

    assert outcome.quarantined.index.tolist() == [0]
    assert outcome.quarantined.loc[0, "date"] == frame.loc[103, "date"]
    assert outcome.valid.index.equals(pd.RangeIndex(len(frame) - 1))


@pytest.mark.filterwarnings("ignore:Could not infer format")
def test_unparseable_date_is_quarantined_as_missing(rates_frame, run_date):
    rates_frame["date"] = rates_frame["date"].astype(object)
    rates_frame.loc[0, "date"] = "not a date"

    outcome = validate_batch(RATES, rates_frame, run_date=run_date)

    assert outcome.quarantined["reason"].tolist() == ["expect_column_values_to_not_be_null(date)"]
    assert outcome.quarantined.loc[0, "date"] == "not a date"


def test_sessions_cover_the_whole_batch_range(prices_frame, run_date):
    # Juneteenth and the weekends around it sit inside a batch that starts a year earlier
    early = prices_frame.iloc[[0]].assign(date=date(2024, 6, 18))
    holiday = prices_frame.iloc[[0]].assign(date=date(2024, 6, 19))
    frame = pd.concat([prices_frame, early, holiday], ignore_index=True)

    outcome = validate_batch(PRICES, frame, run_date=run_date)

    assert outcome.quarantined["date"].tolist() == [date(2024, 6, 19)]


def test_empty_batch_raises_when_rows_are_expected(prices_frame, run_date):
    with pytest.raises(DataQualityError, match=r"prices batch for run_date 2025-06-06 is empty"):
        validate_batch(PRICES, prices_frame.iloc[0:0], run_date=run_date)


def test_empty_batch_gives_an_empty_outcome_when_allowed(prices_frame, run_date):
    outcome = validate_batch(PRICES, prices_frame.iloc[0:0], run_date=run_date, expect_rows=False)

    assert outcome.valid.empty
    assert outcome.valid.dtypes.to_dict() == prices_frame.dtypes.to_dict()
    assert outcome.quarantined.empty
    assert list(outcome.quarantined.columns) == [*PRICES.columns, "reason"]
    assert outcome.results == []
    assert outcome.gx_result is None


def test_missing_column_raises_naming_it(prices_frame, run_date):
    with pytest.raises(DataQualityError, match=r"prices.*missing columns \['adj_close'\]"):
        validate_batch(PRICES, prices_frame.drop(columns="adj_close"), run_date=run_date)


def test_extra_column_raises_naming_it(prices_frame, run_date):
    with pytest.raises(DataQualityError, match=r"unexpected columns \['capital_gains'\]"):
        validate_batch(PRICES, prices_frame.assign(capital_gains=0.0), run_date=run_date)


def test_missing_columns_raise_even_for_an_allowed_empty_batch(run_date):
    with pytest.raises(DataQualityError, match=r"rates.*core\.rates_daily"):
        validate_batch(RATES, pd.DataFrame(), run_date=run_date, expect_rows=False)


def test_full_gx_result_is_kept_and_serialisable(prices_frame, run_date):
    prices_frame.loc[0, "close"] = -1.0

    outcome = validate_batch(PRICES, prices_frame, run_date=run_date)

    document = json.loads(json.dumps(outcome.gx_result.to_json_dict()))
    assert document["success"] is False
    assert document["statistics"]["evaluated_expectations"] == len(outcome.results)


def test_only_failed_expectations_carry_every_unexpected_row_index(prices_frame, run_date):
    """Passing expectations are screened with BASIC; a failed one is re-run with COMPLETE, so
    its result lists every failing row (quarantine needs them all, not GX's first 20)."""
    bad = list(range(0, 90, 3))  # 30 rows: more than a partial list's 20
    prices_frame = pd.concat([prices_frame] * 6, ignore_index=True)
    prices_frame["ticker"] = [f"T{i // 5}" for i in range(len(prices_frame))]
    prices_frame.loc[bad, "volume"] = -5

    outcome = validate_batch(PRICES, prices_frame, run_date=run_date)

    by_name = {r.expectation_config.meta["name"]: r.result for r in outcome.gx_result.results}
    failed = by_name["expect_column_values_to_be_between(volume)"]
    assert failed["unexpected_index_list"] == bad
    assert failed["unexpected_count"] == len(bad)
    passed = by_name["expect_column_values_to_be_between(close)"]
    assert passed["unexpected_count"] == 0
    assert "unexpected_index_list" not in passed
    assert outcome.failed_rows == tuple(bad)
    assert outcome.gx_result.meta["validation_time"] is not None


def test_validation_keeps_no_result_in_the_gx_context(prices_frame, run_date):
    """A long-lived worker validates thousands of batches: none of them may pile up in GX."""
    prices_frame.loc[0, "close"] = -1.0

    for _ in range(3):
        validate_batch(PRICES, prices_frame, run_date=run_date)

    assert gx_context._get_context().validation_results_store.list_keys() == []


def test_rebuilding_a_suite_does_not_disturb_the_registered_one(prices_frame, run_date):
    validate_batch(PRICES, prices_frame, run_date=run_date)
    prices.build_suite()  # GX's add_expectation would have overwritten the stored suite

    outcome = validate_batch(PRICES, prices_frame, run_date=run_date)

    assert outcome.quarantined.empty


def test_datasets_validate_in_parallel_threads(
    prices_frame, fundamentals_frame, sector_weights_frame, rates_frame, run_date
):
    prices_frame.loc[0, "close"] = 0.0
    batches = [
        (PRICES, prices_frame),
        (FUNDAMENTALS, fundamentals_frame),
        (SECTOR_WEIGHTS, sector_weights_frame),
        (RATES, rates_frame),
    ] * 2

    def run(batch) -> ValidationOutcome:
        return validate_batch(batch[0], batch[1], run_date=run_date)

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(run, batches))

    assert [o.dataset for o in outcomes] == [d.name for d, _ in batches]
    assert [len(o.quarantined) for o in outcomes] == [1, 0, 0, 0] * 2
    assert [len(o.valid) for o in outcomes] == [len(f) - (d is PRICES) for d, f in batches]
