"""One writer per warehouse across every deployment, `smallcap serve` and `smallcap run`.

DuckDB allows one writing process per file; a Prefect global concurrency limit (limit 1) named
after the warehouse makes runs queue for it instead of failing on the file lock.
"""

from pathlib import Path

from filelock import FileLock
from httpx import HTTPStatusError
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.settings import get_current_settings

CREATE_LOCK_TIMEOUT_SECONDS = 120


def writer_limit_name(path: Path) -> str:
    return f"smallcap-writer-{path.stem}"


def writer_slot(path: Path) -> str:
    """The limit's name, created on first use so no setup step can be forgotten; leases
    expire if a holder is killed.

    Two runs started together would both create it: SQLite answers the loser with an integrity
    error that a temporary server prints as a 40-line traceback. A file lock in PREFECT_HOME
    (where the temporary servers' database lives) lets one process create it and the other find
    it; against a shared server the loser's error is answered by reading the limit back.
    """
    name = writer_limit_name(path)
    home = Path(get_current_settings().home)
    home.mkdir(parents=True, exist_ok=True)
    lock = FileLock(home / "smallcap-writer-limits.lock", timeout=CREATE_LOCK_TIMEOUT_SECONDS)
    with lock, get_client(sync_client=True) as client:
        if not _exists(client, name):
            _create(client, name)
    return name


def _exists(client: SyncPrefectClient, name: str) -> bool:
    try:
        client.read_global_concurrency_limit_by_name(name)
    except ObjectNotFound:
        return False
    return True


def _create(client: SyncPrefectClient, name: str) -> None:
    try:
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
    except ObjectAlreadyExists:
        return
    except HTTPStatusError:
        if not _exists(client, name):
            raise
