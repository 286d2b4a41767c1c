"""Extraction fans out per batch of keys: a run in small batches on two Dask workers loads
exactly what one batch per group loads on threads, and each batch is its own extract task."""

import asyncio
from datetime import date

import duckdb
import pytest

from contracts.settings import Settings
from flows.daily import daily_etl
from flows.runners import build_task_runner
from warehouse.checksums import table_checksums

RUN_DATE = date(2026, 11, 25)

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.usefixtures("prefect_api")]


def _checksums(path) -> dict:
    with duckdb.connect(str(path), read_only=True) as con:
        return table_checksums(con)


def _extract_task_names(flow_run_id: str) -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async def names() -> list[str]:
        async with get_client() as client:
            runs = await client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
            )
        return sorted(r.name for r in runs if r.name.startswith("extract-"))

    return asyncio.run(names())


def test_batches_on_dask_load_what_one_batch_per_group_loads(tmp_path, monkeypatch, sample_daily):
    pytest.importorskip("prefect_dask")
    batched = tmp_path / "batched.duckdb"
    first = sample_daily  # one batch per group, on threads
    assert first.run_date == RUN_DATE
    monkeypatch.setenv("SMALLCAP_EXTRACT_BATCH_SIZE", "3")
    on_dask = daily_etl.with_options(
        task_runner=build_task_runner(Settings(task_runner="dask", dask_workers=2))
    )

    second = on_dask(run_date=RUN_DATE, source="sample", warehouse=str(batched))

    assert first.status == second.status == "success"
    assert {n: d.rows_loaded for n, d in first.datasets.items()} == {
        n: d.rows_loaded for n, d in second.datasets.items()
    }
    sums = _checksums(first.warehouse)
    assert any(name.startswith("core.") for name in sums)
    assert sums == _checksums(batched)
    names = _extract_task_names(second.run_id)
    assert {"extract-prices-1", "extract-prices-2", "extract-holdings-1"} <= set(names)
    assert "extract-holdings-2" not in names  # the funds share constituents: one batch
