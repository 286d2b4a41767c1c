"""Idempotent, transactional loads whose cost follows what changed.

A batch's rows are new (the core table lacks the key), changed (a value column IS DISTINCT FROM
the stored one, NULL <-> value included) or unchanged. When the table holds nothing in the
batch's date range for any of its tickers (a first load, a backfill, the next session) every
row is new and is appended straight from the batch, written once. Otherwise one left join on
the key keeps only new and changed rows: changed rows record their old and new values in
audit.revisions and are updated in place, new rows are appended, and unchanged rows, most of
every overlap window and reconcile, are never written. Bad rows land in quarantine with their
reason. A load, or a stream of batches (``load_batches``), commits at once or not at all.

The loader owns each core table's grain: the tables carry no PRIMARY KEY, because DuckDB's key
index made a first load cost ~4x a plain ``CREATE TABLE AS`` (benchmarks/README.md). Rows are
inserted only for keys the table lacks, a batch that repeats a key is refused, and loads into
one file are serialised within the process (DuckDB's file lock serialises processes).
"""

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from contracts.datasets import Dataset
from contracts.errors import WarehouseError
from warehouse.keys import proves_unique_key

_NUMERIC_TYPES = ("DOUBLE", "BIGINT", "INTEGER", "FLOAT", "DECIMAL")
_OLD = "stored_"  # prefix of the stored values carried beside a changed row in ``delta``
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
    """One load at a time per database file in this process: with no key index, two concurrent
    transactions could otherwise both append the same new key."""
    path = con.execute(
        "select coalesce(path, database_name) from duckdb_databases() "
        "where database_name = current_database()"
    ).fetchall()[0][0]
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(path, threading.Lock())
    with lock:
        yield


def _overlaps(con: duckdb.DuckDBPyConnection, dataset: Dataset) -> bool:
    """Does the table hold rows inside the batch's date range of any first-key value (ticker,
    series) of the batch? If not, every row of the batch is new. Two small aggregates, much
    cheaper than joining the batch to the table on its key."""
    first, day = dataset.key[0], dataset.date_column
    found = con.execute(
        f"""
        with batch as (
            select "{first}", min("{day}") as lo, max("{day}") as hi from staged group by all
        ),
        stored as (
            select "{first}", min("{day}") as lo, max("{day}") as hi from {dataset.table}
            where "{first}" in (select "{first}" from batch) group by all
        )
        select exists (
            select 1 from batch b join stored t using ("{first}")
            where b.lo <= t.hi and t.lo <= b.hi
        )
        """
    ).fetchall()
    return bool(found[0][0])


def _stage(con: duckdb.DuckDBPyConnection, dataset: Dataset, types: dict[str, str]) -> str:
    """Cast the registered batch as view ``staged``; return the relation holding the rows to
    write: ``staged`` when they are all new, else temp table ``delta`` with only the new and
    changed rows (``is_new``), the changed ones beside their stored values."""
    casts = ", ".join(f'cast("{c}" as {types[c]}) as "{c}"' for c in dataset.columns)
    con.execute(f"create or replace temp view staged as select {casts} from incoming")
    if not _overlaps(con, dataset):
        return "staged"
    on = " and ".join(f's."{c}" = t."{c}"' for c in dataset.key)
    stored = ", ".join(f't."{c}" as "{_OLD}{c}"' for c in dataset.value_columns)
    changed = " or ".join(f's."{c}" is distinct from t."{c}"' for c in dataset.value_columns)
    probe = dataset.key[0]
    con.execute(
        f"""
        create or replace temp table delta as
        select s.*, t."{probe}" is null as is_new, {stored}
        from staged s left join {dataset.table} t on {on}
        where t."{probe}" is null or {changed}
        """
    )
    return "delta"


