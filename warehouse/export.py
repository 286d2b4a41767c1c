"""Export marts (and core tables on request) to Parquet or CSV files with a manifest.

The manifest lets a consumer check what it received without opening the warehouse: per table the
row count, the content checksum (the same `warehouse.checksums` value that compares warehouses),
the file, and the run that produced the data. Table names are resolved against the warehouse's
own catalog, so a user string only ever selects from that closed set; it is never interpolated.
"""

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import duckdb

from contracts.errors import ConfigError
from warehouse.checksums import base_tables, table_checksum

Format = Literal["parquet", "csv"]
EXPORTABLE_SCHEMAS: tuple[str, ...] = ("mart", "core")
DEFAULT_SCHEMA = "mart"
_COPY_OPTIONS: dict[str, str] = {"parquet": "format parquet", "csv": "format csv, header true"}
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ExportedTable:
    table: str
    rows: int
    checksum: str
    file: str
    sha256: str


@dataclass
class Manifest:
    format: str
    warehouse: str
    exported_at: str
    run_id: str | None
    run_status: str | None
    tables: list[ExportedTable] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def resolve_tables(con: duckdb.DuckDBPyConnection, requested: Sequence[str] = ()) -> list[str]:
    """The catalog's names for ``requested`` ('mart.pe_spread_daily' or 'pe_spread_daily');
    every mart when nothing is requested."""
    available = base_tables(con, EXPORTABLE_SCHEMAS)
    if not requested:
        return [t for t in available if t.startswith(f"{DEFAULT_SCHEMA}.")]
    chosen: list[str] = []
    for name in requested:
        wanted = name.strip().lower()
        matches = [t for t in available if wanted in (t, t.split(".", 1)[1])]
        if len(matches) != 1:
            raise ConfigError(
                f"cannot export {name!r}: "
                + ("ambiguous, " if matches else "no such table, ")
                + f"choose from {', '.join(available)}"
            )
        if matches[0] not in chosen:
            chosen.append(matches[0])
    return chosen


def latest_run(con: duckdb.DuckDBPyConnection) -> tuple[str | None, str | None]:
    """The most recent run that loaded data (success or partial), which the export reflects."""
    rows = con.execute(
        """select run_id, status from audit.runs where status in ('success', 'partial')
           order by coalesce(finished_at, started_at) desc limit 1"""
    ).fetchall()
    return (rows[0][0], rows[0][1]) if rows else (None, None)


def export_tables(
    con: duckdb.DuckDBPyConnection,
    directory: Path,
    *,
    fmt: Format,
    tables: Sequence[str],
    warehouse_path: Path,
) -> Manifest:
    """Write each table (names from ``resolve_tables``) to ``directory`` and the manifest last,
    each file via a temporary name and a rename, so a reader never picks up a partial file."""
    if fmt not in _COPY_OPTIONS:
        raise ConfigError(f"unknown export format {fmt!r}; use parquet or csv")
    known = set(base_tables(con, EXPORTABLE_SCHEMAS))
    unknown = [t for t in tables if t not in known]
    if unknown:
        raise ConfigError(f"not exportable: {unknown}; resolve names with resolve_tables first")
    directory.mkdir(parents=True, exist_ok=True)
    run_id, run_status = latest_run(con)
    manifest = Manifest(
        format=fmt,
        warehouse=str(warehouse_path),
        exported_at=datetime.now(UTC).isoformat(timespec="seconds"),
        run_id=run_id,
        run_status=run_status,
    )
    for table in tables:
        target = directory / f"{table}.{fmt}"
        tmp = target.with_name(f".{target.name}.tmp")
        literal = str(tmp).replace("'", "''")
        relation = ".".join(f'"{part}"' for part in table.split(".", 1))
        # rows sorted so that exporting the same data twice gives identical files
        con.execute(
            f"copy (select * from {relation} order by all) to '{literal}' ({_COPY_OPTIONS[fmt]})"
        )
        os.replace(tmp, target)
        rows, checksum = table_checksum(con, table)
        manifest.tables.append(ExportedTable(table, rows, checksum, target.name, _sha256(target)))
    tmp = directory / f".{MANIFEST}.tmp"
    tmp.write_text(manifest.to_json() + "\n")
    os.replace(tmp, directory / MANIFEST)
    return manifest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
