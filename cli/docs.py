"""`smallcap docs`: dbt's docs site (lineage graph, every model, source and column with its
description and units) for a warehouse, as one self-contained HTML file."""

from pathlib import Path
from typing import Annotated

import typer

from cli.common import WarehouseOpt, fail, out
from contracts.errors import SmallcapError
from contracts.settings import get_settings


def docs(
    to: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Directory for index.html; default: <warehouse dir>/docs/<stem>/."
        ),
    ] = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Build the dbt docs site of the warehouse's models and print the path of its index.html."""
    from transforms.build import generate_docs

    path = get_settings(warehouse=warehouse).warehouse_to_read()
    if not path.exists():
        fail(f"warehouse {path} does not exist yet: run `smallcap run` first")
    index = (to or path.parent / "docs" / path.stem) / "index.html"
    try:
        generate_docs(path, index)
    except SmallcapError as exc:
        fail(str(exc))
    out.print(str(index.resolve()))
