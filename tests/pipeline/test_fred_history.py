"""Live FRED planning: a new series arrives with its whole history, and a series FRED has
discontinued is loaded once and then left alone (no request, no failure)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest
from helpers import FED_TARGET_UNIVERSE
from pydantic import SecretStr

from contracts.settings import Settings
from pipeline import steps
from pipeline.report import RunReport
from sources import dispatch
from sources.fred import FULL_HISTORY

if TYPE_CHECKING:
    from fakes import FredStub

RUN_DATE = date(2026, 11, 30)
KEY = SecretStr("history-test-key")


def days(start: date, end: date, value: str) -> dict[date, str]:
    return {start + timedelta(n): value for n in range((end - start).days + 1)}


@pytest.fixture
def settings(tmp_path: Path, fred_server: FredStub) -> Settings:
    universe = tmp_path / "universe.toml"
    universe.write_text(FED_TARGET_UNIVERSE)
    old_start, old_end = date(2008, 11, 1), date(2008, 12, 15)
    fred_server.observations("DFEDTAR", days(old_start, old_end, "1.0000"))
    fred_server.series_info("DFEDTAR", date(1982, 9, 27), old_end, "Federal Funds Target Rate")
    for bound, value in (("DFEDTARU", "3.75"), ("DFEDTARL", "3.50")):
        fred_server.observations(bound, days(date(2008, 12, 16), RUN_DATE, value))
        fred_server.series_info(bound, date(2008, 12, 16), RUN_DATE)
    return Settings(
        SMALLCAP_UNIVERSE=universe,
        fred_base_url=fred_server.base_url,
        fred_requests_per_second=0,
        source_retry_wait_seconds=0,
    )


def daily_rates(path: Path, settings: Settings) -> tuple[steps.Plan, RunReport]:
    """What the daily flow does for rates: plan, extract, validate, load."""
    plan = steps.prepare(path, source="live", run_date=RUN_DATE, settings=settings)
    extraction = dispatch.extract_group(
        "rates",
        "live",
        plan.rates,
        run_date=RUN_DATE,
        settings=settings,
        api_key=KEY,
        meta_series=plan.series_meta,
    )
    report = RunReport(run_id="r", source="live", run_date=RUN_DATE, warehouse=str(path))
    outcome = steps.validate("rates", extraction, run_date=RUN_DATE, settings=settings)
    steps.load(path, "rates", outcome, extraction, run_id="r", report=report, settings=settings)
    return plan, report


def test_new_series_come_whole_and_a_discontinued_one_is_then_skipped(
    tmp_path: Path, settings: Settings, fred_server: FredStub
) -> None:
    path = tmp_path / "market.duckdb"

    first, _ = daily_rates(path, settings)
    second, report = daily_rates(path, settings)

    targets = ("DFEDTAR", "DFEDTARU", "DFEDTARL")
    assert first.rates == {s: (FULL_HISTORY, RUN_DATE) for s in targets}
    overlap = RUN_DATE - timedelta(days=settings.rate_overlap_days)
    assert second.rates == {s: (overlap, RUN_DATE) for s in ("DFEDTARU", "DFEDTARL")}
    assert fred_server.count("series/observations", "DFEDTAR") == 1
    assert report.status == "success" and report.dataset("rates").keys_failed == 0
    with duckdb.connect(str(path), read_only=True) as con:
        loaded = con.sql(
            "select series_id, min(date), max(date), count(*) from core.rates_daily "
            "group by all order by all"
        ).fetchall()
        meta = con.sql(
            "select series_id, observation_start, observation_end from core.series_meta "
            "order by all"
        ).fetchall()
    range_days = (RUN_DATE - date(2008, 12, 16)).days + 1
    assert loaded == [
        ("DFEDTAR", date(2008, 11, 1), date(2008, 12, 15), 45),
        ("DFEDTARL", date(2008, 12, 16), RUN_DATE, range_days),
        ("DFEDTARU", date(2008, 12, 16), RUN_DATE, range_days),
    ]
    assert meta == [
        ("DFEDTAR", date(1982, 9, 27), date(2008, 12, 15)),
        ("DFEDTARL", date(2008, 12, 16), RUN_DATE),
        ("DFEDTARU", date(2008, 12, 16), RUN_DATE),
    ]


def test_a_discontinued_series_not_yet_loaded_through_its_end_is_still_fetched(
    tmp_path: Path, settings: Settings, fred_server: FredStub
) -> None:
    path = tmp_path / "market.duckdb"
    daily_rates(path, settings)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "delete from core.rates_daily where series_id = 'DFEDTAR' and date > '2008-12-01'"
        )

    plan, _ = daily_rates(path, settings)

    assert plan.rates["DFEDTAR"] == (date(2008, 11, 1), RUN_DATE)
    assert fred_server.count("series/observations", "DFEDTAR") == 2


def test_series_metadata_is_fetched_when_missing_or_older_than_the_refresh_interval(
    tmp_path: Path, settings: Settings, fred_server: FredStub
) -> None:
    path = tmp_path / "market.duckdb"
    targets = ["DFEDTAR", "DFEDTARU", "DFEDTARL"]

    first, _ = daily_rates(path, settings)
    second, _ = daily_rates(path, settings)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "update core.series_meta set loaded_at = now() - to_days(?) where series_id = ?",
            [settings.fred_meta_refresh_days, "DFEDTARU"],
        )
    third, _ = daily_rates(path, settings)

    assert sorted(first.series_meta) == sorted(targets)
    assert second.series_meta == []
    assert third.series_meta == ["DFEDTARU"]
    assert [fred_server.count("series", s) for s in targets] == [1, 2, 1]
    # DFEDTAR is discontinued and loaded through its end: no observations request either
    assert fred_server.count("series/observations", "DFEDTAR") == 1
