"""What every `smallcap` command shares: consoles, one-line errors, dates, tables."""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from smallcap.errors import SmallcapError
from smallcap.settings import get_settings

# piped output (CI logs, `| less`) gets room for the summary tables instead of 80 columns
out = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120)

WarehouseOpt = Annotated[
    Path | None, typer.Option("--warehouse", help="Warehouse file (default from settings).")
]


def quiet_prefect() -> None:
    """Telemetry off, our loggers in Prefect's log stream; set before prefect is imported."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "sources,warehouse,expectations")
    # those loggers also log outside flow runs (set-up, clean-up); that is not worth a warning
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")


def print_error(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)


def fail(*messages: str) -> NoReturn:
    """One `error:` line per message (e.g. per failed dataset), then exit 1."""
    for message in messages:
        print_error(message)
    raise typer.Exit(1)


def parse_date(value: str, option: str = "--date") -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} {value!r} is not a date (YYYY-MM-DD)")


def print_table(title: str, columns: list[str], rows: list[tuple]) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    out.print(table)


@contextmanager
def opened(
    warehouse: Path | None, *, read_only: bool = True
) -> Iterator[tuple[Path, duckdb.DuckDBPyConnection]]:
    """The warehouse a command works on (flag, setting, else live if present, else sample),
    opened for the command; a refusal (missing file, lock held) becomes one error line."""
    from warehouse.connection import warehouse as connect

    settings = get_settings(warehouse=warehouse)
    path = settings.warehouse_to_read()
    try:
        with connect(path, read_only=read_only, lock_timeout=settings.lock_timeout_seconds) as con:
            yield path, con
    except SmallcapError as exc:
        fail(str(exc))
