"""`smallcap status` and the run summary show each fund's look-through coverage."""

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from cli.main import app
from contracts.settings import get_settings
from pipeline import steps
from pipeline.report import RunReport
from sources.sample_holdings import extract_holdings

DAY = date(2025, 11, 7)


@pytest.fixture(scope="module")
def valued(tmp_path_factory):
    """Sample holdings and quotes of IWM (issuer file) and SPY (top 10), loaded and modelled."""
    path = tmp_path_factory.mktemp("status") / "sample.duckdb"
    settings = get_settings()
    steps.prepare(path, source="sample", run_date=DAY, settings=settings)
    windows = {fund: (DAY, DAY) for fund in ("IWM", "SPY")}
    extraction = extract_holdings(windows, issuer_funds={"IWM"}, symbols={})
    report = RunReport(run_id="r", source="sample", run_date=DAY, warehouse=str(path))
    for dataset in ("holdings", "constituent_quotes"):
        outcome = steps.validate(dataset, extraction, run_date=DAY, settings=settings)
        steps.load(path, dataset, outcome, extraction, run_id="r", report=report, settings=settings)
    steps.transform(path, report=report, settings=settings)
    return path, report


def test_the_run_summary_lists_each_funds_coverage_and_why_a_figure_is_missing(valued):
    _, report = valued

    iwm, spy = report.lookthrough
    assert (iwm["fund"], iwm["date"], iwm["constituents"], iwm["unmapped"], iwm["unquoted"]) == (
        "IWM", DAY, 402, 2, 1,
    )  # fmt: skip
    assert 0.9 < iwm["coverage_weight"] < 1 and iwm["forward_pe"] > 0 and iwm["note"] is None
    assert spy["forward_pe"] is None and spy["note"].startswith("only the top holdings")
    markdown = report.to_markdown()
    assert "| IWM | 2025-11-07 | 402 | 2 | 1 |" in markdown
    assert "| SPY | 2025-11-07 | 10 | 0 | 0 |" in markdown


def test_status_shows_coverage_and_counts_quotes_on_one_line(valued):
    path, _ = valued
    runner = CliRunner()

    doc = json.loads(runner.invoke(app, ["status", "--json", "--warehouse", str(path)]).output)
    text = runner.invoke(app, ["status", "--warehouse", str(path)], env={"COLUMNS": "250"}).output

    assert [(f["fund"], f["constituents"]) for f in doc["lookthrough"]] == [
        ("IWM", 402),
        ("SPY", 10),
    ]
    [quotes] = doc["datasets"]["constituent_quotes"]
    assert quotes["key"].endswith(" tickers") and quotes["rows"] > 300
    assert "look-through coverage" in text and "only the top holdings are known" in text
