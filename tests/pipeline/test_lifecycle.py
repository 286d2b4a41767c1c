"""One lifecycle for every run kind: opened once, closed exactly once, published unless failed."""

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from contracts.settings import get_settings
from pipeline.lifecycle import run_lifecycle
from pipeline.report import RunReport
from warehouse.publish import publish_bi

RUN_DATE = date(2025, 3, 31)


def _report(path: Path, run_id: str = "r1") -> RunReport:
    return RunReport(run_id=run_id, source="sample", run_date=RUN_DATE, warehouse=str(path))


def _ledger(path: Path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(
            "select run_id, flow, status, message, finished_at is not null, "
            "json_extract(stage_seconds, '$.work') is not null from audit.runs order by run_id"
        ).fetchall()


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("SMALLCAP_WAREHOUSE", str(tmp_path / "w.duckdb"))
    return get_settings()


def test_a_crash_closes_the_row_as_failed_with_the_error_and_publishes_nothing(tmp_path, settings):
    path, published = tmp_path / "w.duckdb", []
    with (
        pytest.raises(KeyError),
        run_lifecycle(
            path,
            _report(path),
            flow="daily-etl",
            parameters={"source": "sample"},
            settings=settings,
            publisher=lambda p, s: published.append(p),
        ) as run,
        run.stage("work"),
    ):
        raise KeyError("boom")

    assert _ledger(path) == [("r1", "daily-etl", "failed", "KeyError: 'boom'", True, True)]
    assert published == []


def test_a_clean_run_succeeds_and_publishes_a_snapshot(tmp_path, settings):
    path = tmp_path / "w.duckdb"
    report = _report(path)
    with (
        run_lifecycle(path, report, flow="backfill", parameters={}, settings=settings) as run,
        run.stage("work"),
    ):
        report.dataset("prices").rows_loaded = 3

    assert _ledger(path) == [("r1", "backfill", "success", None, True, True)]
    snapshot = settings.bi_database_for(path)
    with duckdb.connect(str(snapshot), read_only=True) as con:
        assert con.sql("select status from audit.runs").fetchall() == [("success",)]
        assert con.sql("select rows_loaded from audit.run_datasets").fetchall() == [(3,)]


def _run_daily(path: Path, settings, work) -> list[Path]:
    """One daily-etl run whose body is ``work(report)``; returns what it published."""
    published: list[Path] = []
    report = _report(path)
    with (
        run_lifecycle(
            path,
            report,
            flow="daily-etl",
            parameters={},
            settings=settings,
            publisher=lambda p, s: published.append(p),
        ) as run,
        run.stage("work"),
    ):
        work(report)
    return published


def test_failed_keys_make_the_run_partial_and_it_still_publishes(tmp_path, settings):
    path = tmp_path / "w.duckdb"

    published = _run_daily(
        path, settings, lambda report: setattr(report.dataset("prices"), "keys_failed", 1)
    )

    assert _ledger(path)[0][2] == "partial"
    assert published == [path]


def test_a_failed_dataset_fails_the_run_and_keeps_the_previous_snapshot(tmp_path, settings):
    path = tmp_path / "w.duckdb"

    published = _run_daily(
        path, settings, lambda report: report.dataset("rates").fail(RuntimeError("FRED refused"))
    )

    assert _ledger(path)[0][2:4] == ("failed", "rates: FRED refused")
    assert published == []


def test_a_failed_publish_turns_the_run_partial_with_the_reason_and_keeps_the_old_snapshot(
    tmp_path, settings
):
    path = tmp_path / "w.duckdb"
    first = _report(path, "r1")
    with run_lifecycle(path, first, flow="backfill", parameters={}, settings=settings):
        pass
    snapshot = settings.bi_database_for(path)
    before = snapshot.read_bytes()
    # a storage version DuckDB does not know: the real publish fails while writing
    broken = get_settings(warehouse=path, bi_storage_version="v99.0.0")
    report = _report(path, "r2")
    with run_lifecycle(path, report, flow="backfill", parameters={}, settings=broken):
        report.dataset("prices").rows_loaded = 1

    rows = _ledger(path)
    assert rows[1][:3] == ("r2", "backfill", "partial")
    assert "BI snapshot not published" in rows[1][3]
    assert report.status == "partial" and report.publish_error
    assert snapshot.read_bytes() == before


def test_publish_uses_the_warehouse_settings_by_default():
    assert run_lifecycle.__wrapped__.__kwdefaults__["publisher"] is publish_bi


def test_a_published_run_writes_the_html_report_next_to_the_snapshot(tmp_path, settings):
    path = tmp_path / "w.duckdb"
    report = _report(path)
    with run_lifecycle(path, report, flow="backfill", parameters={}, settings=settings):
        pass

    assert report.html_report == str(tmp_path / "reports" / "w.html")
    page = (tmp_path / "reports" / "w.html").read_text()
    assert "BI snapshot published" in page and "no data: mart.pe_spread_daily is empty" in page
    assert f"Report: {(tmp_path / 'reports' / 'w.html').as_uri()}" in report.to_markdown()
    with duckdb.connect(str(path), read_only=True) as con:
        ((stages,),) = con.sql("select stage_seconds from audit.runs").fetchall()
    assert set(json.loads(stages)) == {"publish", "report"}


def test_a_report_that_cannot_be_written_is_a_note_and_the_run_still_succeeds(tmp_path, settings):
    path = tmp_path / "w.duckdb"
    (tmp_path / "reports").write_text("a file where the reports folder should be")
    report = _report(path)
    with run_lifecycle(path, report, flow="backfill", parameters={}, settings=settings):
        pass

    status, message = _ledger(path)[0][2:4]
    assert (status, report.status, report.html_report) == ("success", "success", None)
    assert message.startswith("HTML report not written: ")
    assert report.notes == [message]


def test_a_failed_publish_writes_no_report(tmp_path, settings):
    path, reported = tmp_path / "w.duckdb", []
    broken = get_settings(warehouse=path, bi_storage_version="v99.0.0")
    with run_lifecycle(
        path,
        _report(path),
        flow="backfill",
        parameters={},
        settings=broken,
        reporter=lambda p, s: reported.append(p),
    ):
        pass

    assert reported == []
