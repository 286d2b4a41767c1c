"""`smallcap export`: marts (core on request) to Parquet/CSV files plus manifest.json."""

from pathlib import Path
from typing import Annotated, Literal

import typer

from cli.common import JsonOpt, WaitOpt, WarehouseOpt, fail, opened, print_table
from contracts.errors import SmallcapError


def export(
    to: Annotated[Path, typer.Option("--to", help="Directory for the files and manifest.json.")],
    fmt: Annotated[
        Literal["parquet", "csv"], typer.Option("--format", help="File format.")
    ] = "parquet",
    tables: Annotated[
        list[str] | None,
        typer.Option(
            "--tables",
            help="Tables to export, repeatable or comma-separated (e.g. core.prices_daily); "
            "default: every mart.",
        ),
    ] = None,
    warehouse: WarehouseOpt = None,
    wait: WaitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Export marts (or the named tables) with a manifest: rows, checksum, file, run id."""
    from warehouse.export import export_tables, resolve_tables

    requested = [name for value in tables or [] for name in value.split(",") if name.strip()]
    try:
        with opened(warehouse, wait=wait) as (path, con):
            names = resolve_tables(con, requested)
            manifest = export_tables(con, to, fmt=fmt, tables=names, warehouse_path=path.resolve())
    except SmallcapError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write to {to}: {exc}")
    if as_json:
        typer.echo(manifest.to_json())
        return
    print_table(
        f"exported {len(manifest.tables)} tables to {to} ({fmt}), run {manifest.run_id}",
        ["table", "rows", "checksum", "file"],
        [(t.table, t.rows, t.checksum[-12:], t.file) for t in manifest.tables],
    )
