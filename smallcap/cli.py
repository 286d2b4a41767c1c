"""`smallcap`: run the pipeline, inspect and query the warehouse; errors are one clear line."""

import json
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from smallcap.errors import SmallcapError
from smallcap.settings import get_settings
from smallcap.universe import load_universe

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
)
# piped output (CI logs, `| less`) gets room for the summary tables instead of 80 columns
out = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120)

WarehouseOpt = Annotated[
    Path | None, typer.Option("--warehouse", help="Warehouse file (default from settings).")
]


def _quiet_prefect() -> None:
    """Telemetry off, our loggers in Prefect's log stream; set before prefect is imported."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "sources,warehouse,expectations")


def _fail(*messages: str) -> None:
    """One `error:` line per message (e.g. per failed dataset), then exit 1."""
    for message in messages:
        err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"--date {value!r} is not a date (YYYY-MM-DD)")
    return None


def _print_table(title: str, columns: list[str], rows: list[tuple]) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    out.print(table)


@app.command()
def run(
    sample: Annotated[
        bool, typer.Option("--sample", help="Use the offline sample source.")
    ] = False,
    run_date: Annotated[str | None, typer.Option("--date", help="Run date YYYY-MM-DD.")] = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Run the daily flow once (extract, validate, load, transform) and print a summary."""
    day = _parse_date(run_date)
    try:
        load_universe(get_settings(warehouse=warehouse).universe_path)  # before Prefect starts
    except SmallcapError as exc:
        _fail(str(exc))
    _quiet_prefect()
    from flows.daily import RunFailed, daily_etl

    source = "sample" if sample else "live"
    try:
        report = daily_etl(
            run_date=day, source=source, warehouse=str(warehouse) if warehouse else None
        )
    except RunFailed as exc:
        _print_report(exc.report)
        _fail(*exc.report.errors)
    except SmallcapError as exc:
        _fail(str(exc))
    _print_report(report)


def _iso_date(option: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} {value!r} is not a date (YYYY-MM-DD)")
    raise AssertionError("unreachable")


