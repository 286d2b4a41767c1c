"""`smallcap import`: a vendor's history file through the daily run's validation and ledger."""

from pathlib import Path
from typing import Annotated

import duckdb
import typer

from cli.common import WarehouseOpt, exit_for, fail, out, parse_date, usage
from contracts.calendar import new_york_today
from contracts.errors import ConfigError, SmallcapError, first_line
from contracts.settings import get_settings
from pipeline.report import RunReport


def import_file(
    dataset: Annotated[
        str,
        typer.Option(
            "--dataset", help="What the file holds: prices, fundamentals, rates or holdings."
        ),
    ],
    file: Annotated[Path, typer.Option("--file", help="A CSV or Parquet file.")],
    ticker: Annotated[
        str | None, typer.Option("--ticker", help="The ticker, when the file does not name it.")
    ] = None,
    series: Annotated[
        str | None,
        typer.Option("--series", help="The FRED series, when the file does not name it."),
    ] = None,
    fund: Annotated[
        str | None,
        typer.Option("--fund", help="The fund whose issuer holdings file this is (holdings)."),
    ] = None,
    asof: Annotated[
        str | None,
        typer.Option(
            "--asof", help="Holdings date YYYY-MM-DD, for files without 'Fund Holdings as of'."
        ),
    ] = None,
    source_name: Annotated[
        str, typer.Option("--source-name", help="Stored as every row's source, e.g. bloomberg.")
    ] = "import",
    warehouse: WarehouseOpt = None,
) -> None:
    """Load a history file (a FRED or Yahoo download, or the core table's own columns) like a
    daily run: validated, quarantined, merged with revisions, in audit.runs as flow 'import';
    then rebuild the marts and publish the BI snapshot. Importing a file again changes nothing.
    A saved issuer holdings file (--dataset holdings --fund F) builds look-through history."""
    from pipeline.imports import reader_for, run_import
    from sources.files import FileRequest

    if dataset == "holdings":
        _import_holdings(file, fund, asof, ticker=ticker, series=series, warehouse=warehouse)
        return
    if fund is not None or asof is not None:
        usage(f"--fund and --asof apply to --dataset holdings, not {dataset}")
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
        fail(f"import into {path} failed: {first_line(exc)}")
    _finish(report, file, path)


def _import_holdings(
    file: Path,
    fund: str | None,
    asof: str | None,
    *,
    ticker: str | None,
    series: str | None,
    warehouse: Path | None,
) -> None:
    from pipeline.holdings_import import import_holdings

    if fund is None:
        usage("--dataset holdings needs --fund (e.g. --fund IVV)")
    if ticker is not None or series is not None:
        usage("--ticker and --series do not apply to --dataset holdings (use --fund)")
    day = parse_date(asof) if asof else None
    settings = get_settings(warehouse=warehouse)
    path = settings.warehouse_for("live")
    try:
        report = import_holdings(
            path, fund=fund.strip().upper(), file=file, asof=day, settings=settings
        )
    except ConfigError as exc:
        usage(str(exc))
    except SmallcapError as exc:
        fail(str(exc))
    _finish(report, file, path)


def _finish(report: RunReport, file: Path, path: Path) -> None:
    """Per dataset what was loaded, the notes, the outcome line; exit with the run's status."""
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
