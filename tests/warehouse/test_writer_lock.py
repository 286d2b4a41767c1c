"""The warehouse writer lock: a second writer waits, then is refused in one line."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from contracts.errors import WarehouseLockedError
from warehouse.writer_lock import exclusive_writer, writer_lock_path

HOLD = """
import sys, time
from pathlib import Path
from warehouse.writer_lock import exclusive_writer
with exclusive_writer(Path(sys.argv[1]), wait_seconds=5):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _holder(path: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_writer_is_refused_in_one_line_after_its_wait(tmp_path: Path) -> None:
    path = tmp_path / "market.duckdb"
    holder = _holder(path, 30)
    try:
        started = time.monotonic()
        with (
            pytest.raises(WarehouseLockedError, match="being written by another run") as caught,
            exclusive_writer(path, wait_seconds=0.5),
        ):
            pass
        assert time.monotonic() - started >= 0.5
        assert "\n" not in str(caught.value)
        assert "SMALLCAP_WRITER_WAIT_SECONDS" in str(caught.value)
    finally:
        holder.kill()
        holder.wait()


def test_a_waiting_writer_goes_on_when_the_holder_ends_or_is_killed(tmp_path: Path) -> None:
    path = tmp_path / "market.duckdb"
    _holder(path, 1).wait()
    killed = _holder(path, 60)
    killed.kill()  # the OS drops the lock with the process: no stale lock after kill -9
    killed.wait()
    entered = []
    with exclusive_writer(path, wait_seconds=10):
        entered.append(writer_lock_path(path).exists())
    assert entered == [True]
