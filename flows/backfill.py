"""The backfill as a Prefect flow: one task per chunk, progress in the run's logs.

The chunking, ledger and resumption live in ``smallcap.backfill``; re-running this flow with
the same parameters continues after the last committed chunk. Chunks run one after another:
DuckDB has one writer per file, and the sources rate-limit anyway.
"""

import uuid
from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.concurrency.sync import concurrency
from prefect.runtime import flow_run

from flows.daily import publish_task, writer_slot
from flows.secrets import fred_api_key
from smallcap import backfill as bf
from smallcap.settings import Settings, get_settings
from smallcap.version import code_version


@task(name="backfill-chunk", cache_policy=NO_CACHE, task_run_name="chunk-{chunk.name}")
def chunk_task(
    path: Path,
    plan: bf.BackfillPlan,
    chunk: bf.Chunk,
    run_id: str,
    done: set[tuple[str, str]],
    settings: Settings,
) -> bf.ChunkResult:
    key = fred_api_key(settings) if chunk.group == "rates" and plan.source != "sample" else None
    return bf.run_chunk(path, plan, chunk, run_id=run_id, done=done, settings=settings, api_key=key)


@flow(name="backfill")
def backfill(
    start: date,
    end: date,
    tickers: list[str] | None = None,
    source: str = "live",
    warehouse: str | None = None,
) -> list[bf.ChunkResult]:
    """Load [start, end] for ``tickers`` (default: the universe) in resumable chunks, then
    rebuild the marts; audit.runs records it with flow='backfill'."""
    logger = get_run_logger()
    settings = get_settings(warehouse=warehouse)
    path = settings.warehouse_for("sample" if source == "sample" else "live")
    plan = bf.plan_backfill(start, end, settings=settings, tickers=tickers, source=source)
    run_id = str(flow_run.get_id() or uuid.uuid4())
    results: list[bf.ChunkResult] = []
    with concurrency(writer_slot(path), occupy=1):
        done = bf.begin(path, plan, run_id=run_id, settings=settings, code_version=code_version())
        for note in plan.notes:
            logger.info(note)
        logger.info(
            "backfill %s: %d chunks for %s..%s into %s, %d parts already done",
            plan.backfill_id,
            len(plan.chunks),
            start,
            end,
            path,
            len(done),
        )
        try:
            for n, chunk in enumerate(plan.chunks, start=1):
                result = chunk_task(path, plan, chunk, run_id, done, settings)
                results.append(result)
                logger.info(
                    "chunk %d/%d %s: %s",
                    n,
                    len(plan.chunks),
                    chunk.name,
                    "already done"
                    if result.skipped
                    else ", ".join(f"{rows} {name}" for name, rows in result.rows.items()),
                )
        except Exception as exc:
            message = f"backfill chunk {chunk.name} failed: {exc}; re-run to resume"
            bf.finish(path, run_id=run_id, results=results, settings=settings, error=message)
            raise
        for model in bf.finish(path, run_id=run_id, results=results, settings=settings):
            logger.info("built %s %s (%d rows)", model.materialized, model.relation, model.rows)
        publish_task(path, settings)  # BI tools see the backfilled history
    return results
