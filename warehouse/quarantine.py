"""The quarantine tables: what was rejected, selected by id or age, and purged.

Releasing rows (re-validate, load those that pass) is a run and lives in
``pipeline.quarantine``; this module only reads and deletes quarantine rows.
"""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from contracts.datasets import DATASETS, Dataset
from contracts.errors import ConfigError


def table_for(dataset: Dataset) -> str:
    """quarantine.<dataset>: the closed set of quarantine tables, one per dataset."""
    return f"quarantine.{dataset.name}"


def datasets_for(name: str | None) -> list[Dataset]:
    if name is None:
        return list(DATASETS.values())
    if name not in DATASETS:
        raise ConfigError(f"unknown dataset {name!r}; choose from {', '.join(DATASETS)}")
    return [DATASETS[name]]


def _where(
    *, ids: Sequence[int] | None = None, before: date | datetime | None = None
) -> tuple[str, list[Any]]:
    conditions, params = ["true"], []
    if ids is not None:
        conditions.append("quarantine_id in (select unnest(?::bigint[]))")
        params.append(list(ids))
    if before is not None:
        conditions.append("quarantined_at < ?")
        params.append(before)
    return " and ".join(conditions), params


def summary(
    con: duckdb.DuckDBPyConnection, dataset: str | None = None
) -> list[tuple[str, str, int, datetime, datetime]]:
    """(dataset, reason, rows, first quarantined, last quarantined), most rows first."""
    out = []
    for ds in datasets_for(dataset):
        out += [
            (ds.name, *row)
            for row in con.execute(
                f"""select reason, count(*), min(quarantined_at), max(quarantined_at)
                    from {table_for(ds)} group by reason"""
            ).fetchall()
        ]
    return sorted(out, key=lambda r: (-r[2], r[0], r[1]))


def rows(
    con: duckdb.DuckDBPyConnection, dataset: str | None = None, *, limit: int = 20
) -> dict[str, pd.DataFrame]:
    """The newest ``limit`` quarantined rows per dataset, as stored."""
    return {
        ds.name: con.execute(
            f"select * from {table_for(ds)} order by quarantined_at desc, quarantine_id desc "
            "limit ?",
            [limit],
        ).df()
        for ds in datasets_for(dataset)
    }


def selected(
    con: duckdb.DuckDBPyConnection, dataset: Dataset, ids: Sequence[int] | None = None
) -> pd.DataFrame:
    """The rows of ``ids`` (every row when None) of one dataset's quarantine, oldest first."""
    where, params = _where(ids=ids)
    return con.execute(
        f"select * from {table_for(dataset)} where {where} order by quarantine_id", params
    ).df()


def settle(
    con: duckdb.DuckDBPyConnection,
    dataset: Dataset,
    *,
    released_ids: Sequence[int],
    new_reasons: Sequence[tuple[str, int]],
) -> None:
    """Drop released rows and store the current reason of rows that still fail; called inside
    the load's transaction, so a row is never both loaded and still quarantined."""
    table = table_for(dataset)
    if released_ids:
        con.execute(
            f"delete from {table} where quarantine_id in (select unnest(?::bigint[]))",
            [list(released_ids)],
        )
    if new_reasons:
        con.executemany(f"update {table} set reason = ? where quarantine_id = ?", new_reasons)


def purge(
    con: duckdb.DuckDBPyConnection,
    *,
    dataset: str | None = None,
    before: date | None = None,
    ids: Sequence[int] | None = None,
    dry_run: bool = False,
) -> dict[str, int]:
    """Delete the selected quarantined rows (all of them when no filter), in one transaction;
    with ``dry_run`` only count them."""
    where, params = _where(ids=ids, before=before)
    counts = {}
    con.execute("begin transaction")
    try:
        for ds in datasets_for(dataset):
            table = table_for(ds)
            counts[ds.name] = con.execute(
                f"select count(*) from {table} where {where}", params
            ).fetchall()[0][0]
            if not dry_run and counts[ds.name]:
                con.execute(f"delete from {table} where {where}", params)
        con.execute("rollback" if dry_run else "commit")
    except Exception:
        con.execute("rollback")
        raise
    return counts
