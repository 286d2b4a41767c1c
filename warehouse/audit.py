"""The run ledger: what every run was asked to do, what it did, and how it ended."""

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import duckdb


def start_run(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    flow: str,
    source: str,
    run_date: date | None,
    parameters: Mapping[str, Any],
    code_version: str | None,
) -> None:
    con.execute(
        """insert or replace into audit.runs
           (run_id, flow, source, run_date, started_at, status, parameters, code_version)
           values (?, ?, ?, ?, now(), 'running', ?, ?)""",
        [run_id, flow, source, run_date, json.dumps(parameters, default=str), code_version],
    )


def finish_run(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    status: str,
    message: str | None = None,
    stage_seconds: Mapping[str, float] | None = None,
) -> None:
    con.execute(
        """update audit.runs set finished_at = now(), status = ?, message = ?, stage_seconds = ?
           where run_id = ?""",
        [status, message, json.dumps(dict(stage_seconds or {})), run_id],
    )


def record_dataset(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    dataset: str,
    rows_extracted: int,
    rows_loaded: int,
    rows_quarantined: int,
    keys_failed: int,
) -> None:
    con.execute(
        "insert or replace into audit.run_datasets values (?, ?, ?, ?, ?, ?)",
        [run_id, dataset, rows_extracted, rows_loaded, rows_quarantined, keys_failed],
    )


def record_failures(con: duckdb.DuckDBPyConnection, *, run_id: str, failures: Iterable[Any]) -> int:
    """``failures`` carry dataset, key, error_class and an already scrubbed message."""
    rows = [(run_id, f.dataset, f.key, f.error_class, f.message) for f in failures]
    if rows:
        con.executemany("insert into audit.extract_failures values (?, ?, ?, ?, ?, now())", rows)
    return len(rows)
