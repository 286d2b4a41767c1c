"""Rebuilding a lost or damaged warehouse from its last BI snapshot.

The snapshot is a full copy of the stored state (core, audit and quarantine tables, plus the
marts) taken after every good run, written to a temporary file and renamed into place, so it
survives what can damage the warehouse itself: a full disk, a corrupted file, a lost volume.
Restoring moves the damaged file aside (nothing is deleted), creates a fresh warehouse with the
current migrations and copies the stored tables back; the caller rebuilds the marts. Whatever
was loaded after the snapshot was published is fetched again by the next run's catch-up.
"""

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from contracts.errors import WarehouseError
from warehouse.connection import open_warehouse

RESTORED_SCHEMAS: tuple[str, ...] = ("core", "audit", "quarantine")
# rebuilt by migrations, or describing the snapshot rather than the warehouse
NOT_RESTORED: frozenset[tuple[str, str]] = frozenset(
    {("audit", "schema_migrations"), ("audit", "bi_publication")}
)
_SNAPSHOT = "smallcap_restore_source"


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    snapshot: Path
    published_at: datetime | None
    moved_aside: Path | None
    rows: dict[str, int]


def restore_from_snapshot(path: Path, snapshot: Path) -> RestoreResult:
    """Replace ``path`` by a warehouse holding ``snapshot``'s stored tables.

    The damaged file (and its WAL) is renamed ``<name>.damaged-<UTC time>`` first; if the copy
    fails, the new file is removed and the old one put back, so a failed restore changes
    nothing."""
    if not snapshot.exists():
        raise WarehouseError(f"no BI snapshot at {snapshot} to restore from")
    published_at = _check_snapshot(snapshot)
    moved = _move_aside(path)
    try:
        con = open_warehouse(path)
        try:
            rows = _copy_tables(con, snapshot)
        finally:
            con.close()
    except BaseException:
        _remove(path)
        if moved is not None:
            _put_back(moved, path)
        raise
    return RestoreResult(path, snapshot, published_at, moved, rows)


def _check_snapshot(snapshot: Path) -> datetime | None:
    try:
        with duckdb.connect(str(snapshot), read_only=True) as con:
            found = con.execute(
                "select count(*) from duckdb_tables() where schema_name = 'audit' "
                "and table_name = 'bi_publication'"
            ).fetchall()[0][0]
            if not found:
                raise WarehouseError(f"{snapshot} is not a smallcap BI snapshot")
            return con.execute("select max(published_at) from audit.bi_publication").fetchall()[0][
                0
            ]
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot read the BI snapshot {snapshot}: {exc}") from exc


def _move_aside(path: Path) -> Path | None:
    if not path.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    os.replace(path, aside)
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        os.replace(wal, aside.with_name(aside.name + ".wal"))
    return aside


def _put_back(aside: Path, path: Path) -> None:
    os.replace(aside, path)
    wal = aside.with_name(aside.name + ".wal")
    if wal.exists():
        os.replace(wal, path.with_name(path.name + ".wal"))


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


def _copy_tables(con: duckdb.DuckDBPyConnection, snapshot: Path) -> dict[str, int]:
    """Copy every stored table the snapshot has, column by name, in one transaction."""
    literal = str(snapshot).replace("'", "''")
    con.execute(f"attach '{literal}' as {_SNAPSHOT} (read_only)")
    try:
        tables = con.execute(
            """select w.schema_name, w.table_name from duckdb_tables() w
               join duckdb_tables() s
                 on s.database_name = $snapshot and s.schema_name = w.schema_name
                and s.table_name = w.table_name
               where w.database_name = current_database()
                 and w.schema_name in (select unnest($schemas))
               order by all""",
            {"snapshot": _SNAPSHOT, "schemas": list(RESTORED_SCHEMAS)},
        ).fetchall()
        rows: dict[str, int] = {}
        con.execute("begin")
        for schema, table in tables:
            if (schema, table) in NOT_RESTORED:
                continue
            columns = _shared_columns(con, schema, table)
            con.execute(
                f'insert into "{schema}"."{table}" ({columns}) '
                f'select {columns} from {_SNAPSHOT}."{schema}"."{table}"'
            )
            rows[f"{schema}.{table}"] = con.execute(
                f'select count(*) from "{schema}"."{table}"'
            ).fetchall()[0][0]
        _advance_quarantine_ids(con)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.execute(f"detach {_SNAPSHOT}")
    return rows


def _shared_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> str:
    """Columns of the table in both files (names from the catalog, quoted)."""
    names = con.execute(
        """select w.column_name from duckdb_columns() w
           join duckdb_columns() s
             on s.database_name = $snapshot and s.schema_name = w.schema_name
            and s.table_name = w.table_name and s.column_name = w.column_name
           where w.database_name = current_database()
             and w.schema_name = $schema and w.table_name = $table
           order by w.column_index""",
        {"snapshot": _SNAPSHOT, "schema": schema, "table": table},
    ).fetchall()
    return ", ".join('"' + name.replace('"', '""') + '"' for (name,) in names)


def _advance_quarantine_ids(con: duckdb.DuckDBPyConnection) -> None:
    """New quarantine rows must not reuse a restored id (DuckDB cannot restart a sequence a
    column default uses, so it is stepped past the largest one)."""
    tables = con.execute(
        """select table_name from duckdb_columns()
           where database_name = current_database() and schema_name = 'quarantine'
             and column_name = 'quarantine_id'"""
    ).fetchall()
    if not tables:
        return
    union = " union all ".join(
        f'select max(quarantine_id) as id from quarantine."{name}"' for (name,) in tables
    )
    highest = con.execute(f"select coalesce(max(id), 0) from ({union})").fetchall()[0][0]
    con.execute("select max(nextval('quarantine.row_id_seq')) from range(?)", [highest])