def _refuse_repeated_keys(
    con: duckdb.DuckDBPyConnection, dataset: Dataset, valid: pd.DataFrame
) -> None:
    """Two rows for one key would break the grain (or make an update ambiguous)."""
    if proves_unique_key(valid, dataset.key):
        return
    keys = ", ".join(f'"{c}"' for c in dataset.key)
    repeated = con.execute(
        f"select {keys}, count(*) from staged group by all having count(*) > 1 limit 1"
    ).fetchall()
    if repeated:
        *key, copies = repeated[0]
        shown = ", ".join(f"{c}={v}" for c, v in zip(dataset.key, key, strict=True))
        raise WarehouseError(
            f"{dataset.name}: the batch holds {copies} rows for {shown}; one row per key "
            f"({', '.join(dataset.key)}) can load (validation quarantines repeated keys)"
        )


def _record_revisions(
    con: duckdb.DuckDBPyConnection, dataset: Dataset, types: dict[str, str], run_id: str
) -> int:
    numeric = [c for c in dataset.value_columns if types[c].startswith(_NUMERIC_TYPES)]
    if not numeric:
        return 0
    key_cols = [c for c in dataset.key if c != dataset.date_column]
    key_expr = " || '/' || ".join(f'"{c}"' for c in key_cols)
    changes = ", ".join(
        f"{{'col': '{c}', 'old': cast(\"{_OLD}{c}\" as double), 'new': cast(\"{c}\" as double)}}"
        for c in numeric
    )
    inserted = con.execute(
        f"""
        insert into audit.revisions
        select ?, ?, key, date, ch.col, ch.old, ch.new, now()
        from (
            select {key_expr} as key, "{dataset.date_column}" as date,
                   unnest([{changes}]) as ch
            from delta
            where not is_new
        )
        where ch.old is distinct from ch.new
        """,
        [run_id, dataset.name],
    ).fetchall()
    return int(inserted[0][0]) if inserted else 0


def _merge(con: duckdb.DuckDBPyConnection, dataset: Dataset, run_id: str, rows: str) -> int:
    """Write ``rows`` (see ``_stage``): update changed rows in place, append new ones; returns
    how many rows were written."""
    names = ", ".join(f'"{c}"' for c in dataset.columns)
    params = {"run_id": run_id}
    append = (
        f"insert into {dataset.table} ({names}, run_id, loaded_at) select {names}, $run_id, now()"
    )
    if rows == "staged":
        return int(con.execute(f"{append} from staged", params).fetchall()[0][0])
    on = " and ".join(f't."{c}" = d."{c}"' for c in dataset.key)
    updates = ", ".join(f'"{c}" = d."{c}"' for c in (*dataset.value_columns, "source"))
    updated = con.execute(
        f"""
        update {dataset.table} t set {updates}, run_id = $run_id, loaded_at = now()
        from delta d where not d.is_new and {on}
        """,
        params,
    ).fetchall()
    inserted = con.execute(f"{append} from delta where is_new", params).fetchall()
    return int(updated[0][0]) + int(inserted[0][0])


def _quarantine(
    con: duckdb.DuckDBPyConnection, dataset: Dataset, frame: pd.DataFrame, run_id: str
) -> int:
    if frame.empty:
        return 0
    table = f"quarantine.{dataset.name}"
    types = _column_types(con, table)
    con.register("quarantined_frame", frame)
    try:
        casts = ", ".join(f'try_cast("{c}" as {types[c]})' for c in (*dataset.columns, "reason"))
        con.execute(
            f"insert into {table} ({', '.join(dataset.columns)}, reason, run_id, quarantined_at) "
            f"select {casts}, ?, now() from quarantined_frame",
            [run_id],
        )
    finally:
        con.unregister("quarantined_frame")
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
        con.register("incoming", valid)  # replaces the previous batch's; dropped after commit
        rows = _stage(con, dataset, types)
        _refuse_repeated_keys(con, dataset, valid)
        if rows == "delta":
            revisions = _record_revisions(con, dataset, types, run_id)
        changed = _merge(con, dataset, run_id, rows)
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
        except BaseException:
            with suppress(duckdb.TransactionException):  # a failed commit has rolled back
                con.execute("rollback")
            raise
        finally:
            con.execute("drop view if exists staged")
            con.execute("drop table if exists delta")
            con.unregister("incoming")
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
            """insert or replace into core.series_meta
               select series_id, title, units, frequency, last_updated, source, ?, now()
               from series_meta_frame""",
            [run_id],
        )
    finally:
        con.unregister("series_meta_frame")
    return len(frame)
