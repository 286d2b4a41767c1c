"""Prefect global concurrency limits created on first use, so no setup step can be forgotten.

Two processes started together would both create a limit: SQLite answers the loser with an
integrity error that a temporary server prints as a 40-line traceback. A file lock in
PREFECT_HOME (where the temporary servers' database lives) lets one process create it and the
other find it; against a shared server the loser's error is answered by reading the limit back.
"""

from pathlib import Path

from filelock import FileLock
from httpx import HTTPStatusError
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.actions import (
    GlobalConcurrencyLimitCreate,
    GlobalConcurrencyLimitUpdate,
)
from prefect.client.schemas.responses import GlobalConcurrencyLimitResponse
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.settings import get_current_settings

CREATE_LOCK_TIMEOUT_SECONDS = 120


def ensure_limit(name: str, *, limit: int, slot_decay_per_second: float = 0.0) -> str:
    """The limit ``name`` with this size and decay (a rate limit when the decay is > 0),
    created if missing and updated if its settings changed since; returns the name."""
    home = Path(get_current_settings().home)
    home.mkdir(parents=True, exist_ok=True)
    lock = FileLock(home / "smallcap-limits.lock", timeout=CREATE_LOCK_TIMEOUT_SECONDS)
    with lock, get_client(sync_client=True) as client:
        found = _read(client, name) or _create(client, name, limit, slot_decay_per_second)
        if found is not None and (found.limit, found.slot_decay_per_second) != (
            limit,
            slot_decay_per_second,
        ):
            update = GlobalConcurrencyLimitUpdate(
                limit=limit, slot_decay_per_second=slot_decay_per_second
            )
            client.update_global_concurrency_limit(name, update)
    return name


def _read(client: SyncPrefectClient, name: str) -> GlobalConcurrencyLimitResponse | None:
    try:
        return client.read_global_concurrency_limit_by_name(name)
    except ObjectNotFound:
        return None


def _create(
    client: SyncPrefectClient, name: str, limit: int, slot_decay_per_second: float
) -> GlobalConcurrencyLimitResponse | None:
    """Create the limit; None when this process made it, else the one another process made
    first (to be checked against the settings like any existing limit)."""
    create = GlobalConcurrencyLimitCreate(
        name=name, limit=limit, slot_decay_per_second=slot_decay_per_second
    )
    try:
        client.create_global_concurrency_limit(create)
    except (ObjectAlreadyExists, HTTPStatusError):
        found = _read(client, name)
        if found is None:
            raise
        return found
    return None
