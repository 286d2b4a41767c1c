"""The benchmark runner end to end on the tiny preset: it must keep working (the presets
themselves are measurements, not tests)."""

import json
from pathlib import Path

import pytest

from benchmarks.presets import HISTORY_END, PRESETS
from benchmarks.run import run_preset
from contracts.calendar import trading_days
from pipeline.steps import history_start

pytestmark = pytest.mark.integration

RATIOS = {
    "validate_load_vs_floor",
    "ours_vs_dlt",
    "reload_vs_first",
    "daily_large_vs_empty",
    "publish_vs_copy",
    "publish_vs_copy_fsync",
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[dict, Path]:
    """One run of the tiny preset (a few minutes on a busy machine) for every test here."""
    folder = tmp_path_factory.mktemp("bench")
    return run_preset(PRESETS["tiny"], out=folder / "results", work=folder), folder


def test_tiny_preset_writes_json_and_markdown_with_every_ratio(tiny):
    results, tmp_path = tiny

    written = json.loads((tmp_path / "results" / "tiny.json").read_text())
    assert written == results
    assert written["preset"] == "tiny"
    assert set(written["ratios"]) == RATIOS
    assert all(value is None or value > 0 for value in written["ratios"].values())
    rows = written["rows"]
    sessions = trading_days(history_start(HISTORY_END, rows["years"]), HISTORY_END)
    assert rows["prices"] == rows["tickers"] * len(sessions)
    assert written["seconds"]["daily_large_stages"].keys() >= {"load", "transform", "publish"}
    assert written["peak_rss_mb"] > 0
    assert written["requests"].get("total", 0) > 0 or "skipped" in written["requests"]
    markdown = (tmp_path / "results" / "tiny.md").read_text()
    assert "| validate_load_vs_floor |" in markdown and "holdings lines" in markdown


def test_tiny_preset_has_a_look_through_history_and_a_daily_issuer_file(tiny):
    preset, rows = PRESETS["tiny"], tiny[0]["rows"]

    # one issuer file a session, every constituent quoted every session
    assert rows["daily_holdings"] > 0
    assert rows["history_holdings"] == preset.holdings_sessions * rows["daily_holdings"]
    assert rows["history_constituent_quotes"] == preset.holdings_sessions * preset.constituents
    # the cash line has no quote
    assert 0 < rows["daily_constituent_quotes"] < rows["daily_holdings"]
