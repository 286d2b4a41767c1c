"""The backfill as a Prefect flow: each chunk a task, progress in the run's logs.

The loop, ledger, publish and resumption are ``pipeline.backfill.run_backfill`` (the CLI runs the
same function without Prefect); this flow only makes each chunk a task run. Re-running it with
the same parameters continues after the last committed chunk. Chunks run one after another:
DuckDB has one writer per file, and the sources rate-limit anyway.
"""

import uuid
from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.concurrency.sync import concurrency
from prefect.runtime import flow_run

from contracts.settings import Settings, get_settings
from flows import alerts
from flows.budget import shared_request_budgets
from flows.progress import log_each_key
from flows.secrets import fred_api_key
from flows.writer import writer_slot
from pipeline import backfill as bf
from pipeline.report import RunFailed


@task(name="backfill-chunk", cache_policy=NO_CACHE, task_run_name="chunk-{chunk.name}")
def chunk_task(
    path: Path,
    plan: bf.BackfillPlan,
    chunk: bf.Chunk,
    *,
    run_id: str,
    done: set[tuple[str, str]],
    settings: Settings,
    api_key: None = None,
) -> bf.ChunkResult:
    """The key is read here, inside the task, so it is never a task input Prefect records."""
    key = fred_api_key(settings) if chunk.group == "rates" and plan.source != "sample" else None
    with log_each_key(), shared_request_budgets(settings):
        return bf.run_chunk(
            path, plan, chunk, run_id=run_id, done=done, settings=settings, api_key=key
        )


@flow(
    name="backfill",
    on_completion=[alerts.on_completion],
    on_failure=[alerts.on_failure],
    on_crashed=[alerts.on_failure],
)
def backfill(
    start: date,
    end: date,
    tickers: list[str] | None = None,
    source: str = "live",
    warehouse: str | None = None,
    datasets: list[str] | None = None,
) -> bf.BackfillRun:
    """Load [start, end] for ``tickers`` (default: the universe) and ``datasets`` (prices,
    fundamentals, rates; default all) in resumable chunks, then rebuild the marts; audit.runs
    records it with flow='backfill'."""
    logger = get_run_logger()
    settings = get_settings(warehouse=warehouse)
    path = settings.warehouse_for("sample" if source == "sample" else "live")
    plan = bf.plan_backfill(
        start, end, settings=settings, tickers=tickers, source=source, datasets=datasets
    )
    logger.info(
        "backfill %s: %d chunks, at most %d requests, for %s..%s into %s",
        plan.backfill_id,
        len(plan.chunks),
        plan.requests,
        start,
        end,
        path,
    )

    count = iter(range(1, len(plan.chunks) + 1))

    def logged(result: bf.ChunkResult) -> None:
        done = (
            "already done"
            if result.skipped
            else ", ".join(f"{rows} {name}" for name, rows in result.rows.items())
        )
        logger.info("chunk %d/%d %s: %s", next(count), len(plan.chunks), result.chunk.name, done)

    with concurrency(writer_slot(path), occupy=1):
        outcome = bf.run_backfill(
            path,
            plan,
            run_id=str(flow_run.get_id() or uuid.uuid4()),
            settings=settings,
            on_chunk=logged,
            chunk_runner=chunk_task,
            on_abandoned=alerts.notify_abandoned,
        )
    create_markdown_artifact(
        key="smallcap-backfill",
        markdown=outcome.report.to_markdown(),
        description="smallcap backfill run",
    )
    if outcome.report.status == "failed":
        raise RunFailed(outcome.report)
    return outcome
