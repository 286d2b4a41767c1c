"""The HTML report as a person sees it: opened offline in headless Chromium, no console error,
no failed request, every chart with data points, or a "no data" line in its place."""

import re
from pathlib import Path

import duckdb
import pytest
from browser import chromium_page, find_chromium

from report import write_report
from report.page import SECTIONS
from warehouse.connection import warehouse

pytestmark = pytest.mark.browser

# charts whose marts other issues add; the rest must be drawn from any sample warehouse
OPTIONAL_MARTS = {
    "policy-path": "mart.implied_policy_path",
    "concentration": "mart.concentration_daily",
    "look-through": "mart.fund_valuation_daily",
}

# data items per chart: every item of every data mark (lines count their points), found by
# walking each vega view's scenegraph; and the text of every "no data" section
SEEN = """(async () => {
  await window.smallcapReady;
  const items = (node) => {
    let n = node.marktype && node.marktype !== "group" && node.role === "mark"
      ? node.items.length : 0;
    for (const child of node.items || []) n += items(child);
    return n;
  };
  const charts = {};
  for (const [key, view] of Object.entries(window.smallcapViews)) {
    charts[key] = items(view.scenegraph().root);
  }
  const missing = {};
  for (const section of document.querySelectorAll("section.missing")) {
    missing[section.id] = section.querySelector(".no-data").textContent;
  }
  return {charts, missing, overflow: document.documentElement.scrollWidth > innerWidth};
})()"""


@pytest.fixture(scope="module")
def chromium() -> str:
    executable = find_chromium()
    if executable is None:
        pytest.skip("Chromium not found (Debian: apt-get install -y chromium)")
    return executable


def _look(chromium: str, report: Path, tmp_path: Path) -> tuple:
    with chromium_page(chromium, tmp_path / "profile") as page:
        page.open(report.as_uri())
        seen = page.evaluate(SEEN)
        shot = page.screenshot(tmp_path / "report.png")
    return page.load, seen, shot


def _has_rows(path: Path, relation: str) -> bool:
    schema, name = relation.split(".")
    with duckdb.connect(str(path), read_only=True) as con:
        found = con.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
            [schema, name],
        ).fetchall()[0][0]
        return bool(found) and con.sql(f"select count(*) from {relation}").fetchall()[0][0] > 0


def test_the_sample_report_draws_every_chart_that_has_data(chromium, sample_warehouse, tmp_path):
    report = Path(sample_warehouse.html_report)
    absent = {
        key
        for key, relation in OPTIONAL_MARTS.items()
        if not _has_rows(Path(sample_warehouse.warehouse), relation)
    }

    load, seen, shot = _look(chromium, report, tmp_path)

    assert load.console_errors == []
    assert load.failed_requests == []
    drawn = {key for key, items in seen["charts"].items() if items > 0}
    assert drawn == {s.key for s in SECTIONS} - absent
    assert set(seen["missing"]) == absent
    assert all(text.startswith("no data: ") for text in seen["missing"].values())
    assert not seen["overflow"]
    assert shot.stat().st_size > 50_000  # a page of charts, not a blank one


def test_an_empty_warehouse_says_in_place_that_each_chart_has_no_data(chromium, tmp_path):
    with warehouse(tmp_path / "empty.duckdb"):
        pass  # created and migrated: every table exists and is empty
    result = write_report(tmp_path / "empty.duckdb", tmp_path / "empty.html")

    load, seen, _ = _look(chromium, result.path, tmp_path)

    assert load.console_errors == []
    assert load.failed_requests == []
    assert seen["charts"] == {}
    assert set(seen["missing"]) == {s.key for s in SECTIONS}
    assert "mart.pe_spread_daily is empty" in seen["missing"]["pe-discount"]


def test_the_report_is_one_offline_file_under_5_mb_with_a_sample_banner(sample_warehouse):
    page = Path(sample_warehouse.html_report).read_text()

    assert len(page.encode()) < 5_000_000
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"https?:", page)
    assert "SAMPLE DATA" in page
