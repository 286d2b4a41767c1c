"""Numbered SQL migrations applied in order at connect and recorded: old files upgrade in place."""

import hashlib
import re
from dataclasses import dataclass
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
    """Apply each missing migration in its own transaction; returns the versions applied."""
    done = applied_versions(con)
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
