"""build_data_docs: GX's own Data Docs from validate_batch results, history kept, opt-out."""

from pathlib import Path

import pandas as pd
import pytest

from contracts.datasets import PRICES
from contracts.settings import get_settings
from expectations.data_docs import PARTIAL_LIMIT, build_data_docs, summarize
from expectations.runner import validate_batch
from pipeline import steps
from pipeline.report import RunReport


@pytest.fixture
def results(prices_frame, run_date):
    """GX results of a valid prices batch and of one with two bad rows."""
    good = validate_batch(PRICES, prices_frame, run_date=run_date)
    bad_frame = prices_frame.copy()
    bad_frame.loc[[0, 1], "close"] = -1.0
    bad = validate_batch(PRICES, bad_frame, run_date=run_date)
    assert len(bad.quarantined) == 2
    return good.gx_result, bad.gx_result


def _pages(directory: Path, run_id: str) -> list[Path]:
    return [p for p in (directory / "site" / "validations").rglob("*.html") if run_id in p.parts]


def test_build_renders_an_index_and_a_page_per_result_naming_the_suite(results, tmp_path):
    index = build_data_docs(results, tmp_path, run_id="run-1")

    assert index == tmp_path / "site" / "index.html"
    assert index.is_file()
    assert "core.prices_daily" in index.read_text()
    pages = _pages(tmp_path, "run-1")
    assert len(pages) == 2
    texts = [p.read_text() for p in pages]
    assert all("core.prices_daily" in t for t in texts)
    assert sum("2 unexpected values found" in t for t in texts) == 1


def test_a_second_build_keeps_the_first_runs_pages_and_lists_both(results, tmp_path):
    build_data_docs(results, tmp_path, run_id="run-1")
    first_pages = _pages(tmp_path, "run-1")

    index = build_data_docs(results[:1], tmp_path, run_id="run-2")

    assert all(p.is_file() for p in first_pages)
    assert len(_pages(tmp_path, "run-2")) == 1
    listed = index.read_text()
    assert "run-1" in listed and "run-2" in listed


def test_summarize_drops_row_indices_and_caps_examples_without_touching_the_result(
    prices_frame, run_date
):
    frame = pd.concat([prices_frame.assign(ticker=f"T{i}") for i in range(4)], ignore_index=True)
    frame["volume"] = -1  # all 60 rows fail one expectation
    result = validate_batch(PRICES, frame, run_date=run_date).gx_result
    failed = next(r for r in result.results if not r.success)
    assert len(failed.result["unexpected_index_list"]) == len(frame) > PARTIAL_LIMIT

    small = summarize(result, run_id="run-1")

    small_failed = next(r for r in small.results if not r.success)
    assert "unexpected_index_list" not in small_failed.result
    assert "unexpected_list" not in small_failed.result
    assert len(small_failed.result["partial_unexpected_list"]) <= PARTIAL_LIMIT
    assert small_failed.result["unexpected_count"] == len(frame)
    assert small.meta["run_id"].run_name == "run-1"
    assert len(failed.result["unexpected_index_list"]) == len(frame)  # the original is intact


def test_disabled_setting_builds_nothing(results, run_date, tmp_path, monkeypatch):
    monkeypatch.setenv("SMALLCAP_DATA_DOCS_DIR", "")
    settings = get_settings()
    report = RunReport("run-1", "sample", run_date, str(tmp_path / "w.duckdb"))
    report.validation_results.extend(results)

    assert settings.data_docs_dir is None
    assert steps.data_docs(report=report, settings=settings) is None
    assert report.data_docs is None
    assert list(tmp_path.iterdir()) == []


def test_pipeline_step_builds_one_site_per_warehouse_and_notes_it_in_the_report(
    results, run_date, tmp_path, monkeypatch
):
    monkeypatch.setenv("SMALLCAP_DATA_DOCS_DIR", str(tmp_path / "docs"))
    report = RunReport("run-1", "sample", run_date, str(tmp_path / "sample.duckdb"))
    report.validation_results.extend(results)

    index = steps.data_docs(report=report, settings=get_settings())

    assert index == tmp_path / "docs" / "sample" / "site" / "index.html"
    assert index.is_file()
    assert f"Data Docs: {index.as_uri()}" in report.to_markdown()
