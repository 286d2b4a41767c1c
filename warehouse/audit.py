"""The run ledger: what every run was asked to do, what it did, and how it ended."""

import json
import os
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
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
        """insert or replace into audit.runs (run_id, flow, source, run_date, started_at, status,
               parameters, code_version, host, pid)
           values (?, ?, ?, ?, now(), 'running', ?, ?, ?, ?)""",
        [
            run_id,
            flow,
            source,
            run_date,
            json.dumps(parameters, default=str),
            code_version,
            socket.gethostname(),
            os.getpid(),
        ],
    )


@dataclass(frozen=True)
class OpenRun:
    run_id: str
    flow: str
    run_date: date | None
    started_at: datetime
    host: str | None
    pid: int | None


def open_runs(con: duckdb.DuckDBPyConnection) -> list[OpenRun]:
    """Runs whose row still says 'running', oldest first."""
    rows = con.execute(
        """select run_id, flow, run_date, started_at, host, pid from audit.runs
           where status = 'running' order by started_at"""
    ).fetchall()
    return [OpenRun(*row) for row in rows]


def close_abandoned(con: duckdb.DuckDBPyConnection, runs: Iterable[OpenRun]) -> None:
    """Close runs whose process died without closing them: failed, reason 'abandoned'."""
    for run in runs:
        con.execute(
            """update audit.runs set status = 'failed', finished_at = now(),
                   message = ? where run_id = ? and status = 'running'""",
            [
                f"abandoned: process {run.pid} on {run.host} ended without closing the run",
                run.run_id,
            ],
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


def restate_run(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    status: str,
    message: str | None,
    stage_seconds: Mapping[str, float],
) -> None:
    """A closed run's outcome and stage clock once the steps after its close (publish, report)
    are done; when it finished stays as closed."""
    con.execute(
        "update audit.runs set status = ?, message = ?, stage_seconds = ? where run_id = ?",
        [status, message, json.dumps(dict(stage_seconds)), run_id],
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
