"""`smallcap`: run the pipeline, inspect and query the warehouse; errors are one clear line."""

import atexit
import gc
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import duckdb
import typer

from cli.backfill import backfill
from cli.common import (
    EXIT_CODES_HELP,
    JsonOpt,
    WaitOpt,
    WarehouseOpt,
    collector_paused,
    err,
    exit_for,
    fail,
    note,
    opened,
    out,
    parse_date,
    prefect_reachable,
    print_error,
    print_json,
    print_table,
    quiet_prefect,
)
from cli.config import config
from cli.docs import docs
from cli.export import export
from cli.formats import Format, default_format, render
from cli.imports import import_file
from cli.migrate import migrate
from cli.progress import extraction_progress
from cli.quarantine import quarantine_app
from cli.report import report
from cli.restore import restore
from cli.server import server_app
from contracts.calendar import last_complete_day
from contracts.errors import SmallcapError, first_line
from contracts.inputs import check_run_date
from contracts.settings import get_settings
from contracts.universe import load_universe
from contracts.version import code_version
from pipeline.report import RunFailed, RunReport
from warehouse.connection import make_folder

app = typer.Typer(
    no_args_is_help=True,
    help=f"smallcap-etl: small vs large caps, Yahoo and FRED to DuckDB marts. {EXIT_CODES_HELP}",
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"smallcap-etl {version('smallcap-etl')} (git {code_version() or 'unknown'})")
        raise typer.Exit()


@app.callback()
def _main(
    _: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Package version and git revision."
        ),
    ] = False,
) -> None:
    """smallcap-etl: small vs large caps, Yahoo and FRED to DuckDB marts."""


