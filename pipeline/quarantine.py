"""Release quarantined rows: re-validate them with today's suites and load those that pass.

Suites change (a threshold was too strict, a holiday was missing from the calendar), so rejected
rows get a second chance through the normal loader: the same merge, revision tracking and audit
rows as any load. Per dataset, loading the passing rows, removing them from quarantine and
updating the reason of the rows that still fail is one transaction. The release is a run like
any other (flow 'quarantine-release' in the ledger, marts rebuilt, BI snapshot published).
"""

import uuid
from collections.abc import Sequence
from datetime import date
from functools import partial
from pathlib import Path

from contracts.settings import Settings
from expectations.runner import validate_batch
from pipeline import steps
from pipeline.lifecycle import run_lifecycle
from pipeline.report import RunReport
from warehouse import quarantine
from warehouse.connection import warehouse
from warehouse.loader import load_batch, stored_source_kind
from warehouse.lookthrough import rows_to_load

RELEASE_FLOW = "quarantine-release"


def release(
    path: Path,
    *,
    settings: Settings,
    run_date: date,
    dataset: str | None = None,
    ids: Sequence[int] | None = None,
) -> RunReport:
    """Re-validate the selected rows (``ids``, else every row) and load those that pass; per
    dataset the report counts released rows as loaded and still-failing ones as quarantined."""
    with warehouse(path, read_only=True, lock_timeout=settings.lock_timeout_seconds) as con:
        source = stored_source_kind(con) or "unknown"
    report = RunReport(
        run_id=f"{RELEASE_FLOW}-{uuid.uuid4()}",
        source=source,
        run_date=run_date,
        warehouse=str(path),
    )
    parameters = {"dataset": dataset, "ids": list(ids) if ids is not None else "all"}
    with run_lifecycle(
        path, report, flow=RELEASE_FLOW, parameters=parameters, settings=settings
    ) as run:
        with run.stage("release"):
            for ds in quarantine.datasets_for(dataset):
                _release_dataset(path, ds, ids=ids, report=report, settings=settings)
        released = sum(d.rows_loaded for d in report.datasets.values())
        run.publish = released > 0
        if released:
            with run.stage("transform"):
                steps.transform(
                    path, report=report, settings=settings, full_refresh="a quarantine release"
                )
    return report


def _release_dataset(path, ds, *, ids, report: RunReport, settings: Settings) -> None:
    with warehouse(path, lock_timeout=settings.lock_timeout_seconds) as con:
        stored = quarantine.selected(con, ds, ids)
        if stored.empty:
            return
        outcome = validate_batch(
            ds, stored[list(ds.columns)], run_date=report.run_date, expect_rows=False
        )
        failing = set(outcome.failed_rows)
        released_ids = [int(i) for p, i in enumerate(stored["quarantine_id"]) if p not in failing]
        new_reasons = [
            (reason, int(stored["quarantine_id"].iloc[p]))
            for p, reason in zip(outcome.failed_rows, outcome.quarantined["reason"], strict=True)
        ]
        load_batch(
            con,
            ds,
            rows_to_load(con, ds.name, outcome.valid),
            outcome.quarantined.iloc[:0],
            run_id=report.run_id,
            validations=outcome.results,
            before_commit=partial(
                quarantine.settle, dataset=ds, released_ids=released_ids, new_reasons=new_reasons
            ),
        )
    entry = report.dataset(ds.name)
    entry.rows_extracted = len(stored)
    entry.rows_loaded = len(released_ids)
    entry.rows_quarantined = len(new_reasons)
