"""`smallcap backfill`: history in resumable chunks, with a progress bar."""

from typing import Annotated

import duckdb
import typer

from cli.common import JsonOpt, WarehouseOpt, err, exit_for, fail, out, parse_date, print_json
from contracts.errors import SmallcapError, first_line
from contracts.settings import get_settings


def backfill(
    start: Annotated[str, typer.Option("--start", help="First day YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--end", help="Last day YYYY-MM-DD (inclusive).")],
    tickers: Annotated[
        list[str] | None,
        typer.Option("--tickers", help="Tickers, repeated or comma-separated (default: universe)."),
    ] = None,
    datasets: Annotated[
        list[str] | None,
        typer.Option(
            "--datasets",
            help="prices, fundamentals, rates; repeated or comma-separated (default: all).",
        ),
    ] = None,
    sample: Annotated[
        bool, typer.Option("--sample", help="Use the offline sample source.")
    ] = False,
    warehouse: WarehouseOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Load history from --start to --end in resumable chunks; after a crash, re-run it.

    Runs without Prefect (no server start); `flows/backfill.py` is the orchestrated variant.
    """
    import uuid

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from pipeline.backfill import ChunkResult, plan_backfill, run_backfill

    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    names = [t.strip().upper() for raw in tickers or [] for t in raw.split(",") if t.strip()]
    groups = [d.strip().lower() for raw in datasets or [] for d in raw.split(",") if d.strip()]
    source = "sample" if sample else "live"
    settings = get_settings(warehouse=warehouse)
    path = settings.warehouse_for(source)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    console = err if as_json else out  # with --json, stdout holds only the JSON document
    loaded: dict[str, int] = {}
    try:
        chosen = None if tickers is None else names  # an empty --tickers is refused
        plan = plan_backfill(
            first,
            last,
            settings=settings,
            tickers=chosen,
            source=source,
            datasets=groups or None,
        )
        api_key = None
        if source == "live" and "rates" in plan.groups:
            from flows.secrets import fred_api_key

            api_key = fred_api_key(settings)
        for note in plan.notes:
            console.print(f"note: {note}", soft_wrap=True)
        with Progress(*columns, console=console) as progress:
            bar = progress.add_task("chunks", total=len(plan.chunks))

            def started(done: int) -> None:
                progress.console.print(
                    f"backfill {plan.backfill_id}: {len(plan.chunks)} chunks ({done} already "
                    f"done), at most {plan.requests} requests, for {first}..{last} into {path}",
                    soft_wrap=True,
                    highlight=False,
                )

            def advanced(result: ChunkResult) -> None:
                for name, rows in result.rows.items():
                    loaded[name] = loaded.get(name, 0) + rows
                progress.update(bar, advance=1, description=result.chunk.name)

            report = run_backfill(
                path,
                plan,
                run_id=str(uuid.uuid4()),
                settings=settings,
                api_key=api_key,
                on_start=started,
                on_chunk=advanced,
            ).report
    except SmallcapError as exc:
        fail(str(exc))
    except duckdb.Error as exc:
        fail(f"backfill into {path} failed: {first_line(exc)}; re-run to resume")
    if as_json:
        print_json({**report.to_dict(), "backfill_id": plan.backfill_id, "loaded": loaded})
        exit_for(report.status)
        return
    summary = ", ".join(f"{rows} {name}" for name, rows in loaded.items()) or "nothing new"
    out.print(f"backfill done: loaded {summary}; marts rebuilt", highlight=False, soft_wrap=True)
    for note in report.notes:
        if note not in plan.notes:
            out.print(f"note: {note}", soft_wrap=True)
    if report.status != "success":
        out.print(f"status: {report.status}", highlight=False)
    if report.html_report:
        out.print(f"report: {report.html_report}", highlight=False, soft_wrap=True)
    exit_for(report.status)
