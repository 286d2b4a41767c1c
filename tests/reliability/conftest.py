"""Fixtures of the reliability suites: healthy loopback sources, and a warehouse that already
holds a healthy first run (built once, copied per test), so every fault hits a warehouse with
history that must survive it."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import copy_published
from live_runs import SEED_DATE, Sources, healthy_sources, run_daily, settings_for

from contracts.settings import Settings
from pipeline.report import RunReport


@pytest.fixture(scope="session")
def seed_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse after one healthy run on SEED_DATE (built once per session)."""
    folder = tmp_path_factory.mktemp("seed")
    path = folder / "market.duckdb"
    with healthy_sources() as sources:
        # a year of every key per request: no tight timeout for the seed
        settings = settings_for(
            folder, sources.fred, fred_timeout_seconds=30, yahoo_timeout_seconds=30
        )
        report = run_daily(path, settings, SEED_DATE)
    assert report.status == "success", report.to_markdown()
    return path


@pytest.fixture
def sources() -> Iterator[Sources]:
    with healthy_sources() as fakes:
        yield fakes


@pytest.fixture
def seeded(seed_file: Path, tmp_path: Path) -> Path:
    """This test's copy of the seeded warehouse (its BI snapshot is not copied)."""
    path = tmp_path / "market.duckdb"
    shutil.copy(seed_file, path)
    return path


@pytest.fixture
def settings(tmp_path: Path, sources: Sources) -> Settings:
    return settings_for(tmp_path, sources.fred)


@pytest.fixture
def published(sample_warehouse: RunReport, tmp_path: Path) -> tuple[Path, Path]:
    """This test's copy of the sample warehouse and of its BI snapshot."""
    path = tmp_path / "market.duckdb"
    return path, copy_published(Path(sample_warehouse.warehouse), path)
