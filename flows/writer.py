"""One writer per warehouse across every deployment, `smallcap serve` and `smallcap run`.

DuckDB allows one writing process per file; a Prefect global concurrency limit (limit 1) named
after the warehouse makes runs queue for it instead of failing on the file lock.
"""

from pathlib import Path

from flows.limits import ensure_limit


def writer_limit_name(path: Path) -> str:
    return f"smallcap-writer-{path.stem}"


def writer_slot(path: Path) -> str:
    """The limit's name (limit 1), created on first use; leases expire if a holder is killed."""
    return ensure_limit(writer_limit_name(path), limit=1)
