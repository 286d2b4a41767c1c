"""One writing run per warehouse file at a time, whatever started it.

DuckDB's own lock is taken per connection, and a run opens many (load, dbt, publish): between
two of them another process could slip in, so a daily run started during a CLI backfill saw
dbt fail on the file lock half-way. A run holds this lock from its ledger row's opening to its
publish; the next one waits for it, then is refused in one line.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from contracts.errors import WarehouseError, WarehouseLockedError
from warehouse.connection import make_folder


def writer_lock_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.writer.lock")


@contextmanager
def exclusive_writer(path: Path, *, wait_seconds: float) -> Iterator[None]:
    """Hold the warehouse's writer lock (a file next to it)."""
    make_folder(path.parent)
    lock = FileLock(writer_lock_path(path), is_singleton=True)
    try:
        lock.acquire(timeout=wait_seconds)
    except Timeout:
        raise WarehouseLockedError(
            f"warehouse {path} is being written by another run (see `smallcap status`) after "
            f"waiting {wait_seconds:.0f}s; try again when it ends, or raise "
            "SMALLCAP_WRITER_WAIT_SECONDS"
        ) from None
    except OSError as exc:  # a read-only folder (Timeout is an OSError too, caught above)
        raise WarehouseError(
            f"cannot take the writer lock of warehouse {path}: {exc.strerror or exc}"
        ) from exc
    try:
        yield
    finally:
        lock.release()
