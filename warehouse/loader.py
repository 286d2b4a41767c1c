"""Idempotent, transactional loads whose cost follows what changed.

Each batch is classified by ``warehouse.changes``: rows after a ticker's stored watermark are
appended straight from the batch, an unchanged overlap is skipped, and only a differing
overlap is joined to the table to find its new and changed rows (changed values go to
audit.revisions). Bad rows land in quarantine with their reason, validation results in
audit.validations. A load, or a stream of batches (``load_batches``), commits at once or not
at all.

Every core table keeps its grain as PRIMARY KEY, so the grain holds whoever writes to the file.
The loader still refuses a batch that repeats a key before writing anything: the key index
would refuse only an insert (with DuckDB's message), not an update from two rows of one key.
Loads into one file are serialised within the process, so concurrent loads of the same new rows
each see the rows committed before them instead of failing on a write-write conflict (DuckDB's
file lock serialises processes).
"""

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from contracts.datasets import Dataset
from contracts.errors import WarehouseError, first_line
from warehouse import changes
from warehouse.keys import proves_unique_key

_NUMERIC_TYPES = ("DOUBLE", "BIGINT", "INTEGER", "FLOAT", "DECIMAL")
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


@dataclass(frozen=True)
class LoadResult:
    dataset: str
    rows_loaded: int
    rows_changed: int
    rows_quarantined: int
    revisions: int


@dataclass(frozen=True)
class Batch:
    """One validated part of a load: rows to upsert, rows to quarantine (with ``reason``), and
    the validation results (objects with suite, expectation, success and unexpected_count)."""

    valid: pd.DataFrame
    quarantined: pd.DataFrame
    validations: Iterable[Any] = ()


def source_kind(frame_source: str) -> str:
    """'sample' rows and live rows ('yahoo', 'fred') never share a warehouse."""
    return "sample" if frame_source == "sample" else "live"


def stored_source_kind(con: duckdb.DuckDBPyConnection) -> str | None:
    """'sample' or 'live' once a warehouse has loaded rows, else None."""
    row = con.execute(
        "select value from audit.warehouse_info where name = 'source_kind'"
    ).fetchall()
    return row[0][0] if row else None


def claim_source_kind(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    """Mark an empty warehouse as sample or live; refuse the other kind afterwards."""
    held = stored_source_kind(con)
    if held is None:
        con.execute("insert into audit.warehouse_info values ('source_kind', ?)", [kind])
        return
    if held != kind:
        hint = "warehouse/sample.duckdb" if kind == "sample" else "warehouse/market.duckdb"
        raise WarehouseError(
            f"this warehouse holds {held} data and refuses {kind} rows; "
            f"use another file (e.g. --warehouse {hint})"
        )


def _column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    schema, name = table.split(".")
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, name],
    ).fetchall()
    return dict(rows)


def _batch_kind(dataset: Dataset, batch: Batch) -> str | None:
    quarantined = batch.quarantined.get("source", pd.Series(dtype=object))
    sources = set(batch.valid["source"].dropna().unique()) | set(quarantined.dropna().unique())
    kinds = {source_kind(s) for s in sources}
    if len(kinds) > 1:
        raise WarehouseError(f"{dataset.name}: batch mixes sample and live rows")
    return kinds.pop() if kinds else None


