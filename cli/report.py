"""`smallcap report`: the marts as one self-contained HTML file."""

from pathlib import Path
from typing import Annotated

import typer

from cli.common import JsonOpt, WaitOpt, WarehouseOpt, fail, note, opened, print_json
from contracts.errors import SmallcapError
from contracts.settings import get_settings


def report(
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out", help="HTML file to write (default: warehouse/reports/<warehouse name>.html)."
        ),
    ] = None,
    warehouse: WarehouseOpt = None,
    wait: WaitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Write the report (P/E discount, flows, relative performance, returns after cuts, policy
    path, holdings) as one HTML file that opens offline; print its path."""
    from report.page import render, write

    settings = get_settings(warehouse=warehouse)
    try:
        with opened(warehouse, wait=wait) as (path, con):
            page = render(con, name=path.stem, cache_dir=settings.report_cache_dir)
        target = out_file or settings.report_for(path)
        write(page, target)
    except SmallcapError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write the report: {exc}")
    if as_json:
        print_json(
            {
                "report": str(target),
                "bytes": target.stat().st_size,
                "charts": page.charts,
                "missing": page.missing,
            }
        )
        return
    for key, reason in page.missing.items():
        note(f"{key}: no data: {reason}")
    typer.echo(str(target))
