"""Shared fixtures: a fresh warehouse per test, the real recorded data when ../shared exists,
and the network-edge fakes (Yahoo via ``responses``, FRED on loopback) from tests/fakes.py."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from fakes import (
    FredStub,
    IssuerStub,
    YahooMock,
    fred_stub,
    free_port,
    issuer_stub,
    yahoo_mock,
)
from helpers import SMALL_UNIVERSE, price_bar

from contracts.datasets import PRICES
from contracts.settings import DEFAULT_UNIVERSE, get_settings
from pipeline.backfill import plan_backfill, run_backfill
from pipeline.report import RunReport
from sources.yahoo_client import configure_yfinance
from warehouse.connection import warehouse
from warehouse.loader import load_batch

REPO_ROOT = Path(__file__).resolve().parents[1]
REAL_FIXTURES = REPO_ROOT.parent / "shared" / "fixtures" / "real"


@pytest.fixture
def real_fixtures() -> Path:
    """Real Yahoo/FRED recordings; tests that need them skip when ../shared is absent."""
    if not REAL_FIXTURES.is_dir():
        pytest.skip("../shared/fixtures/real is not present")
    return REAL_FIXTURES


@pytest.fixture
def small_universe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """SMALL_UNIVERSE (IWM/SPY, DFF) written to tmp_path and named by SMALLCAP_UNIVERSE."""
    path = tmp_path / "universe.toml"
    path.write_text(SMALL_UNIVERSE)
    monkeypatch.setenv("SMALLCAP_UNIVERSE", str(path))
    return path


@pytest.fixture
def warehouse_path(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def con(warehouse_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with warehouse(warehouse_path) as connection:
        yield connection


@pytest.fixture
def quarantined_warehouse(tmp_path: Path) -> Path:
    """One good IWM bar in core; quarantined: a good bar (rejected by an older, stricter suite)
    and a bar with a negative close (still bad)."""
    path = tmp_path / "market.duckdb"
    good = pd.DataFrame([price_bar("2025-01-02")]).astype({"date": "datetime64[ns]"})
    rejected = pd.DataFrame([price_bar("2025-01-03"), price_bar("2025-01-06", close=-1.0)])
    rejected = rejected.astype({"date": "datetime64[ns]"}).assign(reason="old_suite_rule(close)")
    with warehouse(path) as con:
        load_batch(con, PRICES, good, rejected, run_id="run-1")
    return path


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory: pytest.TempPathFactory) -> RunReport:
    """The default universe's sample data for 2024-01-02..2026-06-30 (two easing cycles and the
    year after the first), loaded by a real backfill run: marts, BI snapshot and HTML report."""
    path = tmp_path_factory.mktemp("sample-warehouse") / "sample.duckdb"
    settings = get_settings(warehouse=path, universe_path=DEFAULT_UNIVERSE)
    plan = plan_backfill(date(2024, 1, 2), date(2026, 6, 30), settings=settings, source="sample")
    return run_backfill(path, plan, run_id="sample-backfill", settings=settings).report


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """One temporary Prefect API for the whole session (each server start costs ~10-20 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture(scope="session", autouse=True)
def yfinance_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """yfinance's sqlite caches in a temp folder, never the user's or the project's."""
    return configure_yfinance(tmp_path_factory.mktemp("yfinance-cache"))


@pytest.fixture(scope="session", autouse=True)
def data_docs_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Runs write their GX Data Docs to a temp folder, never the project's warehouse/gx/."""
    path = tmp_path_factory.mktemp("data-docs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SMALLCAP_DATA_DOCS_DIR", str(path))
        yield path


@pytest.fixture
def yahoo() -> Iterator[YahooMock]:
    """Yahoo answered by ``responses``; also routes production's default yfinance session."""
    with yahoo_mock() as mock:
        yield mock


@pytest.fixture
def fred_server() -> Iterator[FredStub]:
    """FRED on 127.0.0.1:<free port> serving DFF and GDP; unknown series answer 400."""
    with fred_stub() as stub:
        yield stub


@pytest.fixture
def issuer() -> Iterator[IssuerStub]:
    """Issuer holdings files on 127.0.0.1:<free port>; unknown paths answer 404."""
    with issuer_stub() as stub:
        yield stub


@pytest.fixture
def closed_port() -> int:
    """A loopback port with nothing listening: connections are refused at once."""
    return free_port()
