"""A writer that meets another process's lock waits with backoff, then fails with a remedy."""

import logging
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from contracts.errors import WarehouseError
from warehouse.connection import open_warehouse, warehouse

HOLDER = textwrap.dedent(
    """
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
    con.close()
    """
)


def _hold(path: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "holding"
    return holder


@pytest.fixture
def main(tmp_path: Path) -> Path:
    path = tmp_path / "market.duckdb"
    with warehouse(path):
        pass
    return path


def test_writer_fails_after_the_timeout_naming_the_lock_and_the_remedy(main, caplog):
    holder = _hold(main, 30)
    try:
        clock = time.monotonic()
        with (
            caplog.at_level(logging.WARNING, logger="warehouse.connection"),
            pytest.raises(WarehouseError) as failure,
        ):
            open_warehouse(main, lock_timeout=2)
        waited = time.monotonic() - clock
    finally:
        holder.kill()
        holder.wait()

    assert 1.9 < waited < 3.0  # waits the whole timeout, not a backoff step less
    message = str(failure.value)
    assert "locked by another process" in message and str(main) in message
    assert f"(PID {holder.pid})" in message
    assert "bi_database" in message and "SMALLCAP_LOCK_TIMEOUT_SECONDS" in message
    assert any("locked" in r.getMessage() and "retrying" in r.getMessage() for r in caplog.records)


def test_writer_gets_the_file_when_the_holder_releases_within_the_timeout(main):
    holder = _hold(main, 1.0)
    try:
        clock = time.monotonic()
        con = open_warehouse(main, lock_timeout=10)
        waited = time.monotonic() - clock
        con.execute("select 1").fetchall()
        con.close()
    finally:
        holder.wait(timeout=10)

    assert 0.5 < waited < 5.0
