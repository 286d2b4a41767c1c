"""`smallcap migrate`: apply pending migrations, or list every migration's state (--status)."""

import json
from typing import Annotated

import typer

from cli.common import WarehouseOpt, fail, opened, print_table
from contracts.errors import SmallcapError


def migrate(
    status: Annotated[
        bool, typer.Option("--status", help="List applied, pending and changed migrations.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    warehouse: WarehouseOpt = None,
) -> None:
    """Apply the pending migrations (every writer also does at connect), or with --status list
    each migration: applied, pending, or changed (its file differs from what was applied,
    which the warehouse refuses)."""
    from warehouse.migrations import migration_status

    try:
        if not status:
            with opened(warehouse, read_only=False):
                pass  # a writer's connect applies what is pending, refusing changed files
        with opened(warehouse) as (path, con):
            states = migration_status(con)
    except SmallcapError as exc:
        fail(str(exc))
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "version": s.version,
                        "name": s.name,
                        "state": s.state,
                        "applied_at": s.applied_at.isoformat() if s.applied_at else None,
                    }
                    for s in states
                ],
                indent=2,
            )
        )
        return
    print_table(
        f"migrations of {path}",
        ["version", "name", "state", "applied at"],
        [(f"{s.version:03d}", s.name, s.state, s.applied_at) for s in states],
    )
    if any(s.state == "changed" for s in states):
        fail("an applied migration changed: restore it and add the change as a new migration")
