"""Catch-up from gaps: a machine that was off for a week fills exactly the missed NYSE sessions
on its next run; weekends and holidays are never gaps."""

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from cli.main import app
from contracts.datasets import PRICES
from contracts.settings import Settings
from pipeline import steps
from sources import dispatch, sample
from warehouse.connection import warehouse
from warehouse.loader import load_batch
from warehouse.status import price_gaps

# off from Monday 2026-11-23: Thanksgiving (11-26) and the weekend (11-28/29) are no sessions
LAST_LOADED, RUN_DATE = date(2026, 11, 20), date(2026, 11, 30)
MISSED = [date(2026, 11, d) for d in (23, 24, 25, 27, 30)]


@pytest.fixture
def settings(small_universe) -> Settings:
    return Settings(SMALLCAP_UNIVERSE=small_universe)


@pytest.fixture
def stale(tmp_path) -> object:
    """Sample prices for IWM and SPY through the Friday before the missed week."""
    path = tmp_path / "stale.duckdb"
    frame = sample.generate_prices(["IWM", "SPY"], date(2026, 10, 1), LAST_LOADED)
    with warehouse(path) as con:
        load_batch(con, PRICES, frame, frame.iloc[:0].assign(reason=""), run_id="before")
    return path


def _load_plan(path, plan: steps.Plan, settings: Settings) -> None:
    extraction = dispatch.extract_prices(
        "sample", plan.prices, run_date=RUN_DATE, settings=settings
    )
    outcome = steps.validate("prices", extraction, run_date=RUN_DATE, settings=settings)
    with warehouse(path) as con:
        load_batch(con, PRICES, outcome.valid, outcome.quarantined, run_id="catch-up")


def test_gaps_are_the_missed_sessions_not_the_holiday_or_weekend(stale):
    with warehouse(stale, read_only=True) as con:
        gaps = price_gaps(con, RUN_DATE)

    assert gaps == {"IWM": MISSED, "SPY": MISSED}


def test_next_run_plans_from_before_the_watermark_and_fills_every_gap(stale, settings):
    plan = steps.prepare(stale, source="sample", run_date=RUN_DATE, settings=settings)

    assert set(plan.prices) == {"IWM", "SPY"}
    assert all(start < MISSED[0] and end == RUN_DATE for start, end in plan.prices.values())

    _load_plan(stale, plan, settings)

    with warehouse(stale, read_only=True) as con:
        assert price_gaps(con, RUN_DATE) == {}
        loaded = con.execute(
            "select distinct date from core.prices_daily where date > ? order by date",
            [LAST_LOADED],
        ).fetchall()
    assert [d for (d,) in loaded] == MISSED


def today(cls) -> date:
    return RUN_DATE


def test_status_lists_the_missing_days_per_ticker(stale, monkeypatch):
    # the clock: status looks for gaps through the last complete session, here RUN_DATE
    monkeypatch.setattr("cli.main.last_complete_day", lambda: RUN_DATE)
    runner = CliRunner()

    text = runner.invoke(app, ["status", "--warehouse", str(stale)], env={"COLUMNS": "200"})
    doc = json.loads(runner.invoke(app, ["status", "--json", "--warehouse", str(stale)]).output)

    assert text.exit_code == 0, text.output
    assert "5: 2026-11-23, 2026-11-24, 2026-11-25, 2026-11-27, 2026-11-30" in text.output
    gaps = {e["key"]: e["gaps"] for e in doc["datasets"]["prices"]}
    assert gaps == {t: [str(d) for d in MISSED] for t in ("IWM", "SPY")}
