"""Publish a read-only snapshot of the warehouse for BI tools, swapped in atomically.

DuckDB allows one writer per file: a dashboard holding a connection on the main file would block
the daily run (or be blocked by it). So BI tools connect to a separate file that the pipeline
rewrites after each run: a new file is written next to the published one, checkpointed (no .wal
is left), then renamed over it with ``os.replace``. A reader that already holds the old file open
keeps its inode (POSIX rename semantics) and so keeps seeing the old state; the next connection
sees the new one. No reader ever sees a half-written file, and a reader never blocks the rename.

The snapshot is written with an explicit storage version (``settings.bi_storage_version``)
because the DuckDB builds inside BI drivers lag behind: a file in DuckDB 2.0's default format
does not open in 1.4. Views are materialised as tables and JSON columns stored as VARCHAR so
nothing in the file depends on the writer's version or on extensions. Table and column COMMENTs
(the dbt docs) are copied, so BI tools show what each column means and its units.

When the warehouse file is already in a format that version reads (new files are, see
warehouse/connection.py) and has no WAL, the snapshot starts as a sequential copy of the file,
taken under the read lock; only the small parts are reshaped (views, JSON columns, schemas BI
does not see). Its cost is a file copy plus a constant. Otherwise every relation is rewritten.
"""

import logging
import os
import re
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import psutil

from contracts.errors import WarehouseError, first_line
from contracts.settings import Settings
from warehouse.connection import warehouse

log = logging.getLogger(__name__)

# what BI tools see; staging/intermediate views are materialised so the snapshot is self-contained
PUBLISHED_SCHEMAS: tuple[str, ...] = (
    "core",
    "staging",
    "intermediate",
    "mart",
    "audit",
    "quarantine",
)
_ALIAS = "smallcap_bi_snapshot"
_STORAGE_VERSION = re.compile(r"^v\d+\.\d+\.\d+$")
_VERSION_NUMBERS = re.compile(r"v(\d+)\.(\d+)\.(\d+)")
# turns the attached file into the snapshot; the rows each materialised view wrote
Shape = Callable[
    [duckdb.DuckDBPyConnection, str, list[tuple[str, str]]], dict[tuple[str, str], int]
]


@dataclass(frozen=True)
class PublishResult:
    path: Path
    storage_version: str
    rows: dict[str, int]
    seconds: float


def publish_bi(path: Path, settings: Settings) -> PublishResult:
    """Publish ``path``'s snapshot at ``settings.bi_database_for(path)``; what flows call."""
    return publish_snapshot(
        path,
        settings.bi_database_for(path),
        storage_version=settings.bi_storage_version,
        lock_timeout=settings.lock_timeout_seconds,
    )


def publish_snapshot(
    source: Path,
    target: Path,
    *,
    storage_version: str = "v1.4.0",
    lock_timeout: float = 60.0,
) -> PublishResult:
    """Copy every published relation of ``source`` into a fresh file, then swap it onto
    ``target``; the previous snapshot stays intact if anything fails."""
    if not _STORAGE_VERSION.match(storage_version):
        raise WarehouseError(
            f"bi storage version {storage_version!r} is not like 'v1.4.0'; "
            "fix SMALLCAP_BI_STORAGE_VERSION"
        )
    clock = time.monotonic()
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_temp_files(target)
    tmp = target.with_name(f".{target.name}.publishing-{os.getpid()}")
    _remove(tmp, _wal(tmp))
    try:
        with warehouse(source, read_only=True, lock_timeout=lock_timeout) as con:
            rows = _write_snapshot(con, tmp, storage_version)
        if _wal(tmp).exists():
            raise WarehouseError(f"snapshot {tmp} left a .wal after checkpoint; not publishing it")
        _fsync(tmp)
        _remove(_wal(target))  # a stale WAL would be replayed against the new file
        os.replace(tmp, target)
        _remove(_wal(target))
        _fsync(target.parent)
    except (duckdb.Error, OSError) as exc:  # a full disk, a read-only folder: one clear line
        _remove(tmp, _wal(tmp))
        raise WarehouseError(
            f"BI snapshot {target} not published ({first_line(exc)}); the previous one is unchanged"
        ) from exc
    except BaseException:
        _remove(tmp, _wal(tmp))
        raise
    seconds = time.monotonic() - clock
    log.info(
        "published %d relations (%d rows) to %s in %.2fs (storage %s)",
        len(rows),
        sum(rows.values()),
        target,
        seconds,
        storage_version,
    )
    return PublishResult(target, storage_version, rows, seconds)


