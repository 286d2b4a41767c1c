"""Query results as a table (terminals), CSV (pipes), JSON or Markdown, for `smallcap sql`."""

import csv
import io
import sys
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import TextIO

from rich.console import Console
from rich.table import Table


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


def default_format(stream: TextIO = sys.stdout) -> Format:
    """A person at a terminal gets a table; a pipe or file gets CSV (`| cat` prints plain rows)."""
    return Format.table if stream.isatty() else Format.csv


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    return str(value)


def _json_value(value: object) -> object:
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)


def render(fmt: Format, columns: list[str], rows: list[tuple], *, width: int | None) -> str:
    """The whole result as text in ``fmt``; JSON is a list of objects, one per row."""
    if fmt is Format.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_text(v) for v in row] for row in rows)
        return buffer.getvalue()
    if fmt is Format.json:
        import json

        records = [{c: _json_value(v) for c, v in zip(columns, row, strict=True)} for row in rows]
        return json.dumps(records, indent=2) + "\n"
    if fmt is Format.markdown:
        cell = lambda v: _text(v).replace("|", "\\|").replace("\n", " ")  # noqa: E731
        lines = ["| " + " | ".join(cell(c) for c in columns) + " |"]
        lines.append("|" + "---|" * len(columns))
        lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
        return "\n".join(lines) + "\n"
    table = Table(title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(_text(v) for v in row))
    console = Console(file=io.StringIO(), width=width or 120, force_terminal=False)
    console.print(table)
    return console.file.getvalue()  # type: ignore[attr-defined]
