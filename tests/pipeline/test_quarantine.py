"""Releasing quarantined rows is a run: re-validated, loaded through the loader, in the ledger,
marts rebuilt and the BI snapshot published."""

from datetime import date
from pathlib import Path

import duckdb
import pytest
from helpers import quarantine_ids

from contracts.settings import get_settings
from pipeline.quarantine import release
from warehouse.connection import warehouse

RUN_DATE = date(2025, 1, 10)


@pytest.fixture
def path(quarantined_warehouse: Path) -> Path:
    return quarantined_warehouse


def test_release_loads_rows_that_now_pass_and_keeps_failing_ones_with_a_new_reason(path):
    settings = get_settings(warehouse=path)

    report = release(path, settings=settings, run_date=RUN_DATE, dataset="prices")

    with warehouse(path, read_only=True) as con:
        core = con.execute(
            "select cast(date as varchar), run_id from core.prices_daily order by date"
        ).fetchall()
        left = con.execute("select cast(date as varchar), reason from quarantine.prices").fetchall()
        ledger = con.execute(
            "select flow, status from audit.runs where run_id = ?", [report.run_id]
        ).fetchall()
    entry = report.dataset("prices")
    assert (entry.rows_loaded, entry.rows_quarantined) == (1, 1)
    assert core == [("2025-01-02", "run-1"), ("2025-01-03", report.run_id)]
    assert left == [("2025-01-06", "expect_column_values_to_be_between(close)")]
    assert ledger == [("quarantine-release", "success")]
    with duckdb.connect(str(settings.bi_database_for(path)), read_only=True) as bi:
        assert bi.sql("select count(*) from core.prices_daily").fetchall() == [(2,)]


def test_release_by_id_touches_only_those_rows(path):
    ids = quarantine_ids(path)

    report = release(
        path, settings=get_settings(warehouse=path), run_date=RUN_DATE, ids=[ids["2025-01-06"]]
    )

    with warehouse(path, read_only=True) as con:
        reasons = dict(
            con.execute("select cast(date as varchar), reason from quarantine.prices").fetchall()
        )
    assert report.dataset("prices").rows_loaded == 0
    assert reasons["2025-01-03"] == "old_suite_rule(close)"  # not selected, not re-validated
    assert reasons["2025-01-06"].startswith("expect_column_values_to_be_between")


def test_a_failing_load_releases_nothing_and_keeps_the_quarantine(path, monkeypatch):
    def broken_write(*args, **kwargs):
        raise duckdb.Error("disk full")

    monkeypatch.setattr("warehouse.changes.write", broken_write)
    with pytest.raises(duckdb.Error):
        release(path, settings=get_settings(warehouse=path), run_date=RUN_DATE, dataset="prices")

    with warehouse(path, read_only=True) as con:
        count = con.execute("select count(*) from quarantine.prices").fetchall()[0][0]
        status = con.execute(
            "select status, message from audit.runs where flow = 'quarantine-release'"
        ).fetchall()
    assert count == 2
    assert status == [("failed", "Error: disk full")]


def test_a_failed_publish_leaves_the_release_loaded_and_the_run_partial(path):
    settings = get_settings(warehouse=path, bi_storage_version="v99.0.0")

    report = release(path, settings=settings, run_date=RUN_DATE, dataset="prices")

    with warehouse(path, read_only=True) as con:
        status, message = con.execute(
            "select status, message from audit.runs where run_id = ?", [report.run_id]
        ).fetchall()[0]
        loaded = con.execute("select count(*) from core.prices_daily").fetchall()[0][0]
    assert (status, loaded) == ("partial", 2)
    assert "BI snapshot not published" in message
    assert not settings.bi_database_for(path).exists()
