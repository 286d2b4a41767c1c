"""`smallcap restore`: rebuild a damaged warehouse from its last BI snapshot."""

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cli.common import JsonOpt, WarehouseOpt, exit_for, fail, note, print_json
from contracts.errors import SmallcapError
from contracts.settings import get_settings


def restore(
    snapshot: Annotated[
        Path | None,
        typer.Option("--snapshot", help="Snapshot to restore from (default: the published one)."),
    ] = None,
    warehouse: WarehouseOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rebuild the warehouse from its BI snapshot after a full disk, a corrupted file or a lost
    volume: the damaged file is moved aside (never deleted), the stored tables copied back and
    the marts rebuilt; the next run fetches what was loaded after the snapshot."""
    from pipeline.restore import restore as restore_warehouse

    settings = get_settings(warehouse=warehouse)
    path = settings.warehouse_to_read()
    try:
        result, report = restore_warehouse(
            path, settings=settings, run_date=date.today(), snapshot=snapshot
        )
    except SmallcapError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot restore {path}: {exc}")
    published = result.published_at.isoformat() if result.published_at else "unknown"
    if as_json:
        print_json(
            {
                "warehouse": str(result.path),
                "snapshot": str(result.snapshot),
                "snapshot_published_at": published,
                "moved_aside": str(result.moved_aside) if result.moved_aside else None,
                "rows": result.rows,
                "status": report.status,
            }
        )
    else:
        if result.moved_aside is not None:
            note(f"the damaged file is kept as {result.moved_aside}")
        typer.echo(
            f"restored {result.path} from {result.snapshot} (published {published}): "
            f"{sum(result.rows.values())} rows in {len(result.rows)} tables; marts rebuilt"
        )
    exit_for(report.status)