@app.command()
def backfill(
    start: Annotated[str, typer.Option("--start", help="First day YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--end", help="Last day YYYY-MM-DD (inclusive).")],
    tickers: Annotated[
        list[str] | None,
        typer.Option("--tickers", help="Tickers, repeated or comma-separated (default: universe)."),
    ] = None,
    sample: Annotated[
        bool, typer.Option("--sample", help="Use the offline sample source.")
    ] = False,
    warehouse: WarehouseOpt = None,
) -> None:
    """Load history for [start, end] in resumable chunks; after a crash, re-run the same command.

    Runs without Prefect (no server start); `flows/backfill.py` is the orchestrated variant.
    """
    import uuid

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from smallcap.backfill import ChunkResult, plan_backfill, run_backfill
    from smallcap.version import code_version

    first, last = _iso_date("--start", start), _iso_date("--end", end)
    names = [t.strip().upper() for raw in tickers or [] for t in raw.split(",") if t.strip()]
    source = "sample" if sample else "live"
    settings = get_settings(warehouse=warehouse)
    path = settings.warehouse_for(source)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    loaded: dict[str, int] = {}
    try:
        plan = plan_backfill(first, last, settings=settings, tickers=names or None, source=source)
        api_key = None
        if source == "live":
            from flows.secrets import fred_api_key

            api_key = fred_api_key(settings)
        for note in plan.notes:
            out.print(f"note: {note}", soft_wrap=True)
        with Progress(*columns, console=out) as progress:
            bar = progress.add_task("chunks", total=len(plan.chunks))

            def started(done: int) -> None:
                progress.console.print(
                    f"backfill {plan.backfill_id}: {len(plan.chunks)} chunks ({done} already "
                    f"done) for {first}..{last} into {path}",
                    soft_wrap=True,
                    highlight=False,
                )

            def advanced(result: ChunkResult) -> None:
                for name, rows in result.rows.items():
                    loaded[name] = loaded.get(name, 0) + rows
                progress.update(bar, advance=1, description=result.chunk.name)

            run_backfill(
                path,
                plan,
                run_id=str(uuid.uuid4()),
                settings=settings,
                api_key=api_key,
                code_version=code_version(),
                on_start=started,
                on_chunk=advanced,
            )
    except SmallcapError as exc:
        _fail(str(exc))
    except duckdb.Error as exc:
        _fail(f"backfill into {path} failed: {str(exc).splitlines()[0]}; re-run to resume")
    summary = ", ".join(f"{rows} {name}" for name, rows in loaded.items()) or "nothing new"
    out.print(f"backfill done: loaded {summary}; marts rebuilt", highlight=False, soft_wrap=True)


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
    _print_table(
        f"run {report.run_date} ({report.source}) -> {report.warehouse}: {report.status}",
        ["dataset", "extracted", "loaded", "changed", "quarantined", "revisions", "keys failed"],
        rows,
    )
    if report.latest_discounts:
        _print_table(
            "latest P/E discount of small vs large caps",
            ["pair", "date", "discount", "z-score (252d)"],
            [
                (f"{s}/{lg}", d, f"{disc:.1%}", None if z is None else f"{z:.2f}")
                for s, lg, d, disc, z in report.latest_discounts
            ],
        )
    for note in report.notes:
        out.print(f"note: {note}")


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
    from warehouse.connection import warehouse as connect
    from warehouse.status import key_ranges, price_gaps, recent_runs

    settings = get_settings(warehouse=warehouse)
    path = settings.warehouse_to_read()
    try:
        with connect(path, read_only=True, lock_timeout=settings.lock_timeout_seconds) as con:
            runs = recent_runs(con)
            ranges = key_ranges(con)
            gaps = price_gaps(con, date.today())
    except SmallcapError as exc:
        _fail(str(exc))
    for entry in ranges["prices"]:
        entry["gaps"] = gaps.get(entry["key"], [])
    doc = {
        "warehouse": str(path),
        # absolute: BI connection strings need it; the flow publishes there after each run
        "bi_database": str(settings.bi_database_for(path.resolve())),
        "runs": runs,
        "datasets": ranges,
    }
    if as_json:
        typer.echo(json.dumps(doc, default=_json_default, indent=2))
        return
    _print_table(
        f"recent runs in {path}",
        ["run_id", "source", "run_date", "status", "message"],
        [(r["run_id"][:8], r["source"], r["run_date"], r["status"], r["message"]) for r in runs],
    )
    for name, entries in ranges.items():
        _print_table(
            f"{name}: latest dates",
            ["key", "first", "last", "rows", "gaps"],
            [
                (e["key"], e["first_date"], e["last_date"], e["rows"], _gaps(e.get("gaps", [])))
                for e in entries
            ],
        )


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="A read-only SQL query.")],
    warehouse: WarehouseOpt = None,
) -> None:
    """Run a read-only query against the warehouse and print the result."""
    from warehouse.connection import warehouse as connect

    settings = get_settings(warehouse=warehouse)
    path = settings.warehouse_to_read()
    try:
        with connect(path, read_only=True, lock_timeout=settings.lock_timeout_seconds) as con:
            cur = con.execute(query)
            columns = [d[0] for d in cur.description or []]
            rows = cur.fetchall()
    except SmallcapError as exc:
        _fail(str(exc))
    except duckdb.Error as exc:
        _fail(f"query failed: {str(exc).splitlines()[0]}")
    _print_table("", columns, rows)


@app.command()
def serve(
    limit: Annotated[
        int | None, typer.Option("--limit", help="Most flow runs at once in this process.")
    ] = None,
) -> None:
    """Serve prefect.yaml's deployments (daily, reconcile, backfill) and their schedules from
    this process, for machines without a work pool; stop with Ctrl-C."""
    _quiet_prefect()
    from flows.serve import serve_all

    try:
        serve_all(limit=limit)
    except SmallcapError as exc:
        _fail(str(exc))


# operations commands in their own modules (imported last: they use the helpers above)
from smallcap.cli_export import export  # noqa: E402
from smallcap.cli_quarantine import quarantine_app  # noqa: E402

app.command()(export)
app.add_typer(quarantine_app, name="quarantine")
