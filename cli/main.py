"""`smallcap`: run the pipeline, inspect and query the warehouse; errors are one clear line."""

import json
import sys
from datetime import date, datetime
from typing import Annotated

import duckdb
import typer

from cli.backfill import backfill
from cli.common import (
    EXIT_CODES_HELP,
    WarehouseOpt,
    exit_for,
    fail,
    opened,
    out,
    parse_date,
    prefect_reachable,
    print_error,
    print_table,
    quiet_prefect,
)
from cli.docs import docs
from cli.export import export
from cli.quarantine import quarantine_app
from contracts.calendar import last_complete_day
from contracts.errors import SmallcapError
from contracts.settings import get_settings
from contracts.universe import load_universe
from pipeline.report import RunFailed

app = typer.Typer(
    no_args_is_help=True,
    help=f"smallcap-etl: small vs large caps, Yahoo and FRED to DuckDB marts. {EXIT_CODES_HELP}",
    add_completion=False,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
)


@app.command()
def run(
    sample: Annotated[
        bool, typer.Option("--sample", help="Use the offline sample source.")
    ] = False,
    run_date: Annotated[str | None, typer.Option("--date", help="Run date YYYY-MM-DD.")] = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Run the daily flow once (extract, validate, load, transform) and print a summary."""
    day = parse_date(run_date) if run_date else None
    try:
        load_universe(get_settings(warehouse=warehouse).universe_path)  # before Prefect starts
    except SmallcapError as exc:
        fail(str(exc))
    quiet_prefect()
    try:  # importing the flow picks its task runner from the settings, which may be invalid
        from flows.daily import daily_etl
    except SmallcapError as exc:
        fail(str(exc))

    source = "sample" if sample else "live"
    try:
        with prefect_reachable():
            report = daily_etl(
                run_date=day, source=source, warehouse=str(warehouse) if warehouse else None
            )
    except RunFailed as exc:
        _print_report(exc.report)
        fail(*exc.report.errors)
    except SmallcapError as exc:
        fail(str(exc))
    _print_report(report)
    exit_for(report.status)


def _print_report(report) -> None:
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
    for note in report.notes:
        out.print(f"note: {note}")


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


def _json_default(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _gaps(days: list[date], shown: int = 5) -> str:
    """The missing sessions themselves, so a user sees which days the next run will fetch."""
    if not days:
        return "none"
    more = f" (+{len(days) - shown} more)" if len(days) > shown else ""
    return f"{len(days)}: {', '.join(str(d) for d in days[:shown])}{more}"


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    warehouse: WarehouseOpt = None,
) -> None:
    """Recent runs, and per dataset and key the last loaded date and any gaps."""
    from warehouse.status import key_ranges, latest_lookthrough, price_gaps, recent_runs

    with opened(warehouse) as (path, con):
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
        typer.echo(json.dumps(doc, default=_json_default, indent=2))
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
    warehouse: WarehouseOpt = None,
) -> None:
    """Run a read-only query against the warehouse and print the result."""
    try:
        with opened(warehouse) as (_, con):
            cur = con.execute(query)
            columns = [d[0] for d in cur.description or []]
            rows = cur.fetchall()
    except duckdb.Error as exc:
        fail(f"query failed: {str(exc).splitlines()[0]}")
    print_table("", columns, rows)


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
        from flows.serve import serve_all

        with prefect_reachable():
            serve_all(limit=limit)
    except SmallcapError as exc:
        fail(str(exc))


app.command()(backfill)
app.command()(export)
app.command()(docs)
app.add_typer(quarantine_app, name="quarantine")


def main() -> None:
    """The console script: any expected failure a command did not handle is one error line."""
    try:
        app()
    except SmallcapError as exc:
        print_error(str(exc))
        sys.exit(1)
