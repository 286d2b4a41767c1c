from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pandas as pd
import pytest
from helpers import price_bar, prices_frame

from contracts.datasets import DATASETS, PRICES, RATES
from contracts.errors import WarehouseError
from warehouse.connection import warehouse
from warehouse.loader import Batch, LoadResult, load_batch, load_batches


def _none(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[:0].assign(reason=pd.Series(dtype=str))


def _snapshot(con) -> list[tuple]:
    return con.execute(
        "select ticker, date, close, adj_close, run_id, loaded_at from core.prices_daily "
        "order by ticker, date"
    ).fetchall()


def test_upsert_twice_changes_nothing_and_keeps_first_run_id(con):
    load_batch(con, PRICES, prices_frame(), _none(prices_frame()), run_id="r1")
    before = _snapshot(con)

    result = load_batch(con, PRICES, prices_frame(), _none(prices_frame()), run_id="r2")

    assert result.rows_changed == 0
    assert _snapshot(con) == before
    assert {row[4] for row in before} == {"r1"}


def test_changed_past_value_updates_core_and_records_a_revision(con):
    load_batch(con, PRICES, prices_frame(), _none(prices_frame()), run_id="r1")
    revised = prices_frame()
    revised.loc[0, "adj_close"] = 219.75

    result = load_batch(con, PRICES, revised, _none(revised), run_id="r2")

    assert (result.rows_changed, result.revisions) == (1, 1)
    assert con.execute(
        'select dataset, key, date::varchar, "column", old_value, new_value, run_id '
        "from audit.revisions"
    ).fetchall() == [("prices", "IWM", "2025-01-02", "adj_close", 220.5, 219.75, "r2")]
    assert con.execute(
        "select adj_close, run_id from core.prices_daily where ticker = 'IWM' "
        "and date = '2025-01-02'"
    ).fetchall() == [(219.75, "r2")]


def test_bad_rows_land_in_quarantine_with_reason_and_run_id(con):
    bad = (
        prices_frame()
        .iloc[:1]
        .assign(close=-1.0, reason="expect_column_values_to_be_between(close)")
    )

    result = load_batch(con, PRICES, prices_frame().iloc[1:], bad, run_id="r1")

    assert result.rows_quarantined == 1
    assert con.execute(
        "select ticker, close, reason, run_id from quarantine.prices"
    ).fetchall() == [("IWM", -1.0, "expect_column_values_to_be_between(close)", "r1")]
    assert con.execute("select count(*) from core.prices_daily").fetchall() == [(2,)]


def test_validation_results_are_recorded_with_the_load(con):
    results = [
        SimpleNamespace(
            suite="core.prices_daily", expectation="e1", success=False, unexpected_count=3
        )
    ]

    load_batch(con, PRICES, prices_frame(), _none(prices_frame()), run_id="r1", validations=results)

    assert con.execute(
        "select run_id, dataset, suite, expectation, success, unexpected_count "
        "from audit.validations"
    ).fetchall() == [("r1", "prices", "core.prices_daily", "e1", False, 3)]


def test_sample_warehouse_refuses_live_rows(con):
    load_batch(con, PRICES, prices_frame(), _none(prices_frame()), run_id="r1")

    live = prices_frame(source="yahoo")
    with pytest.raises(WarehouseError, match="holds sample data and refuses live rows"):
        load_batch(con, PRICES, live, _none(live), run_id="r2")

    assert con.execute("select distinct source from core.prices_daily").fetchall() == [("sample",)]


def test_live_warehouse_refuses_sample_rows(con):
    rates = pd.DataFrame(
        {
            "series_id": ["DFF"],
            "date": pd.to_datetime(["2025-01-02"]),
            "value": [4.33],
            "source": ["fred"],
        }
    )
    load_batch(con, RATES, rates, _none(rates), run_id="r1")

    with pytest.raises(WarehouseError, match="holds live data and refuses sample rows"):
        load_batch(con, PRICES, prices_frame(), _none(prices_frame()), run_id="r2")


def test_failed_load_leaves_nothing_half_written(con):
    load_batch(con, PRICES, prices_frame(), _none(prices_frame()), run_id="r1")
    broken = prices_frame(close=[1.0, 2.0, None])  # NOT NULL violation after the first rows merge
    bad = prices_frame().iloc[:1].assign(reason="x")

    with pytest.raises(Exception, match=r"(?i)not null|constraint"):
        load_batch(con, PRICES, broken, bad, run_id="r2")

    assert con.execute("select count(*) from quarantine.prices").fetchall() == [(0,)]
    assert con.execute("select max(close) from core.prices_daily").fetchall() == [(591.0,)]
    assert con.execute("select count(*) from audit.revisions").fetchall() == [(0,)]


def test_a_failing_quarantine_insert_raises_its_own_error_not_transaction_aborted(con):
    frame = prices_frame()
    no_reason = frame.iloc[:1].assign(reason=None)  # quarantine.prices.reason is NOT NULL

    with pytest.raises(Exception, match=r"(?i)not null") as raised:
        load_batch(con, PRICES, frame, no_reason, run_id="r1")

    assert "aborted" not in str(raised.value)
    assert con.execute("select count(*) from core.prices_daily").fetchall() == [(0,)]


@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_every_core_table_keeps_its_grain_as_primary_key(con, dataset):
    table = DATASETS[dataset].table
    schema, name = table.split(".")
    keys = con.execute(
        """select constraint_column_names from duckdb_constraints()
           where schema_name = ? and table_name = ? and constraint_type = 'PRIMARY KEY'""",
        [schema, name],
    ).fetchall()

    assert keys == [(list(DATASETS[dataset].key),)]


def test_a_row_written_outside_the_loader_cannot_repeat_a_key(con):
    load_batch(con, PRICES, prices_frame(), _none(prices_frame()), run_id="r1")

    with pytest.raises(Exception, match=r"(?i)primary key|duplicate key"):
        con.execute("insert into core.prices_daily select * from core.prices_daily limit 1")


def _revisions(con) -> list[tuple]:
    return con.execute(
        'select key, date::varchar, "column", old_value, new_value from audit.revisions '
        'order by key, date, "column"'
    ).fetchall()


def test_reloading_unchanged_rows_changes_nothing_and_records_no_revision(con):
    first = load_batch(con, PRICES, prices_frame(), _none(prices_frame()), run_id="r1")
    before = _snapshot(con)

    again = load_batch(con, PRICES, prices_frame(), _none(prices_frame()), run_id="r2")

    assert (first.rows_loaded, first.rows_changed, first.revisions) == (3, 3, 0)
    assert (again.rows_loaded, again.rows_changed, again.revisions) == (3, 0, 0)
    assert _snapshot(con) == before
    assert _revisions(con) == []


def test_one_changed_value_is_exactly_one_revision_with_old_and_new_value(con):
    load_batch(con, PRICES, prices_frame(), _none(prices_frame()), run_id="r1")
    revised = prices_frame()
    revised.loc[2, "volume"] = 5_000_001

    result = load_batch(con, PRICES, revised, _none(revised), run_id="r2")

    assert (result.rows_changed, result.revisions) == (1, 1)
    assert _revisions(con) == [("SPY", "2025-01-02", "volume", 5_000_000.0, 5_000_001.0)]
    assert con.execute(
        "select ticker, run_id from core.prices_daily where run_id = 'r2'"
    ).fetchall() == [("SPY", "r2")]


def test_null_to_value_and_value_to_null_both_count_as_changes(con):
    with_gap = prices_frame()
    with_gap.loc[0, "open"] = None
    load_batch(con, PRICES, with_gap, _none(with_gap), run_id="r1")
    filled = prices_frame()
    filled.loc[1, "open"] = None

    result = load_batch(con, PRICES, filled, _none(filled), run_id="r2")

    assert (result.rows_changed, result.revisions) == (2, 2)
    assert _revisions(con) == [
        ("IWM", "2025-01-02", "open", None, 220.0),
        ("IWM", "2025-01-03", "open", 221.0, None),
    ]


def test_a_batch_mixing_new_changed_and_unchanged_rows_writes_only_new_and_changed(con):
    load_batch(con, PRICES, prices_frame().iloc[:2], _none(prices_frame()), run_id="r1")
    batch = prices_frame()
    batch.loc[1, "close"] = 222.0  # changed; row 0 unchanged; row 2 (SPY) new

    result = load_batch(con, PRICES, batch, _none(batch), run_id="r2")

    assert (result.rows_loaded, result.rows_changed, result.revisions) == (3, 2, 1)
    assert con.execute(
        "select ticker, date::varchar, close, run_id from core.prices_daily order by all"
    ).fetchall() == [
        ("IWM", "2025-01-02", 221.0, "r1"),
        ("IWM", "2025-01-03", 222.0, "r2"),
        ("SPY", "2025-01-02", 591.0, "r2"),
    ]


@pytest.mark.parametrize("order", [[0, 1, 2, 0], [2, 0, 1, 1]], ids=["sorted-run", "shuffled"])
def test_a_batch_repeating_a_key_is_refused_and_leaves_nothing(con, order):
    repeated = prices_frame().iloc[order].reset_index(drop=True)
    repeated.loc[3, "close"] = 1.0  # two different bars for one key

    with pytest.raises(WarehouseError, match=r"2 rows for ticker=\w+, date=2025-01-0\d"):
        load_batch(con, PRICES, repeated, _none(repeated), run_id="r1")

    assert con.execute("select count(*) from core.prices_daily").fetchall() == [(0,)]


def test_batches_load_in_one_transaction_and_later_batches_see_earlier_ones(con):
    frame = prices_frame()
    revised = frame.iloc[:1].assign(close=230.0)
    batches = [
        Batch(frame.iloc[:2], _none(frame)),
        Batch(frame.iloc[2:], frame.iloc[:1].assign(close=-1.0, reason="close_positive")),
        Batch(revised, _none(frame)),
    ]

    result = load_batches(con, PRICES, batches, run_id="r1")

    assert result == LoadResult("prices", 4, 4, 1, 1)
    assert con.execute("select count(*), max(close) from core.prices_daily").fetchall() == [
        (3, 591.0)
    ]
    assert _revisions(con) == [("IWM", "2025-01-02", "close", 221.0, 230.0)]


def test_a_failing_batch_rolls_back_the_batches_before_it(con):
    frame = prices_frame()

    def batches():
        yield Batch(frame.iloc[:2], _none(frame))
        raise WarehouseError("source broke mid-stream")

    with pytest.raises(WarehouseError, match="mid-stream"):
        load_batches(con, PRICES, batches(), run_id="r1")

    assert con.execute("select count(*) from core.prices_daily").fetchall() == [(0,)]


def test_concurrent_loads_of_the_same_new_rows_never_duplicate_a_key(warehouse_path):
    frame = prices_frame()
    with warehouse(warehouse_path) as con:  # without the writer lock, three fail on the key
        load_batch(con, PRICES, frame.iloc[:1], _none(frame), run_id="first")

    def load(run_id: str) -> LoadResult:
        with warehouse(warehouse_path) as con:
            return load_batch(con, PRICES, frame, _none(frame), run_id=run_id)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(load, ["a", "b", "c", "d"]))

    assert sorted(r.rows_changed for r in results) == [0, 0, 0, 2]
    with warehouse(warehouse_path, read_only=True) as con:
        assert con.execute("select count(*) from core.prices_daily").fetchall() == [(3,)]


