"""Scale-out: the daily flow on a local Dask cluster (2 worker processes) writes the same
warehouse as the threaded run."""

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


def test_build_task_runner_picks_threads_by_default_and_dask_on_request():
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    assert isinstance(build_task_runner(Settings()), ThreadPoolTaskRunner)
    remote = build_task_runner(Settings(task_runner="dask", dask_address="tcp://10.0.0.5:8786"))
    assert isinstance(remote, DaskTaskRunner) and remote.address == "tcp://10.0.0.5:8786"


def test_dask_run_on_two_workers_gives_the_threaded_runs_checksums(tmp_path, sample_daily):
    pytest.importorskip("prefect_dask")
    on_dask = tmp_path / "dask.duckdb"
    dask_flow = daily_etl.with_options(
        task_runner=build_task_runner(Settings(task_runner="dask", dask_workers=2))
    )

    first = sample_daily
    second = dask_flow(run_date=RUN_DATE, source="sample", warehouse=str(on_dask))

    assert first.run_date == RUN_DATE
    assert first.status == second.status == "success"
    sums = _checksums(first.warehouse)
    assert any(name.startswith("mart.") for name in sums)
    assert sums == _checksums(on_dask)
