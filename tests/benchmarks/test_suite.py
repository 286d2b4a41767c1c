"""The benchmark runner end to end on the tiny preset: it must keep working (the presets
themselves are measurements, not tests)."""

import json

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
}


def test_tiny_preset_writes_json_and_markdown_with_every_ratio(tmp_path):
    results = run_preset(PRESETS["tiny"], out=tmp_path / "results", work=tmp_path)

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
    assert "| validate_load_vs_floor |" in markdown and "holdings" in markdown
