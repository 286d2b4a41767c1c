"""Quarantine operations: see what was rejected, release rows that now pass, purge old rows.

Release exists because suites change (a threshold was too strict, a holiday was missing from the
calendar): the rejected rows are re-validated with the current suites and those that pass are
loaded through the normal loader, so they get the same merge, revision tracking and audit rows
as any load. Per dataset, loading the passing rows, removing them from quarantine and updating
the reason of the rows that still fail is one transaction: a row is never both loaded and still
quarantined, nor lost in between.
"""

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from smallcap.datasets import DATASETS, Dataset
from smallcap.errors import ConfigError
from warehouse import audit
from warehouse.loader import load_batch

RELEASE_FLOW = "quarantine-release"


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


@dataclass
class ReleaseResult:
    run_id: str
    released: dict[str, int] = field(default_factory=dict)
    still_failing: dict[str, int] = field(default_factory=dict)

    @property
    def total_released(self) -> int:
        return sum(self.released.values())


def release(
    con: duckdb.DuckDBPyConnection,
    *,
    run_date: date,
    dataset: str | None = None,
    ids: Sequence[int] | None = None,
    code_version: str | None = None,
) -> ReleaseResult:
    """Re-validate the selected rows (``ids``, else every row) and load those that pass.

    The release is a run in the ledger (flow 'quarantine-release'): released rows carry its
    run_id, so lineage stays queryable.
    """
    from expectations.runner import validate_batch  # GX is slow to import; only needed here

    result = ReleaseResult(run_id=f"{RELEASE_FLOW}-{uuid.uuid4()}")
    kind = con.execute(
        "select value from audit.warehouse_info where name = 'source_kind'"
    ).fetchall()
    audit.start_run(
        con,
        run_id=result.run_id,
        flow=RELEASE_FLOW,
        source=kind[0][0] if kind else "unknown",
        run_date=run_date,
        parameters={"dataset": dataset, "ids": list(ids) if ids is not None else "all"},
        code_version=code_version,
    )
    try:
        for ds in datasets_for(dataset):
            where, params = _where(ids=ids)
            stored = con.execute(
                f"select * from {table_for(ds)} where {where} order by quarantine_id", params
            ).df()
            if stored.empty:
                continue
            outcome = validate_batch(
                ds, stored[list(ds.columns)], run_date=run_date, expect_rows=False
            )
            failing = set(outcome.failed_rows)
            passed_ids = [int(i) for p, i in enumerate(stored["quarantine_id"]) if p not in failing]
            new_reasons = [
                (reason, int(stored["quarantine_id"].iloc[p]))
                for p, reason in zip(
                    outcome.failed_rows, outcome.quarantined["reason"], strict=True
                )
            ]

            def settle(con, ds=ds, passed_ids=passed_ids, new_reasons=new_reasons) -> None:
                table = table_for(ds)
                if passed_ids:
                    con.execute(
                        f"delete from {table} where quarantine_id in (select unnest(?::bigint[]))",
                        [passed_ids],
                    )
                if new_reasons:
                    con.executemany(
                        f"update {table} set reason = ? where quarantine_id = ?", new_reasons
                    )

            load_batch(
                con,
                ds,
                outcome.valid,
                outcome.quarantined.iloc[:0],
                run_id=result.run_id,
                validations=outcome.results,
                before_commit=settle,
            )
            result.released[ds.name] = len(passed_ids)
            result.still_failing[ds.name] = len(new_reasons)
    except Exception as exc:
        audit.finish_run(con, run_id=result.run_id, status="failed", message=str(exc))
        raise
    audit.finish_run(
        con,
        run_id=result.run_id,
        status="success",
        message=json.dumps({"released": result.released, "still_failing": result.still_failing}),
    )
    return result


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