@app.command()
def run(
    sample: Annotated[
        bool, typer.Option("--sample", help="Use the offline sample source.")
    ] = False,
    run_date: Annotated[str | None, typer.Option("--date", help="Run date YYYY-MM-DD.")] = None,
    warehouse: WarehouseOpt = None,
    full_refresh: Annotated[
        bool,
        typer.Option(
            "--full-refresh",
            help="Rebuild every mart whole instead of the days that changed.",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Run the daily flow once (extract, validate, load, transform, publish, report) and print
    a summary ending with the HTML report's path."""
    day = parse_date(run_date) if run_date else None
    try:  # refuse bad values before Prefect starts
        if day is not None:
            check_run_date(day, source="sample" if sample else "live", what="--date")
        settings = get_settings(warehouse=warehouse)
        load_universe(settings.universe_path)
        make_folder(settings.warehouse_for("sample" if sample else "live").parent)
    except SmallcapError as exc:
        fail(str(exc))
    quiet_prefect()
    try:  # importing the flow picks its task runner from the settings, which may be invalid
        with collector_paused():
            from flows.daily import daily_etl
            from flows.local_server import one_shot_api
    except SmallcapError as exc:
        fail(str(exc))

    source = "sample" if sample else "live"
    try:
        with (
            prefect_reachable(),
            one_shot_api(keep_server=settings.keep_prefect_server) as api_note,
            extraction_progress(err if as_json else out),
        ):
            if api_note:
                note(api_note)
            report = daily_etl(
                run_date=day,
                source=source,
                warehouse=str(warehouse) if warehouse else None,
                full_refresh=full_refresh,
            )
    except RunFailed as exc:
        _print_report(exc.report, as_json)
        fail(*exc.report.errors)
    except SmallcapError as exc:
        fail(str(exc))
    _print_report(report, as_json)
    exit_for(report.status)


def _print_report(report: RunReport, as_json: bool = False) -> None:
    if as_json:
        print_json(report.to_dict())
        return
    rows = [
        (
            d.dataset,
            d.rows_extracted,
            d.rows_loaded,
            d.rows_changed,
            d.rows_quarantined,
            d.revisions,
            d.keys_failed,
        )
        for d in report.datasets.values()
    ]
    print_table(
        f"run {report.run_date} ({report.source}) -> {report.warehouse}: {report.status}",
        ["dataset", "extracted", "loaded", "changed", "quarantined", "revisions", "keys failed"],
        rows,
    )
    if report.latest_discounts:
        print_table(
            "latest P/E discount of small vs large caps",
            ["pair", "date", "discount", "z-score (252d)"],
            [
                (f"{s}/{lg}", d, f"{disc:.1%}", None if z is None else f"{z:.2f}")
                for s, lg, d, disc, z in report.latest_discounts
            ],
        )
    _print_lookthrough(report.lookthrough)
    for text in report.notes:
        out.print(f"note: {text}")
    for line in report.bad_input():
        out.print(line, highlight=False, soft_wrap=True)
    if report.html_report:
        out.print(f"report: {report.html_report}", highlight=False, soft_wrap=True)


def _print_lookthrough(funds: list[dict]) -> None:
    """Each fund's latest look-through: how much of it is quoted, and why a figure is missing."""
    if not funds:
        return
    columns = ["fund", "date", "constituents", "unmapped", "unquoted"]
    print_table(
        "look-through coverage (latest per fund)",
        [*columns, "coverage", "forward P/E", "note"],
        [
            (
                *(f[c] for c in columns),
                f"{f['coverage_weight']:.1%}",
                None if f["forward_pe"] is None else f"{f['forward_pe']:.1f}",
                f["note"],
            )
            for f in funds
        ],
    )


def _gaps(days: list[date], shown: int = 5) -> str:
    """The missing sessions themselves, so a user sees which days the next run will fetch."""
    if not days:
        return "none"
    more = f" (+{len(days) - shown} more)" if len(days) > shown else ""
    return f"{len(days)}: {', '.join(str(d) for d in days[:shown])}{more}"


@app.command()
def status(
    as_json: JsonOpt = False,
    warehouse: WarehouseOpt = None,
    wait: WaitOpt = False,
) -> None:
    """Recent runs, and per dataset and key the last loaded date and any gaps."""
    from pipeline.abandoned import sweep
    from warehouse.status import key_ranges, latest_lookthrough, price_gaps, recent_runs

    closed = sweep(get_settings(warehouse=warehouse).warehouse_to_read())
    if closed:
        from flows.alerts import notify_abandoned
        from flows.local_server import one_shot_api

        with one_shot_api():  # an alert block lives on the Prefect server runs use
            notify_abandoned(closed)
        for run in closed:
            err.print(f"note: closed abandoned run {run.run_id} ({run.flow})", highlight=False)
    with opened(warehouse, wait=wait) as (path, con):
        runs = recent_runs(con)
        ranges = key_ranges(con)
        gaps = price_gaps(con, last_complete_day())
        lookthrough = latest_lookthrough(con)
    for entry in ranges["prices"]:
        entry["gaps"] = gaps.get(entry["key"], [])
    doc = {
        "warehouse": str(path),
        # absolute: BI connection strings need it; the flow publishes there after each run
        "bi_database": str(get_settings().bi_database_for(path.resolve())),
        "runs": runs,
        "datasets": ranges,
        "lookthrough": lookthrough,
    }
    if as_json:
        print_json(doc)
        return
    print_table(
        f"recent runs in {path}",
        ["run_id", "source", "run_date", "status", "message"],
        [(r["run_id"][:8], r["source"], r["run_date"], r["status"], r["message"]) for r in runs],
    )
    for name, entries in ranges.items():
        print_table(
            f"{name}: latest dates",
            ["key", "first", "last", "rows", "gaps"],
            [
                (e["key"], e["first_date"], e["last_date"], e["rows"], _gaps(e.get("gaps", [])))
                for e in entries
            ],
        )
    _print_lookthrough(lookthrough)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="A read-only SQL query.")],
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format",
            help="table, csv, json or markdown (default: table on a terminal, else csv).",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", help="Write the result to FILE, not stdout.")
    ] = None,
    warehouse: WarehouseOpt = None,
    wait: WaitOpt = False,
) -> None:
    """Run a read-only query against the warehouse and print the result."""
    try:
        with opened(warehouse, wait=wait) as (_, con):
            cur = con.execute(query)
            columns = [d[0] for d in cur.description or []]
            rows = cur.fetchall()
    except duckdb.Error as exc:
        fail(f"query failed: {first_line(exc)}")
    chosen = fmt or (Format.csv if output else default_format())
    if chosen is Format.table and output is None:
        print_table("", columns, rows)
        return
    text = render(chosen, columns, rows, width=out.width)
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {output}: {exc}")


@app.command()
def serve(
    limit: Annotated[
        int | None, typer.Option("--limit", help="Most flow runs at once in this process.")
    ] = None,
) -> None:
    """Serve prefect.yaml's deployments and schedules from this process (no work pool needed).

    Runs daily, reconcile and backfill from one long-running process; stop it with Ctrl-C."""
    quiet_prefect()
    try:
        from flows.local_server import one_shot_api
        from flows.serve import serve_all

        with prefect_reachable(), one_shot_api() as api_note:
            if api_note:
                note(api_note)
            serve_all(limit=limit)
    except SmallcapError as exc:
        fail(str(exc))


app.command()(backfill)
app.command()(export)
app.command()(migrate)
app.command(name="import")(import_file)
app.command()(docs)
app.command()(report)
app.command()(restore)
app.command()(config)
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(server_app, name="server")


def main() -> None:
    """The console script: any expected failure a command did not handle is one error line.

    CPython's garbage collections at shutdown walk every object the imports created (GX,
    Prefect, scipy): 1.3-1.9 s of a one-shot `smallcap run`. Frozen at exit, after the exit
    handlers that Prefect registers later (atexit is LIFO), they are left for the OS to reclaim;
    nothing waits on them: connections, locks and files are closed by their context managers
    before. Only the console script does this, not a process that imports the CLI (tests)."""
    atexit.register(gc.freeze)
    try:
        app()
    except SmallcapError as exc:
        print_error(str(exc))
        sys.exit(1)
