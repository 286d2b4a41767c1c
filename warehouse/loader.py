"""Idempotent, transactional loads: one transaction per dataset per run.

Valid rows are merged on the table's key (MERGE INTO measured ~0.8x a plain load at 5M rows;
delete-then-insert on a keyed table ~12x), changed past values are recorded in audit.revisions,
and bad rows land in quarantine with their reason, all or nothing.
"""

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from contracts.datasets import Dataset
from contracts.errors import WarehouseError

_NUMERIC_TYPES = ("DOUBLE", "BIGINT", "INTEGER", "FLOAT", "DECIMAL")


@dataclass(frozen=True)
class LoadResult:
    dataset: str
    rows_loaded: int
    rows_changed: int
    rows_quarantined: int
    revisions: int


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


def _staged_select(dataset: Dataset, types: dict[str, str], view: str) -> str:
    casts = ", ".join(f'cast("{c}" as {types[c]}) as "{c}"' for c in dataset.columns)
    return f"select {casts} from {view}"


def _record_revisions(
    con: duckdb.DuckDBPyConnection, dataset: Dataset, types: dict[str, str], run_id: str
) -> int:
    numeric = [c for c in dataset.value_columns if types[c].startswith(_NUMERIC_TYPES)]
    if not numeric:
        return 0
    key_cols = [c for c in dataset.key if c != dataset.date_column]
    key_expr = " || '/' || ".join(f"s.{c}" for c in key_cols)
    on = " and ".join(f"t.{c} = s.{c}" for c in dataset.key)
    changes = ", ".join(
        f"{{'col': '{c}', 'old': cast(t.{c} as double), 'new': cast(s.{c} as double)}}"
        for c in numeric
    )
    changed = " or ".join(f"t.{c} is distinct from s.{c}" for c in numeric)
    inserted = con.execute(
        f"""
        insert into audit.revisions
        select ?, ?, key, date, ch.col, ch.old, ch.new, now()
        from (
            select {key_expr} as key, s.{dataset.date_column} as date, unnest([{changes}]) as ch
            from staged s join {dataset.table} t on {on}
            where {changed}
        )
        where ch.old is distinct from ch.new
        """,
        [run_id, dataset.name],
    ).fetchall()
    return int(inserted[0][0]) if inserted else 0


def _merge(con: duckdb.DuckDBPyConnection, dataset: Dataset, run_id: str) -> int:
    cols = dataset.columns
    on = " and ".join(f"t.{c} = s.{c}" for c in dataset.key)
    changed = " or ".join(f"t.{c} is distinct from s.{c}" for c in dataset.value_columns)
    updates = ", ".join(f"{c} = s.{c}" for c in (*dataset.value_columns, "source"))
    names = ", ".join(cols)
    values = ", ".join(f"s.{c}" for c in cols)
    result = con.execute(
        f"""
        merge into {dataset.table} t using staged s on {on}
        when matched and ({changed}) then update set {updates}, run_id = $run_id, loaded_at = now()
        when not matched then insert ({names}, run_id, loaded_at) values ({values}, $run_id, now())
        """,
        {"run_id": run_id},
    ).fetchall()
    return int(result[0][0]) if result else 0


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
    missing = set(dataset.columns) - set(valid.columns)
    if missing:
        raise WarehouseError(f"{dataset.name}: frame lacks columns {sorted(missing)}")
    valid = valid[list(dataset.columns)]
    sources = set(valid["source"].dropna()) | set(quarantined.get("source", pd.Series()).dropna())
    kinds = {source_kind(s) for s in sources}
    if len(kinds) > 1:
        raise WarehouseError(f"{dataset.name}: batch mixes sample and live rows")
    types = _column_types(con, dataset.table)
    con.execute("begin transaction")
    try:
        if kinds:
            claim_source_kind(con, kinds.pop())
        con.register("incoming", valid)
        con.execute(
            f"create or replace temp view staged as {_staged_select(dataset, types, 'incoming')}"
        )
        revisions = _record_revisions(con, dataset, types, run_id)
        changed = _merge(con, dataset, run_id) if len(valid) else 0
        rows_quarantined = _quarantine(con, dataset, quarantined, run_id)
        rows = _validations(validations, dataset.name, run_id)
        if rows:
            con.executemany("insert into audit.validations values (?, ?, ?, ?, ?, ?, now())", rows)
        if before_commit is not None:
            before_commit(con)
        con.execute("commit")
    except Exception as exc:
        with contextlib.suppress(duckdb.Error):  # a failed commit has already ended it
            con.execute("rollback")
        if isinstance(exc, duckdb.IOException | duckdb.TransactionException):  # a full disk
            raise WarehouseError(
                f"{dataset.name}: not loaded ({_first_line(exc)}); nothing of this batch was "
                "written"
            ) from exc
        raise
    finally:
        with contextlib.suppress(duckdb.Error):
            con.execute("drop view if exists staged")
            con.unregister("incoming")
    return LoadResult(dataset.name, len(valid), changed, rows_quarantined, revisions)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


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
