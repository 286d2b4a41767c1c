"""SIGKILL in the middle of a BI publish and of a dbt build, like a machine losing power: the
previous snapshot stays byte-identical, the stored tables keep their content, the leftovers are
cleaned by the next publish, and the next build gives the marts a clean build gives.

(A kill during a backfill's loads is tests/warehouse/test_crash_safety.py.)
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import warehouse_checksums

from contracts.settings import get_settings
from transforms.build import build_models, work_dir_for
from warehouse.publish import publish_bi

pytestmark = pytest.mark.integration

CHILD = """
import sys
from pathlib import Path
from contracts.settings import get_settings
from transforms.build import build_models
from warehouse.publish import publish_bi

path = Path(sys.argv[2])
print("started", flush=True)
if sys.argv[1] == "publish":
    publish_bi(path, get_settings(warehouse=path))
else:
    build_models(path)
"""
WAIT = 300


def _start(what: str, path: Path) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, what, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "started"
    return child


def _kill_when(child: subprocess.Popen[str], ready) -> None:
    deadline = time.monotonic() + WAIT
    while not ready():
        assert child.poll() is None, "the child finished before it could be killed"
        assert time.monotonic() < deadline, "the child never reached the kill point"
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL


def test_sigkill_during_a_publish_keeps_the_previous_snapshot(published) -> None:
    path, snapshot = published
    before, snapshot_bytes = warehouse_checksums(path), snapshot.read_bytes()
    temp_files = lambda: list(snapshot.parent.glob(".market.duckdb.publishing-*"))  # noqa: E731

    child = _start("publish", path)
    _kill_when(child, lambda: any(p.stat().st_size > 0 for p in temp_files()))

    assert snapshot.read_bytes() == snapshot_bytes
    assert warehouse_checksums(path) == before
    assert temp_files()  # what the killed publish left ...
    publish_bi(path, get_settings(warehouse=path))
    assert not temp_files()  # ... the next one removes
    published_now = warehouse_checksums(snapshot)  # views are tables there
    assert {name: published_now[name] for name in before} == before


def test_sigkill_during_a_dbt_build_leaves_the_stored_tables_and_the_next_build_equal(
    published,
) -> None:
    path, _ = published
    before = warehouse_checksums(path)
    log = work_dir_for(path) / "logs" / "dbt.log"
    started = log.read_text().count("START") if log.exists() else 0

    child = _start("build", path)
    _kill_when(child, lambda: log.exists() and log.read_text().count("START") > started + 3)

    after_kill = warehouse_checksums(path)
    stored = lambda sums: {k: v for k, v in sums.items() if not str(k).startswith("mart.")}  # noqa: E731
    assert stored(after_kill) == stored(before)
    build_models(path)
    assert warehouse_checksums(path) == before