def _write_snapshot(
    con: duckdb.DuckDBPyConnection, tmp: Path, storage_version: str
) -> dict[str, int]:
    """Write the snapshot to ``tmp`` (a copy when possible, see the module docstring) and
    check every relation's row count against the warehouse's."""
    db, path, stored = con.execute(
        """select database_name, path, tags['storage_version']
           from duckdb_databases() where database_name = current_database()"""
    ).fetchall()[0]
    relations = _relations(con, db)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="publish-fsync") as background:
        flushed = None
        if _readable_by(stored, storage_version) and not _wal(Path(path)).exists():
            # a version DuckDB does not know is refused here as on the rewriting path
            with duckdb.connect() as probe:
                probe.execute(f"attach ':memory:' as probe (storage_version '{storage_version}')")
            shutil.copyfile(path, tmp)  # the read lock is held: no writer can change the file
            # the copied bytes go to disk while the reshaping computes (I/O beside CPU), so
            # the checkpoint's fsync finds little left to write: ~0.5 s of a large publish
            flushed = background.submit(_fsync, tmp)
            _attach(con, tmp, "")
            shape = _reshape_copy
        else:
            _attach(con, tmp, f", storage_version '{storage_version}'")
            shape = _rewrite
        rows = _fill(con, db, relations, shape, storage_version)
    if flushed is not None:
        flushed.result()  # its OSError, if any, fails the publish
    return rows


def _fill(
    con: duckdb.DuckDBPyConnection,
    db: str,
    relations: list[tuple[str, str]],
    shape: Shape,
    storage_version: str,
) -> dict[str, int]:
    """Shape the attached snapshot, check its row counts, add the comments and the publication
    row in one transaction, checkpoint it and detach it."""
    rows: dict[str, int] = {}
    try:
        # one transaction for every change to the snapshot: each statement on its own would
        # be a commit of the attached file (~40 ms each, ~500 COMMENTs); a failure throws the
        # temp file away either way
        con.execute("begin")
        try:
            materialised = shape(con, db, relations)
            copied = _counts(con, _ALIAS, relations)
            expected = _expected_counts(con, db, relations, materialised)
            for (schema, name), got, want in zip(relations, copied, expected, strict=True):
                if got != want:
                    raise WarehouseError(
                        f"snapshot of {schema}.{name} has {got} rows, warehouse {want}"
                    )
                rows[f"{schema}.{name}"] = got
            _copy_comments(con, db)
            _record_publication(con, storage_version)
        except BaseException:
            con.execute("rollback")
            raise
        con.execute("commit")
        con.execute(f"checkpoint {_ALIAS}")
    finally:
        con.execute(f"detach {_ALIAS}")
    return rows


def _readable_by(stored: str | None, storage_version: str) -> bool:
    """Is a file in storage format ``stored`` (e.g. 'v1.4.0+') readable where
    ``storage_version`` is the newest format understood?"""
    found, wanted = (_VERSION_NUMBERS.search(v or "") for v in (stored, storage_version))
    if found is None or wanted is None:
        return False
    return tuple(map(int, found.groups())) <= tuple(map(int, wanted.groups()))


def _attach(con: duckdb.DuckDBPyConnection, tmp: Path, options: str) -> None:
    literal = str(tmp).replace("'", "''")
    con.execute(f"attach '{literal}' as {_ALIAS} (read_only false{options})")


