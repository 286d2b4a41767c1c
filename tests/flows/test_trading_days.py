"""On an NYSE holiday the daily flow skips prices and fundamentals and still updates rates."""

from datetime import date
from pathlib import Path

import duckdb
import pytest
from helpers import copy_published
from prefect.states import StateType

from flows.daily import daily_etl
from pipeline.report import RunReport

BEFORE = date(2026, 11, 25)
THANKSGIVING = date(2026, 11, 26)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_api")]


@pytest.fixture(scope="module")
def before(sample_daily: RunReport) -> Path:
    """The published run on the session before the holiday (shared; tests copy it)."""
    assert sample_daily.run_date == BEFORE and sample_daily.status == "success"
    return Path(sample_daily.warehouse)


@pytest.fixture(scope="module")
def holiday_run(tmp_path_factory, before):
    path = tmp_path_factory.mktemp("holiday") / before.name
    copy_published(before, path)
    state = daily_etl(
        run_date=THANKSGIVING, source="sample", warehouse=str(path), return_state=True
    )
    return path, state


def test_holiday_run_completes_with_a_market_closed_message(holiday_run):
    _, state = holiday_run

    assert state.type is StateType.COMPLETED
    assert "market closed" in state.message
    assert isinstance(state.result(), RunReport)


def test_holiday_run_fetches_no_prices_or_fundamentals_but_updates_rates(holiday_run):
    path, state = holiday_run
    report = state.result()

    assert report.datasets["prices"].rows_extracted == 0
    assert report.datasets["fundamentals"].rows_extracted == 0
    assert report.datasets["rates"].rows_extracted > 0
    with duckdb.connect(str(path), read_only=True) as con:
        last_price = con.sql("select max(date) from core.prices_daily").fetchall()[0][0]
        ledger = con.sql(
            "select run_date, status, message from audit.runs order by started_at"
        ).fetchall()
    assert last_price == BEFORE
    assert [(d, s) for d, s, _ in ledger] == [(BEFORE, "success"), (THANKSGIVING, "success")]
    assert "market closed" in ledger[-1][2]


def test_reconcile_overlap_refetches_past_sessions_even_on_a_closed_day(tmp_path, before):
    path = tmp_path / before.name
    copy_published(before, path)

    report = daily_etl(run_date=THANKSGIVING, source="sample", warehouse=str(path), overlap_days=20)

    assert report.datasets["prices"].rows_extracted > 0
    assert report.datasets["prices"].rows_changed == 0  # same data: re-fetched, nothing revised
    assert sum(d.revisions for d in report.datasets.values()) == 0
    assert any("reconcile" in note for note in report.notes)
