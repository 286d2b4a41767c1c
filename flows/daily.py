"""The daily run: extract -> validate -> load -> transform -> audit, wired as Prefect tasks.

Extraction and validation fan out on the task runner; loads stay sequential (one writer).
"""

import time
import uuid
from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.concurrency.sync import concurrency
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run
from prefect.states import Completed, State

from contracts.calendar import new_york_today
from contracts.datasets import EXTRACTION_GROUPS
from contracts.errors import SmallcapError
from contracts.settings import Settings, get_settings
from flows import alerts
from flows.budget import shared_request_budgets
from flows.progress import log_each_key
from flows.runners import build_task_runner
from flows.secrets import fred_api_key
from flows.writer import writer_slot
from pipeline import corporate_actions, steps
from pipeline.lifecycle import run_lifecycle
from pipeline.report import RunFailed, RunReport
from sources import dispatch
from sources.extraction import Extraction, failed_batch, merge

# a batch extracts with its breaker off (a failed share of keys never reaches 2): the breaker
# judges the whole group when the batches are merged
_BREAKER_OFF = {"max_failure_ratio": 2.0}
# a batch's windows and the future of its extract task
_Batch = tuple[steps.Windows, PrefectFuture[Extraction]]


@task(name="prepare", cache_policy=NO_CACHE)
def prepare_task(
    path: Path, source: str, run_date: date, settings: Settings, overlap_days: int | None = None
) -> steps.Plan:
    return steps.prepare(
        path, source=source, run_date=run_date, settings=settings, overlap_days=overlap_days
    )


@task(name="extract", cache_policy=NO_CACHE, task_run_name="extract-{group}-{batch}")
def extract_task(
    group: str,
    batch: int,
    source: str,
    windows: steps.Windows,
    run_date: date,
    settings: Settings,
    meta_series: list[str],
) -> Extraction:
    """One batch of one group (``batch`` numbers it in the task's name), drawing on the same
    request budget as every other batch (``flows.budget``); ``meta_series``: the FRED series
    whose metadata is due (``Plan.series_meta``)."""
    key = fred_api_key(settings) if group == "rates" and source != "sample" else None
    with log_each_key(), shared_request_budgets(settings):
        return dispatch.extract_group(
            group,
            source,
            windows,
            run_date=run_date,
            settings=settings,
            api_key=key,
            meta_series=meta_series,
        )


@task(name="refetch-corporate-actions", cache_policy=NO_CACHE)
def refetch_task(
    path: Path, extraction: Extraction, source: str, run_date: date, settings: Settings
) -> Extraction:
    """Full history for tickers with a new dividend or split, so adj_close stays consistent."""
    with shared_request_budgets(settings):
        result, windows = corporate_actions.refetch_after_actions(
            path, extraction, source=source, run_date=run_date, settings=settings
        )
    for ticker, (start, end) in windows.items():
        get_run_logger().info("%s: new dividend/split, refetched %s..%s", ticker, start, end)
    return result


@task(name="validate", cache_policy=NO_CACHE, task_run_name="validate-{dataset}")
def validate_task(dataset: str, extraction: Extraction, run_date: date, settings: Settings):
    return steps.validate(dataset, extraction, run_date=run_date, settings=settings)


@task(name="load", cache_policy=NO_CACHE, task_run_name="load-{dataset}")
def load_task(path, dataset, outcome, extraction, run_id, report, settings) -> None:
    steps.load(path, dataset, outcome, extraction, run_id=run_id, report=report, settings=settings)
    entry = report.dataset(dataset)
    get_run_logger().info(
        "%s: loaded %d rows (%d changed, %d revisions), quarantined %d, %d keys failed",
        dataset,
        entry.rows_loaded,
        entry.rows_changed,
        entry.revisions,
        entry.rows_quarantined,
        entry.keys_failed,
    )


@task(name="transform", cache_policy=NO_CACHE)
def transform_task(
    path: Path, report: RunReport, settings: Settings, full_refresh: str | None = None
) -> None:
    for model in steps.transform(path, report=report, settings=settings, full_refresh=full_refresh):
        get_run_logger().info(
            "built %s %s (%d rows) in %.2fs",
            model.materialized,
            model.relation,
            model.rows,
            model.seconds,
        )


@task(name="data-docs", cache_policy=NO_CACHE)
def data_docs_task(report: RunReport, settings: Settings) -> None:
    """Non-fatal: the data is loaded whether or not its Data Docs render."""
    try:
        index = steps.data_docs(report=report, settings=settings)
    except Exception as exc:
        get_run_logger().warning("Data Docs not built (%s: %s)", type(exc).__name__, exc)
        return
    if index is not None:
        get_run_logger().info("Data Docs: %s", index.resolve().as_uri())


@flow(
    name="daily-etl",
    # chosen when this module is imported, so a deployment's env (SMALLCAP_TASK_RUNNER) decides
    task_runner=build_task_runner(get_settings()),
    on_completion=[alerts.on_completion],
    on_failure=[alerts.on_failure],
    on_crashed=[alerts.on_failure],
)
def daily_etl(
    run_date: date | None = None,
    source: str = "live",
    warehouse: str | None = None,
    overlap_days: int | None = None,
    full_refresh: bool = False,
) -> RunReport:
    """One trading day's run; re-running it the same day changes nothing but the ledger.

    ``overlap_days`` re-fetches that many past sessions of every key (the weekly reconcile).
    The daily-grain marts recompute only the days that changed; ``full_refresh`` rebuilds them
    whole (after editing a model by hand, or to rule the incremental path out).
    On an NYSE holiday the run ends Completed with a "market closed" message: rates still
    update, prices and fundamentals only catch up missed sessions."""
    settings = get_settings(warehouse=warehouse)
    path = settings.warehouse_for("sample" if source == "sample" else "live")
    with concurrency(writer_slot(path), occupy=1):
        state = _run(
            run_date or new_york_today(), source, path, overlap_days, settings, full_refresh
        )
    return state  # type: ignore[return-value]  # the caller receives the report (state data)


