"""`smallcap quarantine list|show|release|purge`: operate on rows that failed validation."""

from datetime import date, datetime, time
from typing import Annotated

import typer

from cli.common import (
    JsonOpt,
    WaitOpt,
    WarehouseOpt,
    exit_for,
    fail,
    opened,
    out,
    parse_date,
    print_json,
    print_table,
    usage,
)
from contracts.datasets import DATASETS
from contracts.errors import SmallcapError
from contracts.settings import get_settings

quarantine_app = typer.Typer(
    no_args_is_help=True, help="Inspect, release (re-validate and load) or purge quarantined rows."
)

DatasetOpt = Annotated[
    str | None,
    typer.Option("--dataset", help="prices, fundamentals, sector_weights or rates (default all)."),
]
IdsOpt = Annotated[
    list[str] | None,
    typer.Option("--ids", help="quarantine_id values, repeatable or comma-separated."),
]


def _ids(values: list[str] | None) -> list[int] | None:
    if not values:
        return None
    try:
        return [int(v) for value in values for v in value.split(",") if v.strip()]
    except ValueError:
        usage(f"--ids {values} must be integers (quarantine_id values from `show`)")


@quarantine_app.command("list")
def list_(
    dataset: DatasetOpt = None,
    warehouse: WarehouseOpt = None,
    wait: WaitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Quarantined rows per dataset and reason."""
    from warehouse.quarantine import summary

    with opened(warehouse, wait=wait) as (path, con):
        found = summary(con, dataset)
    if as_json:
        keys = ("dataset", "reason", "rows", "first", "last")
        print_json([dict(zip(keys, row, strict=True)) for row in found])
        return
    print_table(
        f"quarantine in {path}: {sum(r[2] for r in found)} rows",
        ["dataset", "reason", "rows", "first", "last"],
        found,
    )


@quarantine_app.command()
def show(
    dataset: DatasetOpt = None,
    limit: Annotated[int, typer.Option("--limit", help="Rows per dataset.")] = 20,
    warehouse: WarehouseOpt = None,
    wait: WaitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """The newest quarantined rows with their reason and quarantine_id."""
    from warehouse.quarantine import rows

    with opened(warehouse, wait=wait) as (_, con):
        frames = rows(con, dataset, limit=limit)
    if as_json:
        print_json(
            {
                name: [
                    {k: _json_cell(v) for k, v in row.items()} for row in frame.to_dict("records")
                ]
                for name, frame in frames.items()
            }
        )
        return
    for name, frame in frames.items():
        if frame.empty:
            continue
        key = list(DATASETS[name].key)
        values = DATASETS[name].value_columns
        print_table(
            f"quarantine.{name}",
            ["quarantine_id", *key, "values", "reason"],
            [
                (
                    row["quarantine_id"],
                    *(_cell(row[k]) for k in key),
                    ", ".join(f"{c}={_cell(row[c])}" for c in values),
                    row["reason"],
                )
                for _, row in frame.iterrows()
            ],
        )


def _json_cell(value: object) -> object:
    """NaN (pandas' missing number) as null; dates as text, like the table shows them."""
    if isinstance(value, float) and value != value:
        return None
    return _cell(value) if isinstance(value, datetime) else value


def _cell(value: object) -> str:
    """Dates without a midnight time, so a row stays readable in a narrow terminal."""
    if isinstance(value, datetime) and value.time() == time(0):  # pandas Timestamps too
        return value.date().isoformat()
    return str(value)


@quarantine_app.command()
def release(
    dataset: DatasetOpt = None,
    ids: IdsOpt = None,
    all_rows: Annotated[bool, typer.Option("--all", help="Every quarantined row.")] = False,
    warehouse: WarehouseOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-validate rows with today's suites; load those that pass and rebuild the marts."""
    chosen = _ids(ids)
    if (chosen is None) == (not all_rows):
        usage("pass either --ids ... or --all")
    from pipeline.quarantine import release as release_rows

    settings = get_settings(warehouse=warehouse)
    try:
        report = release_rows(
            settings.warehouse_to_read(),
            settings=settings,
            run_date=date.today(),
            dataset=dataset,
            ids=chosen,
        )
    except SmallcapError as exc:
        fail(str(exc))
    if as_json:
        print_json(report.to_dict())
        exit_for(report.status)
        return
    print_table(
        f"release {report.run_id}: {report.status}",
        ["dataset", "released (loaded)", "still failing"],
        [(d.dataset, d.rows_loaded, d.rows_quarantined) for d in report.datasets.values()],
    )
    for note in report.notes:
        out.print(f"note: {note}", soft_wrap=True)
    exit_for(report.status)


@quarantine_app.command()
def purge(
    dataset: DatasetOpt = None,
    before: Annotated[
        str | None, typer.Option("--before", help="Rows quarantined before YYYY-MM-DD.")
    ] = None,
    ids: IdsOpt = None,
    yes: Annotated[bool, typer.Option("--yes", help="Really delete.")] = False,
    warehouse: WarehouseOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete quarantined rows (all, or --before a date, or --ids); needs --yes."""
    from warehouse.quarantine import purge as purge_rows

    chosen = _ids(ids)
    cutoff = parse_date(before, "--before") if before else None
    with opened(warehouse, read_only=False) as (_, con):
        counts = purge_rows(con, dataset=dataset, before=cutoff, ids=chosen, dry_run=not yes)
    total = sum(counts.values())
    verb = "deleted" if yes else "would delete"
    if as_json:
        print_json({"deleted" if yes else "would_delete": counts, "total": total})
    else:
        print_table(f"{verb} {total} quarantined rows", ["dataset", "rows"], counts.items())
    if not yes and total:
        fail("nothing deleted: pass --yes to delete these rows")