@contextmanager
def _writer(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One load at a time per database file in this process: two concurrent transactions
    appending the same new key would otherwise make the later one fail on the key index."""
    path = con.execute(
        "select coalesce(path, database_name) from duckdb_databases() "
        "where database_name = current_database()"
    ).fetchall()[0][0]
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(path, threading.Lock())
    with lock:
        yield


def _quarantine(
    con: duckdb.DuckDBPyConnection, dataset: Dataset, frame: pd.DataFrame, run_id: str
) -> int:
    if frame.empty:
        return 0
    table = f"quarantine.{dataset.name}"
    types = _column_types(con, table)
    casts = ", ".join(f'try_cast("{c}" as {types[c]})' for c in (*dataset.columns, "reason"))
    con.execute(
        f"insert into {table} ({', '.join(dataset.columns)}, reason, run_id, quarantined_at) "
        # ``frame`` is this function's argument, found by DuckDB's replacement scan; a view
        # registered on the connection would keep it alive until the commit (warehouse/changes.py)
        f"select {casts}, ?, now() from frame",
        [run_id],
    )
    return len(frame)


def _validations(results: Iterable[Any], dataset: str, run_id: str) -> list[tuple]:
    return [
        (run_id, dataset, r.suite, r.expectation, bool(r.success), int(r.unexpected_count))
        for r in results
    ]


def _load_one(
    con: duckdb.DuckDBPyConnection,
    dataset: Dataset,
    batch: Batch,
    types: dict[str, str],
    run_id: str,
) -> LoadResult:
    """One batch inside the caller's transaction."""
    missing = set(dataset.columns) - set(batch.valid.columns)
    if missing:
        raise WarehouseError(f"{dataset.name}: frame lacks columns {sorted(missing)}")
    valid = batch.valid[list(dataset.columns)]
    kind = _batch_kind(dataset, batch)
    if kind is not None:
        claim_source_kind(con, kind)
    revisions = changed = 0
    if len(valid):
        staged = changes.cast(con, dataset, types, valid)
        plan = changes.stage(con, dataset, staged)
        if not proves_unique_key(valid, dataset.key):
            changes.refuse_repeated_keys(con, dataset, staged)
        if plan.differs:
            numeric = [c for c in dataset.value_columns if types[c].startswith(_NUMERIC_TYPES)]
            revisions = changes.record_revisions(con, dataset, numeric, run_id)
        changed = changes.write(con, dataset, run_id, plan, staged)
    rows_quarantined = _quarantine(con, dataset, batch.quarantined, run_id)
    results = _validations(batch.validations, dataset.name, run_id)
    if results:
        con.executemany("insert into audit.validations values (?, ?, ?, ?, ?, ?, now())", results)
    return LoadResult(dataset.name, len(valid), changed, rows_quarantined, revisions)


def load_batches(
    con: duckdb.DuckDBPyConnection,
    dataset: Dataset,
    batches: Iterable[Batch],
    *,
    run_id: str,
    before_commit: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> LoadResult:
    """Load ``batches`` one after the other in a single transaction; a lazy iterable keeps one
    batch in memory at a time (validate the next while this one loads). Counts are summed."""
    types = _column_types(con, dataset.table)
    total = LoadResult(dataset.name, 0, 0, 0, 0)
    with _writer(con):
        con.execute("begin transaction")
        try:
            for batch in batches:
                part = _load_one(con, dataset, batch, types, run_id)
                total = LoadResult(
                    dataset.name,
                    total.rows_loaded + part.rows_loaded,
                    total.rows_changed + part.rows_changed,
                    total.rows_quarantined + part.rows_quarantined,
                    total.revisions + part.revisions,
                )
            if before_commit is not None:
                before_commit(con)
            con.execute("commit")
        except BaseException as exc:
            with suppress(duckdb.Error):  # a failed commit has already ended it
                con.execute("rollback")
            if isinstance(exc, duckdb.IOException | duckdb.TransactionException):  # a full disk
                raise WarehouseError(
                    f"{dataset.name}: not loaded ({first_line(exc)}); nothing of this batch "
                    "was written"
                ) from exc
            raise
        finally:
            with suppress(duckdb.Error):  # after a fatal I/O error DuckDB refuses everything
                con.execute("drop table if exists groups")
                con.execute("drop table if exists delta")
    return total


def load_batch(
    con: duckdb.DuckDBPyConnection,
    dataset: Dataset,
    valid: pd.DataFrame,
    quarantined: pd.DataFrame,
    *,
    run_id: str,
    validations: Iterable[Any] = (),
    before_commit: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> LoadResult:
    """Upsert valid rows, record revisions, quarantine bad rows and validation results, atomically.

    ``validations`` are objects with suite, expectation, success and unexpected_count.
    ``before_commit`` runs inside the transaction, so bookkeeping such as a backfill's chunk
    ledger commits (or vanishes in a crash) together with the rows.
    """
    return load_batches(
        con,
        dataset,
        [Batch(valid, quarantined, validations)],
        run_id=run_id,
        before_commit=before_commit,
    )


def upsert_series_meta(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, *, run_id: str) -> int:
    """FRED series metadata: latest description wins, one row per series."""
    if frame.empty:
        return 0
    con.register("series_meta_frame", frame)
    try:
        con.execute(
            """insert or replace into core.series_meta (series_id, title, units, frequency,
                   last_updated, observation_start, observation_end, source, run_id, loaded_at)
               select series_id, title, units, frequency, last_updated, observation_start,
                   observation_end, source, ?, now()
               from series_meta_frame""",
            [run_id],
        )
    finally:
        con.unregister("series_meta_frame")
    return len(frame)
