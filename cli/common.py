"""What every `smallcap` command shares: consoles, one-line errors, dates, tables."""

import gc
import json
import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, NoReturn

import duckdb
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from contracts.errors import SmallcapError, WarehouseLockedError
from contracts.settings import Settings, get_settings

# piped output (CI logs, `| less`) gets room for the summary tables instead of 80 columns
out = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120)

WarehouseOpt = Annotated[
    Path | None, typer.Option("--warehouse", help="Warehouse file (default from settings).")
]
WaitOpt = Annotated[
    bool,
    typer.Option(
        "--wait",
        help="Wait for a writer's lock (SMALLCAP_LOCK_TIMEOUT_SECONDS) instead of reading the "
        "BI snapshot.",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


# Prefect gives its temporary server 20 s to start; a busy 2-core machine needs more (seen: 17 s
# warm, far more cold), so a one-shot run waits this long unless the user chose a value.
EPHEMERAL_STARTUP_TIMEOUT = "240"
_STARTUP_SETTING = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"


def quiet_prefect() -> None:
    """Telemetry off, our loggers in Prefect's log stream, a start-up timeout that survives a
    slow machine; set before prefect is imported."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault(_STARTUP_SETTING, EPHEMERAL_STARTUP_TIMEOUT)
    os.environ.setdefault(
        "PREFECT_LOGGING_EXTRA_LOGGERS", "sources,expectations,warehouse,transforms,pipeline"
    )
    # those loggers also log outside flow runs (set-up, clean-up); that is not worth a warning
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")


@contextmanager
def collector_paused() -> Iterator[None]:
    """For the flow's imports: they build ~400,000 long-lived objects (GX, Prefect, scipy) and
    next to no garbage, yet CPython's collector walks them all again as they grow (6 full
    collections; 1.0-1.3 s of a one-shot `smallcap run`). What the imports leave unreachable
    is collected once the collector resumes."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def prefect_unreachable(exc: BaseException) -> str | None:
    """One line naming the settings to change when Prefect's API could not be reached."""
    text = str(exc)
    if "ephemeral Prefect API server" in text:
        waited = os.environ.get(_STARTUP_SETTING, "20")
        return (
            f"Prefect's temporary API server did not start within {waited}s; raise "
            f"{_STARTUP_SETTING} or point PREFECT_API_URL at a running server "
            "(`prefect server start`)"
        )
    if "Failed to reach API at" in text:
        url = text.split("Failed to reach API at", 1)[1].strip()
        return f"cannot reach the Prefect API at {url}: start that server or fix PREFECT_API_URL"
    return None


@contextmanager
def prefect_reachable() -> Iterator[None]:
    """Prefect's start-up failures (temporary server too slow, API URL unreachable) as one
    `error:` line naming the setting to change, instead of a traceback."""
    try:
        yield
    except RuntimeError as exc:
        message = prefect_unreachable(exc)
        if message is None:
            raise
        fail(message)


def print_error(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)


def fail(*messages: str) -> NoReturn:
    """One `error:` line per message (e.g. per failed dataset), then exit 1."""
    for message in messages:
        print_error(message)
    raise typer.Exit(EXIT_FAILED)


def usage(message: str) -> NoReturn:
    """A bad argument (not a failed operation): one `error:` line, then exit 2 like Click's own
    usage errors."""
    print_error(message)
    raise typer.Exit(EXIT_USAGE)


def note(message: str) -> None:
    """One line on stderr, so stdout stays the command's output (tables, CSV, JSON)."""
    err.print(f"note: {message}", highlight=False, soft_wrap=True)


def _json_default(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def to_json(doc: object) -> str:
    """Dates as ISO strings, anything else unknown (Decimal, UUID, Path) as its text."""
    return json.dumps(doc, default=_json_default, indent=2)


def print_json(doc: object) -> None:
    typer.echo(to_json(doc))


EXIT_SUCCESS, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3
EXIT_CODES_HELP = "Exit codes: 0 success, 3 partial (some keys failed or the BI snapshot was not \
published), 1 failed, 2 usage error."


def exit_for(status: str) -> None:
    """A run's status as the process's exit code; success returns."""
    if status == "partial":
        raise typer.Exit(EXIT_PARTIAL)
    if status == "failed":
        raise typer.Exit(EXIT_FAILED)


def parse_date(value: str, option: str = "--date") -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        usage(f"{option} {value!r} is not a date (YYYY-MM-DD)")


def print_table(title: str, columns: list[str], rows: list[tuple]) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        # data as plain Text: a value like "[holdings]" is not Rich markup
        table.add_row(*(Text("" if v is None else str(v)) for v in row))
    out.print(table)


@contextmanager
def opened(
    warehouse: Path | None, *, read_only: bool = True, wait: bool = False
) -> Iterator[tuple[Path, duckdb.DuckDBPyConnection]]:
    """The warehouse a command works on (flag, setting, else live if present, else sample),
    opened for the command; a refusal (missing file, lock held) becomes one error line.

    A reader never waits on a writer: when the lock is held it reads the BI snapshot instead
    and says so on stderr; ``wait`` (``--wait``) waits for the lock like a writer does."""
    from warehouse.connection import warehouse as connect

    settings = get_settings(warehouse=warehouse)
    path = settings.warehouse_to_read()
    patient = wait or not read_only
    try:
        with ExitStack() as stack:
            try:
                con = stack.enter_context(
                    connect(
                        path,
                        read_only=read_only,
                        lock_timeout=settings.lock_timeout_seconds if patient else 0,
                    )
                )
            except WarehouseLockedError:
                if patient:
                    raise
                con = stack.enter_context(_snapshot_instead(path, settings))
            yield path, con
    except SmallcapError as exc:
        fail(str(exc))


@contextmanager
def _snapshot_instead(path: Path, settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    from warehouse.connection import warehouse as connect
    from warehouse.publish import published_at

    snapshot = settings.bi_database_for(path)
    if not snapshot.exists():
        raise WarehouseLockedError(
            f"warehouse {path} is locked by a writer and has no BI snapshot yet ({snapshot}); "
            "pass --wait to wait for the writer"
        )
    with connect(snapshot, read_only=True, lock_timeout=settings.lock_timeout_seconds) as con:
        when = published_at(con)
        stamp = f"{when:%Y-%m-%d %H:%M:%S %Z}".strip() if when else "at an unknown time"
        note(
            f"warehouse {path} is locked by a writer; reading its BI snapshot {snapshot} "
            f"published {stamp} (--wait waits for the writer)"
        )
        yield con
