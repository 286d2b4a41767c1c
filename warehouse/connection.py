"""Opening the warehouse: one writer per file, so a held lock is waited for, then reported.

A new file is created in the BI snapshot's storage format (DuckDB 1.4's, which DuckDB 2.0 writes
as fast): publishing can then copy the file instead of rewriting every table into an older
format (warehouse/publish.py). Files created before keep their format and are rewritten.
"""

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from contracts.errors import WarehouseError, WarehouseLockedError
from contracts.settings import BI_STORAGE_VERSION
from warehouse.migrations import apply_migrations

log = logging.getLogger(__name__)


def _is_lock_error(exc: duckdb.Error) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def _holder(exc: duckdb.Error) -> str:
    """DuckDB names the process holding the lock ("... is held in <exe> (PID n)")."""
    match = re.search(r"held in (.+?\(PID \d+\))", str(exc))
    return f"held by {match.group(1)}" if match else "holder unknown"


def _create(path: Path) -> None:
    """An empty database file in BI_STORAGE_VERSION; later writers keep the file's format."""
    literal = str(path).replace("'", "''")
    with duckdb.connect() as con:
        con.execute(f"attach '{literal}' as new_warehouse (storage_version '{BI_STORAGE_VERSION}')")
        con.execute("detach new_warehouse")


def make_folder(folder: Path) -> None:
    """Create the warehouse's folder, or say in one line why it cannot be (read-only, no
    permission, no space)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehouseError(
            f"cannot create the warehouse folder {folder}: {exc.strerror or exc}"
        ) from exc


def open_warehouse(
    path: Path | str, *, read_only: bool = False, lock_timeout: float = 60.0
) -> duckdb.DuckDBPyConnection:
    """Connect (creating and migrating the file for writers), waiting with backoff on a lock."""
    path = Path(path)
    if read_only and not path.exists():
        raise WarehouseError(f"warehouse {path} does not exist yet: run `smallcap run` first")
    if not read_only:
        make_folder(path.parent)
        if not path.exists():
            _create(path)
    deadline = time.monotonic() + lock_timeout
    delay = 0.2
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.Error as exc:
            if not _is_lock_error(exc):
                raise WarehouseError(f"cannot open warehouse {path}: {exc}") from exc
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WarehouseLockedError(
                    f"warehouse {path} is locked by another process (a BI tool or another run) "
                    f"after waiting {lock_timeout:.0f}s ({_holder(exc)}); close it or point BI "
                    "tools at the published bi_database (see `smallcap status --json`), or raise "
                    "SMALLCAP_LOCK_TIMEOUT_SECONDS"
                ) from exc
            wait = min(delay, remaining)  # the last attempt happens at the deadline
            log.warning(
                "warehouse %s is locked by another process (%s); retrying in %.1fs",
                path,
                _holder(exc),
                wait,
            )
            time.sleep(wait)
            delay = min(delay * 2, 5.0)
    if not read_only:
        try:
            apply_migrations(con)
        except Exception:
            con.close()
            raise
    return con


@contextmanager
def warehouse(
    path: Path | str, *, read_only: bool = False, lock_timeout: float = 60.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """One connection per task, always closed."""
    con = open_warehouse(path, read_only=read_only, lock_timeout=lock_timeout)
    try:
        yield con
    finally:
        con.close()