def _bars(*days: str, **changes: object) -> pd.DataFrame:
    frame = pd.DataFrame([price_bar(day, **changes) for day in days])
    return frame.astype({"date": "datetime64[ns]"})


def _stored(con) -> list[tuple]:
    return con.execute(
        "select date::varchar, close, run_id from core.prices_daily order by date"
    ).fetchall()


def test_an_unchanged_overlap_is_skipped_and_the_next_session_appended(con):
    history = _bars("2025-01-02", "2025-01-03", "2025-01-06")
    load_batch(con, PRICES, history, _none(history), run_id="r1")
    daily = _bars("2025-01-03", "2025-01-06", "2025-01-07")

    result = load_batch(con, PRICES, daily, _none(daily), run_id="r2")

    assert (result.rows_loaded, result.rows_changed, result.revisions) == (3, 1, 0)
    assert [run for *_, run in _stored(con)] == ["r1", "r1", "r1", "r2"]


def test_rows_filling_a_gap_inside_the_stored_history_are_inserted(con):
    edges = _bars("2025-01-02", "2025-01-07")
    load_batch(con, PRICES, edges, _none(edges), run_id="r1")
    gap = _bars("2025-01-03", "2025-01-06", close=225.0)

    result = load_batch(con, PRICES, gap, _none(gap), run_id="r2")

    assert (result.rows_changed, result.revisions) == (2, 0)
    assert _stored(con) == [
        ("2025-01-02", 221.0, "r1"),
        ("2025-01-03", 225.0, "r2"),
        ("2025-01-06", 225.0, "r2"),
        ("2025-01-07", 221.0, "r1"),
    ]


def test_older_history_loaded_after_recent_rows_is_inserted_and_revises_the_overlap(con):
    recent = _bars("2025-01-06", "2025-01-07")
    load_batch(con, PRICES, recent, _none(recent), run_id="r1")
    older = _bars("2025-01-02", "2025-01-03", "2025-01-06", close=222.0)

    result = load_batch(con, PRICES, older, _none(older), run_id="r2")

    assert (result.rows_changed, result.revisions) == (3, 1)
    assert _stored(con) == [
        ("2025-01-02", 222.0, "r2"),
        ("2025-01-03", 222.0, "r2"),
        ("2025-01-06", 222.0, "r2"),
        ("2025-01-07", 221.0, "r1"),
    ]
