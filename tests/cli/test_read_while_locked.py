"""Read commands never wait on a writer: while another process holds the warehouse's lock they
answer from the BI snapshot within seconds and say so in one stderr line; --wait waits."""

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()
FEW_SECONDS = 5.0
# opens the file read-write, says so, and holds it until its stdin closes
HOLD = (
    "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
    "print('locked', flush=True); sys.stdin.read()"
)


@contextmanager
def _held(path: Path) -> Iterator[None]:
    """``path`` opened read-write (the lock a run holds) by another process, until the end."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


@pytest.fixture
def locked(sample_warehouse) -> Iterator[Path]:
    """The sample warehouse (with its BI snapshot), locked by another process."""
    path = Path(sample_warehouse.warehouse)
    with _held(path):
        yield path


def _timed(*args: str) -> tuple:
    clock = time.monotonic()
    result = runner.invoke(app, list(args))
    return result, time.monotonic() - clock


def _read_the_snapshot(result) -> bool:
    lines = result.stderr.strip().splitlines()
    return (
        len(lines) == 1
        and "locked by a writer; reading its BI snapshot" in lines[0]
        and ("published 20" in lines[0])
    )


def test_status_sql_and_export_answer_from_the_snapshot_within_seconds(locked, tmp_path):
    where = ("--warehouse", str(locked))

    status, status_s = _timed("status", "--json", *where)
    sql, sql_s = _timed("sql", "select count(*) as n from mart.pe_spread_daily", *where)
    export, export_s = _timed("export", "--to", str(tmp_path / "out"), "--format", "csv", *where)

    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)["runs"][0]["run_id"] == "sample-backfill"
    assert sql.exit_code == 0, sql.output
    assert sql.stdout.splitlines()[0] == "n" and int(sql.stdout.splitlines()[1]) > 0
    assert export.exit_code == 0, export.output
    assert (tmp_path / "out" / "mart.pe_spread_daily.csv").is_file()
    assert all(_read_the_snapshot(r) for r in (status, sql, export))
    assert max(status_s, sql_s, export_s) < FEW_SECONDS


def test_quarantine_and_report_read_the_snapshot_too(locked, tmp_path):
    where = ("--warehouse", str(locked))

    listed, _ = _timed("quarantine", "list", "--json", *where)
    report, _ = _timed("report", "--out", str(tmp_path / "r.html"), "--json", *where)

    assert listed.exit_code == 0 and json.loads(listed.stdout) == []
    assert report.exit_code == 0, report.output
    assert json.loads(report.stdout)["charts"]["pe-discount"] > 0
    assert "BI snapshot published" in (tmp_path / "r.html").read_text()
    assert _read_the_snapshot(listed)


def test_wait_waits_for_the_writer_and_then_names_the_lock(locked, monkeypatch):
    monkeypatch.setenv("SMALLCAP_LOCK_TIMEOUT_SECONDS", "1")

    result, seconds = _timed("status", "--wait", "--warehouse", str(locked))

    assert result.exit_code == 1
    assert "is locked by another process" in result.output
    assert seconds >= 1


def test_without_a_snapshot_the_lock_is_one_error_naming_wait(tmp_path):
    path = tmp_path / "w.duckdb"
    with _held(path):
        result = runner.invoke(app, ["sql", "select 1", "--warehouse", str(path)])

    assert result.exit_code == 1
    assert "has no BI snapshot yet" in result.output and "--wait" in result.output
