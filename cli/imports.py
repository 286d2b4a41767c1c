"""`smallcap import`: a vendor's history file through the daily run's validation and ledger."""

from pathlib import Path
from typing import Annotated

import duckdb
import typer

from cli.common import WarehouseOpt, exit_for, fail, out, usage
from contracts.calendar import new_york_today
from contracts.errors import ConfigError, SmallcapError
from contracts.settings import get_settings


def import_file(
    dataset: Annotated[
        str, typer.Option("--dataset", help="What the file holds: prices, fundamentals or rates.")
    ],
    file: Annotated[Path, typer.Option("--file", help="A CSV or Parquet file.")],
    ticker: Annotated[
        str | None, typer.Option("--ticker", help="The ticker, when the file does not name it.")
    ] = None,
    series: Annotated[
        str | None,
        typer.Option("--series", help="The FRED series, when the file does not name it."),
    ] = None,
    source_name: Annotated[
        str, typer.Option("--source-name", help="Stored as every row's source, e.g. bloomberg.")
    ] = "import",
    warehouse: WarehouseOpt = None,
) -> None:
    """Load a history file (a FRED or Yahoo download, or the core table's own columns) like a
    daily run: validated, quarantined, merged with revisions, in audit.runs as flow 'import';
    then rebuild the marts and publish the BI snapshot. Importing a file again changes nothing."""
    from pipeline.imports import reader_for, run_import
    from sources.files import FileRequest

    try:
        reader, key = reader_for(dataset, {"--ticker": ticker, "--series": series})
    except ConfigError as exc:
        usage(str(exc))
    settings = get_settings(warehouse=warehouse)
    path = settings.warehouse_for("sample" if source_name == "sample" else "live")
    request = FileRequest(file, key=key, source_name=source_name)
    try:
        report = run_import(
            path, dataset, request, settings=settings, run_date=new_york_today(), reader=reader
        )
    except ConfigError as exc:  # the file, its key or an option does not fit the dataset
        usage(str(exc))
    except SmallcapError as exc:
        fail(str(exc))
    except duckdb.Error as exc:
        fail(f"import into {path} failed: {str(exc).splitlines()[0]}")
    for entry in report.datasets.values():
        out.print(
            f"{entry.dataset}: {entry.rows_loaded} rows valid ({entry.rows_changed} new or "
            f"changed, {entry.revisions} revisions), {entry.rows_quarantined} quarantined",
            highlight=False,
            soft_wrap=True,
        )
    for note in report.notes:
        out.print(f"note: {note}", highlight=False, soft_wrap=True)
    out.print(f"import {report.status}: {file} -> {path}; marts rebuilt", highlight=False)
    exit_for(report.status)
