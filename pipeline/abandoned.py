"""Runs whose process was killed outright: no hook ran, so their ledger row still says 'running'.

The next run (and `smallcap status`) finds them and closes them as failed with the reason
'abandoned', so the ledger never claims a run is in progress when nothing runs it. A run is
abandoned when it was started on this host and its process no longer exists (a process with the
same pid that started after the run did is another process). A run started on another host
cannot be checked from here and is left alone; rows from before pids were recorded are
abandoned once they are older than a day.
"""

import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil

from contracts.errors import WarehouseError
from warehouse.audit import OpenRun, close_abandoned, open_runs
from warehouse.connection import warehouse

UNKNOWN_OWNER_AFTER = timedelta(days=1)


def _alive(pid: int, since: datetime) -> bool:
    try:
        started = datetime.fromtimestamp(psutil.Process(pid).create_time(), tz=UTC)
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # exists, owned by someone else: assume it is the run
        return True
    return started <= since + timedelta(seconds=1)  # pid reused by a later process: not the run


def is_abandoned(run: OpenRun, *, now: datetime | None = None) -> bool:
    """Whether ``run``'s process is gone (see the module docstring for the rules)."""
    now = now or datetime.now(UTC)
    started = run.started_at if run.started_at.tzinfo else run.started_at.replace(tzinfo=UTC)
    if run.pid is None:
        return now - started > UNKNOWN_OWNER_AFTER
    if run.host != socket.gethostname():
        return False
    if run.pid == os.getpid():
        return False
    return not _alive(run.pid, started)


def abandoned(runs: list[OpenRun]) -> list[OpenRun]:
    return [run for run in runs if is_abandoned(run)]


def sweep(path: Path, *, lock_timeout: float = 0.0) -> list[OpenRun]:
    """Close the abandoned runs of the warehouse at ``path`` and return them; never waits for a
    writer by default (a live writer means a run is going on, and it sweeps when it starts)."""
    if not path.exists():
        return []
    try:
        with warehouse(path, read_only=True, lock_timeout=lock_timeout) as con:
            gone = abandoned(open_runs(con))
        if not gone:
            return []
        with warehouse(path, lock_timeout=lock_timeout) as con:
            gone = abandoned(open_runs(con))
            close_abandoned(con, gone)
    except WarehouseError:
        return []
    return gone
