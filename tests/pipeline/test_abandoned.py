"""A run whose process was killed outright (no hook, no finally) is found by the next run or by
`smallcap status`, closed as failed with the reason 'abandoned', and alerted."""

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.main import app
from contracts.settings import get_settings
from pipeline.abandoned import is_abandoned
from pipeline.lifecycle import run_lifecycle
from pipeline.report import RunReport
from warehouse.audit import OpenRun

KILLED_RUN = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import date
    from pathlib import Path
    from contracts.settings import get_settings
    from pipeline.lifecycle import run_lifecycle
    from pipeline.report import RunReport

    path = Path(sys.argv[1])
    report = RunReport("killed", "sample", date(2025, 3, 31), str(path))
    with run_lifecycle(path, report, flow="daily-etl", parameters={}, settings=get_settings()):
        os.kill(os.getpid(), signal.SIGKILL)
    """
)


def _killed_run(path: Path) -> None:
    """A real process opens a run and dies by SIGKILL inside it."""
    done = subprocess.run([sys.executable, "-c", KILLED_RUN, str(path)], timeout=120)
    assert done.returncode == -signal.SIGKILL


def _row(path: Path, run_id: str) -> tuple:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "select status, message, finished_at is not null from audit.runs where run_id = ?",
            [run_id],
        ).fetchall()[0]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    _killed_run(path)
    assert _row(path, "killed")[0] == "running"
    return path


def test_the_next_run_closes_a_killed_run_as_abandoned_and_alerts(path):
    told = []
    report = RunReport("next", "sample", date(2025, 4, 1), str(path))

    with run_lifecycle(
        path,
        report,
        flow="daily-etl",
        parameters={},
        settings=get_settings(warehouse=path),
        publisher=lambda p, s: None,
        on_abandoned=told.extend,
    ):
        pass

    status, message, finished = _row(path, "killed")
    assert status == "failed" and finished and message.startswith("abandoned")
    assert [r.run_id for r in told] == ["killed"]
    assert _row(path, "next")[0] == "success"


def test_status_closes_a_killed_run_and_says_so(path):
    result = CliRunner().invoke(app, ["status", "--warehouse", str(path)])

    assert result.exit_code == 0, result.output
    assert "closed abandoned run killed" in result.output
    assert _row(path, "killed")[:1] == ("failed",)


def _open(pid: int | None, host: str, started: datetime) -> OpenRun:
    return OpenRun("r", "daily-etl", None, started, host, pid)


def test_a_live_process_or_another_host_is_never_called_abandoned():
    now = datetime.now(UTC)
    here = os.uname().nodename

    assert not is_abandoned(_open(os.getppid(), here, now))  # alive, started before the run
    assert not is_abandoned(_open(os.getpid(), here, now - timedelta(hours=1)))
    assert not is_abandoned(_open(999_999_999, "elsewhere", now - timedelta(days=9)))
    assert is_abandoned(_open(None, here, now - timedelta(days=2)))
    assert not is_abandoned(_open(None, here, now - timedelta(hours=2)))


def test_a_reused_pid_started_after_the_run_is_not_the_run():
    """Our parent process started before this 'run' did: a run from before any process
    existed (1990) cannot belong to it."""
    assert is_abandoned(_open(os.getppid(), os.uname().nodename, datetime(1990, 1, 1, tzinfo=UTC)))
