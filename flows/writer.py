"""One writer per warehouse across every deployment, `smallcap serve` and `smallcap run`.

DuckDB allows one writing process per file; a Prefect global concurrency limit (limit 1) named
after the warehouse makes runs queue for it instead of failing on the file lock.
"""

import contextlib
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.exceptions import ObjectAlreadyExists


def writer_limit_name(path: Path) -> str:
    return f"smallcap-writer-{path.stem}"


def writer_slot(path: Path) -> str:
    """The limit's name, created on first use so no setup step can be forgotten; leases
    expire if a holder is killed."""
    name = writer_limit_name(path)
    with get_client(sync_client=True) as client, contextlib.suppress(ObjectAlreadyExists):
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
    return name
