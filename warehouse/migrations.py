"""Numbered SQL migrations applied in order at connect and recorded: old files upgrade in place."""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from contracts.errors import WarehouseError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()[:16]


def available_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise WarehouseError(f"migration file {path.name} is not named NNN_description.sql")
        found.append(Migration(int(match.group(1)), path.stem, path.read_text()))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise WarehouseError(f"duplicate migration numbers in {directory}")
    return found


@dataclass(frozen=True)
class MigrationStatus:
    version: int
    name: str
    state: str  # 'applied', 'pending', or 'changed' (applied, but its file differs since)
    applied_at: datetime | None


def _applied(con: duckdb.DuckDBPyConnection) -> dict[int, tuple[str, datetime]]:
    """version -> (checksum, applied_at) of the migrations recorded in this warehouse."""
    exists = con.execute(
        """select count(*) from information_schema.tables
           where table_schema = 'audit' and table_name = 'schema_migrations'"""
    ).fetchall()[0][0]
    if not exists:
        return {}
    rows = con.execute("select version, checksum, applied_at from audit.schema_migrations")
    return {version: (checksum, at) for version, checksum, at in rows.fetchall()}


def migration_status(
    con: duckdb.DuckDBPyConnection, directory: Path = MIGRATIONS_DIR
) -> list[MigrationStatus]:
    """Every migration file with its state in this warehouse (works on a read-only connection)."""
    applied = _applied(con)
    out = []
    for migration in available_migrations(directory):
        if migration.version not in applied:
            out.append(MigrationStatus(migration.version, migration.name, "pending", None))
            continue
        checksum, at = applied[migration.version]
        state = "applied" if checksum == migration.checksum else "changed"
        out.append(MigrationStatus(migration.version, migration.name, state, at))
    return out


def _refuse_changed(con: duckdb.DuckDBPyConnection, directory: Path) -> None:
    """An applied migration must never change: the warehouse was built by the old text, so a
    new text would silently describe a schema the file does not have."""
    changed = [s.name for s in migration_status(con, directory) if s.state == "changed"]
    if changed:
        raise WarehouseError(
            f"applied migration {', '.join(changed)} changed since it was applied to this "
            "warehouse; restore the file and add the change as a new numbered migration"
        )


def applied_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    con.execute("create schema if not exists audit")
    con.execute(
        """create table if not exists audit.schema_migrations (
            version integer primary key, name varchar not null, checksum varchar not null,
            applied_at timestamptz not null default now())"""
    )
    return {row[0] for row in con.execute("select version from audit.schema_migrations").fetchall()}


def apply_migrations(
    con: duckdb.DuckDBPyConnection, *, up_to: int | None = None, directory: Path = MIGRATIONS_DIR
) -> list[int]:
    """Apply each missing migration in its own transaction; returns the versions applied.
    Refuses a warehouse where an applied migration's file has changed since."""
    done = applied_versions(con)
    _refuse_changed(con, directory)
    applied = []
    for migration in available_migrations(directory):
        if migration.version in done or (up_to is not None and migration.version > up_to):
            continue
        con.execute("begin transaction")
        try:
            con.execute(migration.sql)
            con.execute(
                "insert into audit.schema_migrations (version, name, checksum) values (?, ?, ?)",
                [migration.version, migration.name, migration.checksum],
            )
            con.execute("commit")
        except duckdb.Error as exc:
            con.execute("rollback")
            raise WarehouseError(f"migration {migration.name} failed: {exc}") from exc
        applied.append(migration.version)
    return applied