def _rewrite(
    con: duckdb.DuckDBPyConnection, db: str, relations: list[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """Every published relation copied into the (empty) snapshot as a table; returns the rows
    each one's ``CREATE TABLE AS`` wrote."""
    for schema in sorted({s for s, _ in relations}):
        con.execute(f'create schema {_ALIAS}."{schema}"')
    return {(schema, name): _materialise(con, db, schema, name) for schema, name in relations}


def _materialise(con: duckdb.DuckDBPyConnection, db: str, schema: str, name: str) -> int:
    """Write ``db``'s relation into the snapshot as a table; the number of rows written."""
    select = _select_list(con, db, schema, name)
    return int(
        con.execute(
            f'create table {_ALIAS}."{schema}"."{name}" as '
            f'select {select} from "{db}"."{schema}"."{name}"'
        ).fetchall()[0][0]
    )


def _reshape_copy(
    con: duckdb.DuckDBPyConnection, db: str, relations: list[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """Turn a copy of the warehouse file into the snapshot: drop what BI does not see,
    materialise views (from the warehouse, so nothing depends on name resolution in the copy)
    and store JSON columns as VARCHAR. Returns the rows written per materialised view."""
    published = set(PUBLISHED_SCHEMAS) | {"main"}
    for (schema,) in con.execute(
        "select schema_name from duckdb_schemas() where database_name = ? and not internal",
        [_ALIAS],
    ).fetchall():
        if schema not in published:
            con.execute(f'drop schema {_ALIAS}."{schema}" cascade')
    views = con.execute(
        """select schema_name, view_name from duckdb_views()
           where database_name = ? and not internal""",
        [db],
    ).fetchall()
    materialised: dict[tuple[str, str], int] = {}
    for schema, name in sorted(set(views) & set(relations)):
        con.execute(f'drop view {_ALIAS}."{schema}"."{name}"')
        materialised[(schema, name)] = _materialise(con, db, schema, name)
    for schema, name, column in con.execute(
        """select schema_name, table_name, column_name from duckdb_columns()
           where database_name = ? and data_type = 'JSON'""",
        [_ALIAS],
    ).fetchall():
        quoted = '"' + column.replace('"', '""') + '"'
        con.execute(
            f'alter table {_ALIAS}."{schema}"."{name}" alter {quoted} set data type varchar'
        )
    return materialised


def _record_publication(con: duckdb.DuckDBPyConnection, storage_version: str) -> None:
    """One row saying when the snapshot was taken: dashboards show "data as of" from it."""
    con.execute(f"create schema if not exists {_ALIAS}.audit")
    con.execute(
        f"""create table {_ALIAS}.audit.bi_publication as
            select now() as published_at, ?::varchar as storage_version""",
        [storage_version],
    )


def published_at(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """When the snapshot open on ``con`` was published (None for a warehouse, not a snapshot)."""
    found = con.execute(
        """select count(*) from duckdb_tables()
           where database_name = current_database()
             and schema_name = 'audit' and table_name = 'bi_publication'"""
    ).fetchall()[0][0]
    if not found:
        return None
    return con.execute("select max(published_at) from audit.bi_publication").fetchall()[0][0]


def _relations(con: duckdb.DuckDBPyConnection, db: str) -> list[tuple[str, str]]:
    """Tables and (non-internal) views of the published schemas, from the catalog (closed set)."""
    schemas = list(PUBLISHED_SCHEMAS)
    found = con.execute(
        """select schema_name, table_name from duckdb_tables()
           where database_name = $db and schema_name in (select unnest($schemas))
           union all
           select schema_name, view_name from duckdb_views()
           where database_name = $db and not internal and schema_name in (select unnest($schemas))
           order by 1, 2""",
        {"db": db, "schemas": schemas},
    ).fetchall()
    return [(s, n) for s, n in found]


def _select_list(con: duckdb.DuckDBPyConnection, db: str, schema: str, name: str) -> str:
    """Every column, JSON cast to VARCHAR (JSON is an extension type older readers may lack)."""
    columns = con.execute(
        """select column_name, data_type from duckdb_columns()
           where database_name = ? and schema_name = ? and table_name = ?
           order by column_index""",
        [db, schema, name],
    ).fetchall()
    parts = []
    for column, data_type in columns:
        quoted = '"' + column.replace('"', '""') + '"'
        parts.append(f"cast({quoted} as varchar) as {quoted}" if data_type == "JSON" else quoted)
    return ", ".join(parts)


def _copy_comments(con: duckdb.DuckDBPyConnection, db: str) -> None:
    """The published relations' and their columns' COMMENTs (the dbt docs), so BI tools show
    them too. Only those the snapshot lacks are written: a copied file already has its tables'
    (a materialised view, or a rewritten snapshot, has none), and both catalogs are read in
    one query rather than two per relation."""
    for schema, name, column, comment in con.execute(
        """with wanted as (
               select schema_name, table_name as name, null::varchar as column_name, comment
               from duckdb_tables() where database_name = $db
               union all
               select schema_name, view_name, null, comment
               from duckdb_views() where database_name = $db and not internal
               union all
               select schema_name, table_name, column_name, comment
               from duckdb_columns() where database_name = $db),
           present as (
               select schema_name, table_name as name, null::varchar as column_name, comment
               from duckdb_tables() where database_name = $alias
               union all
               select schema_name, table_name, column_name, comment
               from duckdb_columns() where database_name = $alias)
           select w.schema_name, w.name, w.column_name, w.comment
           from wanted w
           join present p
             on p.schema_name = w.schema_name and p.name = w.name
            and p.column_name is not distinct from w.column_name
           where w.comment is not null and w.comment <> ''
             and p.comment is distinct from w.comment
             and w.schema_name in (select unnest($schemas))
           order by all""",
        {"db": db, "alias": _ALIAS, "schemas": list(PUBLISHED_SCHEMAS)},
    ).fetchall():
        target = f'{_ALIAS}."{schema}"."{name}"'
        if column is None:
            con.execute(f"comment on table {target} is {_literal(comment)}")
        else:
            quoted = '"' + column.replace('"', '""') + '"'
            con.execute(f"comment on column {target}.{quoted} is {_literal(comment)}")


def _literal(text: str) -> str:
    """A SQL string literal (COMMENT ON takes no bound parameters)."""
    return "'" + text.replace("'", "''") + "'"


def _expected_counts(
    con: duckdb.DuckDBPyConnection,
    db: str,
    relations: list[tuple[str, str]],
    materialised: dict[tuple[str, str], int],
) -> tuple[int, ...]:
    """The warehouse's row count of each relation: a table's counted, a materialised view's
    as its ``CREATE TABLE AS`` reported (counting the view would compute it a second time,
    seconds over a large warehouse; the read lock keeps the data still in between)."""
    tables = [r for r in relations if r not in materialised]
    counted = dict(zip(tables, _counts(con, db, tables), strict=True))
    return tuple(materialised[r] if r in materialised else counted[r] for r in relations)


def _counts(
    con: duckdb.DuckDBPyConnection, db: str, relations: list[tuple[str, str]]
) -> tuple[int, ...]:
    """Row counts of ``relations`` in database ``db``, in one query."""
    counts = ", ".join(f'(select count(*) from "{db}"."{s}"."{n}")' for s, n in relations)
    return tuple(con.execute(f"select {counts}").fetchall()[0]) if relations else ()


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _remove(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    """Flush the file (or directory entry) so a power cut cannot publish an empty file."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_abandoned_temp_files(target: Path) -> None:
    """Temp files of publishes that were killed (their process is gone) are garbage."""
    for leftover in target.parent.glob(f".{target.name}.publishing-*"):
        pid = leftover.name.rsplit("-", 1)[-1].removesuffix(".wal")
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            leftover.unlink(missing_ok=True)
