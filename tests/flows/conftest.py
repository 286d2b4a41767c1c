"""The flow suites' shared first run: the daily flow once on the sample source, which the Dask
runs must equal and the holiday runs start from. Tests read it or copy it, never write to it."""

from datetime import date

import pytest

from pipeline.report import RunReport


@pytest.fixture(scope="session")
def sample_daily(tmp_path_factory: pytest.TempPathFactory, prefect_api: None) -> RunReport:
    """The daily flow on the sample source for 2026-11-25 with the default (threaded) task
    runner and universe, into a fresh warehouse (a run costs 20-50 s)."""
    from flows.daily import daily_etl

    path = tmp_path_factory.mktemp("sample-daily") / "sample.duckdb"
    return daily_etl(run_date=date(2026, 11, 25), source="sample", warehouse=str(path))