def _final_state(report: RunReport, market_closed: bool) -> State:
    """Completed, with a message when there is something to say (holiday, lost keys)."""
    messages = []
    if market_closed:
        fetched = [n for n in ("prices", "fundamentals") if report.dataset(n).rows_extracted]
        done = f"caught up missed sessions of {' and '.join(fetched)}" if fetched else "skipped"
        if not fetched:
            done += " prices and fundamentals"
        messages.append(f"market closed on {report.run_date}: {done}; rates updated")
    failed = [d.dataset for d in report.datasets.values() if d.keys_failed]
    if failed:
        messages.append(f"partial: some keys failed in {', '.join(failed)}")
    if report.publish_error:
        messages.append("partial: the BI snapshot could not be published (see the run report)")
    return Completed(message="; ".join(messages) or None, data=report)


def _run(
    run_date: date,
    source: str,
    path: Path,
    overlap_days: int | None,
    settings: Settings,
    full_refresh: bool,
) -> State:
    run_id = str(flow_run.get_id() or uuid.uuid4())
    report = RunReport(run_id=run_id, source=source, run_date=run_date, warehouse=str(path))
    clock = time.monotonic()
    plan = prepare_task(path, source, run_date, settings, overlap_days)
    prepared = time.monotonic() - clock
    report.notes += plan.notes
    parameters = {
        "run_date": str(run_date),
        "source": source,
        "warehouse": str(path),
        "overlap_days": overlap_days,
        "full_refresh": full_refresh,
    }
    flow_name = "daily-etl" if overlap_days is None else "reconcile"
    with run_lifecycle(
        path,
        report,
        flow=flow_name,
        parameters=parameters,
        settings=settings,
        on_abandoned=alerts.notify_abandoned,
    ) as run:
        run.stage_seconds["prepare"] = prepared
        with run.stage("extract_validate_load"):
            _extract_validate_load(path, source, run_date, plan, run_id, report, settings)
        with run.stage("transform"):
            transform_task(
                path, report, settings, "asked (--full-refresh)" if full_refresh else None
            )
        with run.stage("data_docs"):
            data_docs_task(report, settings)
    create_markdown_artifact(
        key="smallcap-run", markdown=report.to_markdown(), description="smallcap daily run"
    )
    if report.status == "failed":
        raise RunFailed(report)
    return _final_state(report, plan.market_closed)


def _extract_validate_load(
    path: Path,
    source: str,
    run_date: date,
    plan: steps.Plan,
    run_id: str,
    report: RunReport,
    settings: Settings,
) -> None:
    """Each group's batches extract concurrently (``SMALLCAP_EXTRACT_BATCH_SIZE`` keys a task, so
    Dask workers share a group); each dataset validates and then loads on its own, so one
    failing dataset never stops the others."""
    size = settings.extract_batch_size
    submitted: dict[str, list[_Batch]] = {}
    for group in EXTRACTION_GROUPS:
        batches = plan.batches(group, size)
        each = settings if len(batches) < 2 else settings.model_copy(update=_BREAKER_OFF)
        submitted[group] = [
            (
                windows,
                extract_task.submit(group, n, source, windows, run_date, each, plan.series_meta),
            )
            for n, windows in enumerate(batches, start=1)
        ]
    for group, batches in submitted.items():
        try:
            extraction = _gathered(group, batches, settings)
            if group == "prices":
                extraction = refetch_task(path, extraction, source, run_date, settings)
        except Exception as exc:
            for dataset in EXTRACTION_GROUPS[group]:
                report.dataset(dataset).fail(exc)
            continue
        outcomes = {
            d: validate_task.submit(d, extraction, run_date, settings)
            for d in EXTRACTION_GROUPS[group]
        }
        for dataset, outcome in outcomes.items():
            try:
                load_task(path, dataset, outcome.result(), extraction, run_id, report, settings)
            except SmallcapError as exc:
                report.dataset(dataset).fail(exc)


def _gathered(group: str, batches: list[_Batch], settings: Settings) -> Extraction:
    """The group's extraction from its batches. One batch is the group's own result or error,
    as before batching; of several, a batch that raised fails only its keys, unless every
    batch raised, and then the group fails with the first error."""
    if not batches:
        return Extraction(frames={})
    if len(batches) == 1:
        return batches[0][1].result()
    dataset = EXTRACTION_GROUPS[group][0]
    parts, errors = [], []
    for windows, future in batches:
        try:
            parts.append(future.result())
        except Exception as exc:  # the batch's keys fail; the other batches still load
            errors.append(exc)
            parts.append(failed_batch(dataset, windows, exc))
    if len(errors) == len(batches):
        raise errors[0]
    return merge(parts, dataset=dataset, max_failure_ratio=settings.max_failure_ratio)
