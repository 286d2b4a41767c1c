from types import SimpleNamespace

import pandas as pd
import pytest
from helpers import prices_frame

from contracts.datasets import PRICES, RATES
from contracts.errors import WarehouseError
from warehouse.loader import load_batch


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
