"""One run's life in the ledger, whatever its kind (daily, reconcile, backfill, import, release).

Every run kind used to open, time, close and publish on its own, and the copies disagreed (a
backfill whose BI publish failed said `success`). Here it is written once:

1. open the run's row in ``audit.runs`` (flow, source, parameters without secrets, code version);
2. time named stages;
3. close the row exactly once: ``failed`` with the error when our code raised, else the report's
   status (``success``, or ``partial`` when keys failed), with its per-dataset counts;
4. after a run that did not fail, publish the BI snapshot; a publish that fails leaves the data
   loaded and the previous snapshot in place, and turns the run into ``partial`` with the reason;
5. after a publish, write the HTML report from the new snapshot next to it; a report that cannot
   be written is a note (and a warning), never a failed run: the data and snapshot are fine.
   The row then gets what these steps changed and their seconds, once (the snapshot holds the
   row as it closed).
"""

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.settings import Settings
from contracts.version import code_version
from pipeline.abandoned import abandoned
from pipeline.report import RunReport
from warehouse import audit
from warehouse.audit import OpenRun
from warehouse.connection import warehouse
from warehouse.publish import publish_bi
from warehouse.writer_lock import exclusive_writer

log = logging.getLogger(__name__)

Publisher = Callable[[Path, Settings], Any]
Reporter = Callable[[Path, Settings], Path]


def write_html_report(path: Path, settings: Settings) -> Path:
    """The report of ``path``'s freshly published snapshot, at ``settings.report_for(path)``."""
    from report import write_report  # charting imports cost ~1 s; only runs that publish pay

    snapshot = settings.bi_database_for(path)
    result = write_report(
        snapshot,
        settings.report_for(path),
        name=path.stem,
        lock_timeout=settings.lock_timeout_seconds,
        cache_dir=settings.report_cache_dir,
    )
    return result.path


@dataclass
class Run:
    """A run in progress: its report, its stage clock, and whether it ends with a publish."""

    path: Path
    report: RunReport
    flow: str
    settings: Settings
    stage_seconds: dict[str, float] = field(default_factory=dict)
    publish: bool = True

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time ``name`` (added up when a stage runs more than once, e.g. per chunk)."""
        clock = time.monotonic()
        try:
            yield
        finally:
            elapsed = time.monotonic() - clock
            self.stage_seconds[name] = self.stage_seconds.get(name, 0.0) + elapsed


def _close(run: Run, *, status: str, message: str | None) -> None:
    report = run.report
    with warehouse(run.path, lock_timeout=run.settings.lock_timeout_seconds) as con:
        audit.record_failures(con, run_id=report.run_id, failures=report.dataset_failures())
        for entry in report.datasets.values():
            audit.record_dataset(
                con,
                run_id=report.run_id,
                dataset=entry.dataset,
                rows_extracted=entry.rows_extracted,
                rows_loaded=entry.rows_loaded,
                rows_quarantined=entry.rows_quarantined,
                keys_failed=entry.keys_failed,
            )
        audit.finish_run(
            con,
            run_id=report.run_id,
            status=status,
            message=message,
            stage_seconds=run.stage_seconds,
        )


def _restate(run: Run) -> None:
    """Rewrite the closed ledger row once the steps after its close are done: what they changed
    (a failed publish makes the run partial; notes) and their seconds. When it finished stays
    as closed, which is what the published snapshot holds."""
    report = run.report
    with warehouse(run.path, lock_timeout=run.settings.lock_timeout_seconds) as con:
        audit.restate_run(
            con,
            run_id=report.run_id,
            status=report.status,
            message=report.summary(),
            stage_seconds=run.stage_seconds,
        )


def _publish(run: Run, publisher: Publisher) -> bool:
    """Publish, or record why not: the data stays loaded and readers keep the last snapshot."""
    report = run.report
    try:
        with run.stage("publish"):
            result = publisher(run.path, run.settings)
    except Exception as exc:
        report.publish_error = f"{type(exc).__name__}: {exc}"
        report.notes.append(f"BI snapshot not published: {report.publish_error}")
        log.warning("BI snapshot of %s not published: %s", run.path, report.publish_error)
        return False
    if result is not None:
        log.info("published BI snapshot %s in %.2fs", result.path, result.seconds)
    return True


def _write_report(run: Run, reporter: Reporter) -> None:
    """Write the HTML report, or note why not (the run's status does not change)."""
    report = run.report
    try:
        with run.stage("report"):
            report.html_report = str(reporter(run.path, run.settings))
    except Exception as exc:
        report.notes.append(f"HTML report not written: {type(exc).__name__}: {exc}")
        log.warning("HTML report of %s not written: %s: %s", run.path, type(exc).__name__, exc)
        return
    log.info("wrote the HTML report %s", report.html_report)


@contextmanager
def run_lifecycle(
    path: Path,
    report: RunReport,
    *,
    flow: str,
    parameters: Mapping[str, Any],
    settings: Settings,
    publisher: Publisher = publish_bi,
    on_abandoned: Callable[[list[OpenRun]], None] | None = None,
    reporter: Reporter = write_html_report,
) -> Iterator[Run]:
    """Open the ledger row, yield the run, then close and publish it as described above.

    Opening also closes runs whose process was killed outright (``pipeline.abandoned``) and
    tells ``on_abandoned`` (the flows alert on them like on any failed run).

    An exception from the body closes the row as ``failed`` (naming the error) and propagates;
    the snapshot is not published, so BI tools keep the last good one.

    The whole life holds the warehouse's writer lock (``warehouse.writer_lock``): a second run
    on the same file waits for it, so runs never interleave their loads, builds and publishes."""
    with exclusive_writer(path, wait_seconds=settings.writer_wait_seconds):
        with warehouse(path, lock_timeout=settings.lock_timeout_seconds) as con:
            gone = abandoned(audit.open_runs(con))
            audit.close_abandoned(con, gone)
            audit.start_run(
                con,
                run_id=report.run_id,
                flow=flow,
                source=report.source,
                run_date=report.run_date,
                parameters=parameters,
                code_version=code_version(),
            )
        for lost in gone:
            log.warning(
                "closed abandoned run %s (%s, started %s)", lost.run_id, lost.flow, lost.started_at
            )
        if gone and on_abandoned is not None:
            on_abandoned(gone)
        run = Run(path=path, report=report, flow=flow, settings=settings)
        try:
            yield run
        except BaseException as exc:
            reason = f"{type(exc).__name__}: {exc}"
            summary = report.summary()
            try:
                _close(run, status="failed", message=f"{summary}; {reason}" if summary else reason)
            except Exception:  # the original error is the one worth reporting
                log.exception("could not close the ledger row of failed run %s", report.run_id)
            raise
        _close(run, status=report.status, message=report.summary())
        if report.status != "failed" and run.publish:
            if _publish(run, publisher):
                _write_report(run, reporter)
            _restate(run)
