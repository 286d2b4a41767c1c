"""Per-table content checksums that two warehouses share exactly when they hold the same rows.

Used to prove that a resumed backfill equals a clean one, that a migration kept every row, and
in export manifests. Run-specific bookkeeping (which run wrote a row, when, its quarantine
sequence number) is left out, so two runs that loaded the same data compare equal. The sum of
per-row hashes does not depend on row order, and unlike an XOR it does not cancel duplicates.
Doubles are hashed at 12 significant digits: mart window aggregates may differ in the last bit
with thread scheduling, which is not a difference in content. Checksums come from DuckDB's
``hash``, so compare them only between files read by the same DuckDB version.
"""

from collections.abc import Collection
from typing import NamedTuple

import duckdb

# schemas whose tables hold data (audit holds per-run bookkeeping, staging/intermediate views)
CHECKSUM_SCHEMAS = ("core", "mart", "quarantine")
RUN_SPECIFIC_COLUMNS = frozenset({"run_id", "loaded_at", "quarantined_at", "quarantine_id"})
_FLOAT_TYPES = frozenset({"DOUBLE", "FLOAT", "REAL"})


class TableChecksum(NamedTuple):
    rows: int
    checksum: str


def base_tables(
    con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] = CHECKSUM_SCHEMAS
) -> list[str]:
    """The base tables (not views) of ``schemas``, as schema.table, sorted."""
    placeholders = ", ".join("?" for _ in schemas)
    rows = con.execute(
        f"""select table_schema || '.' || table_name from information_schema.tables
            where table_schema in ({placeholders}) and table_type = 'BASE TABLE'
              and table_catalog = current_database()
            order by 1""",
        list(schemas),
    ).fetchall()
    return [name for (name,) in rows]


def _typed_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    schema, name = table.split(".")
    return con.execute(
        """select column_name, data_type from information_schema.columns
           where table_schema = ? and table_name = ? and table_catalog = current_database()
           order by column_name""",
        [schema, name],
    ).fetchall()


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The columns of ``table`` (schema.table) in name order."""
    return [column for column, _ in _typed_columns(con, table)]


def _row_expression(
    con: duckdb.DuckDBPyConnection, table: str, only: Collection[str] | None
) -> str:
    columns = _typed_columns(con, table)
    parts = [
        f"""printf('%.12g', "{column}")""" if kind in _FLOAT_TYPES else f'"{column}"'
        for column, kind in columns
        if column not in RUN_SPECIFIC_COLUMNS and (only is None or column in only)
    ]
    return f"hash({', '.join(parts)})" if parts else "0"


def table_checksum(
    con: duckdb.DuckDBPyConnection, table: str, *, columns: Collection[str] | None = None
) -> TableChecksum:
    """Row count and order-independent content hash of one table (a name from base_tables),
    over ``columns`` only when given (a migration that adds a column keeps the others')."""
    expression = _row_expression(con, table, columns)
    rows, total = con.execute(
        f"select count(*), coalesce(sum({expression}::hugeint), 0) from {table}"
    ).fetchall()[0]
    return TableChecksum(int(rows), f"{int(total) % (1 << 128):032x}")


def table_checksums(
    con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...] = CHECKSUM_SCHEMAS
) -> dict[str, TableChecksum]:
    """``{schema.table: (rows, checksum)}`` for every data table of ``schemas``."""
    return {table: table_checksum(con, table) for table in base_tables(con, schemas)}
