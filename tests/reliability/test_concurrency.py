"""Concurrency: runs started together on one warehouse take turns, say nothing alarming and
leave what one sequential run leaves.

Each command is its own process (DuckDB's file lock is per process), against the session's
Prefect API and one shared PREFECT_HOME, as two terminals on one machine would be.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock, Timeout
from helpers import warehouse_checksums
from prefect.settings import PREFECT_API_URL

from warehouse.writer_lock import writer_lock_path

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_api")]

SMALLCAP = Path(sys.executable).with_name("smallcap")
RUN_DATE = "2026-06-30"
TIMEOUT = 900


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "prefect-home"
    home.mkdir()
    return {
        **os.environ,
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
        "PREFECT_HOME": str(home),
        "COLUMNS": "200",
    }


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(SMALLCAP), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    stdout, stderr = proc.communicate(timeout=TIMEOUT)
    return proc.returncode, stdout + stderr


def _wait_until_writing(path: Path) -> None:
    lock = FileLock(writer_lock_path(path))
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return
        lock.release()
        time.sleep(0.2)
    pytest.fail(f"nothing took the writer lock of {path} in {TIMEOUT}s")


def _run(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    return _finish(_start(args, env))


def test_two_runs_and_a_backfill_at_once_take_turns_and_equal_a_sequential_execution(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """Both runs create the Prefect writer limit at once (the race that printed a server
    traceback); the backfill, started without Prefect, shares the warehouse's writer lock."""
    together, alone = tmp_path / "together.duckdb", tmp_path / "alone.duckdb"
    backfill = ["backfill", "--sample", "--start", "2026-06-01", "--end", "2026-06-29"]
    run = ["run", "--sample", "--date", RUN_DATE]

    started = [_start([*backfill, "--warehouse", str(together)], env)]
    _wait_until_writing(together)  # so the order is the sequential one's
    started += [_start([*run, "--warehouse", str(together)], env) for _ in range(2)]
    outcomes = [_finish(proc) for proc in started]

    for code, output in outcomes:
        assert "Traceback" not in output
        assert "IntegrityError" not in output
        assert code == 0, output
    for args in (backfill, run):
        code, output = _run([*args, "--warehouse", str(alone)], env)
        assert code == 0, output
    assert warehouse_checksums(together) == warehouse_checksums(alone)
