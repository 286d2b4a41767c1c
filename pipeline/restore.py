"""`smallcap restore`: the one-command recovery from a damaged warehouse.

Storage does the copy (``warehouse.restore``); this adds what makes the result a warehouse like
any other: the writer lock, the marts rebuilt by dbt, and a ledger row (flow 'restore') whose
publish refreshes the BI snapshot and the HTML report.
"""

import uuid
from datetime import date
from pathlib import Path

from contracts.settings import Settings
from pipeline import steps
from pipeline.lifecycle import run_lifecycle
from pipeline.report import RunReport
from warehouse.connection import warehouse
from warehouse.loader import stored_source_kind
from warehouse.restore import RestoreResult, restore_from_snapshot
from warehouse.writer_lock import exclusive_writer

RESTORE_FLOW = "restore"


def restore(
    path: Path, *, settings: Settings, run_date: date, snapshot: Path | None = None
) -> tuple[RestoreResult, RunReport]:
    """Restore ``path`` from ``snapshot`` (default: its published BI snapshot), then rebuild
    the marts in a run of its own."""
    source = snapshot or settings.bi_database_for(path)
    with exclusive_writer(path, wait_seconds=settings.writer_wait_seconds):
        result = restore_from_snapshot(path, source)
        with warehouse(path, read_only=True) as con:
            kind = stored_source_kind(con) or "unknown"
        report = RunReport(
            run_id=f"{RESTORE_FLOW}-{uuid.uuid4()}",
            source=kind,
            run_date=run_date,
            warehouse=str(path),
        )
        parameters = {"snapshot": str(source)}
        with (
            run_lifecycle(
                path, report, flow=RESTORE_FLOW, parameters=parameters, settings=settings
            ) as run,
            run.stage("transform"),
        ):
            steps.transform(path, report=report, settings=settings, full_refresh="a restore")
    return result, report
