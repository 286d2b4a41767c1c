"""The daily-grain marts build incrementally and still equal a full rebuild.

A real sample backfill (which refreshes in full and records the build), then runs that change
little: a daily run, a revision inside the look-back, a revision older than it. After each, every
mart must hold the same rows as a full rebuild of a copy of the same warehouse, and dbt's own
records must show which path ran.

Rows are compared in the order of each mart's grain, every column exact but the doubles, which
match to 1e-9 relative: DuckDB's parallel sums may differ in the last bits between two full
builds of the same data (seen in flow_20d_usd), so even a 12-digit hash of all columns would
call two equal builds different now and then.
"""

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.daily import daily_run
from contracts.datasets import PRICES
from contracts.settings import DEFAULT_UNIVERSE, Settings, get_settings
from pipeline import steps
from pipeline.backfill import plan_backfill, run_backfill
from pipeline.report import RunReport
from sources import dispatch
from sources.extraction import Extraction
from transforms.build import LONGEST_LOOKBACK_DAYS, PROJECT_DIR, build_models, work_dir_for
from warehouse.checksums import base_tables, table_checksums
from warehouse.connection import warehouse
from warehouse.loader import load_batch

HISTORY_END = date(2025, 6, 26)
# the first daily run catches up what a backfill does not fetch (futures, holdings, quotes),
# years of rows, and refreshes in full; the second adds one session (a Monday)
CATCH_UP_DATE, RUN_DATE = date(2025, 6, 27), date(2025, 6, 30)
# the schemas of dbt's tables: the marts, and the staging and intermediate models stored as tables
BUILT = ("mart", "staging", "intermediate")
INCREMENTAL_MARTS = (
    "concentration_daily",
    "etf_flows_daily",
    "fund_valuation_daily",
    "implied_policy_path",
    "pe_spread_daily",
    "relative_returns_daily",
    "returns_monthly",  # by month: recomputes from the first day of the cut-off's month
    "size_rotation_daily",
)
MONTHLY = {"returns_monthly"}


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    path = tmp_path_factory.mktemp("incremental") / "history.duckdb"
    return get_settings(warehouse=path, universe_path=DEFAULT_UNIVERSE)


@pytest.fixture(scope="module")
def history(settings: Settings) -> Path:
    """The default universe's sample history as far back as a daily run wants it, loaded and
    built by a real backfill."""
    path = settings.warehouse_for("sample")
    start = steps.history_start(RUN_DATE, settings.history_years)
    plan = plan_backfill(start, HISTORY_END, settings=settings, source="sample")
    report = run_backfill(path, plan, run_id="history", settings=settings).report
    assert report.marts == "marts: full refresh (a backfill)"
    return path


@pytest.fixture(scope="module")
def after_daily(history: Path, settings: Settings, tmp_path_factory) -> tuple[Path, RunReport]:
    """A copy of the history after two daily runs of the sample source: the catch-up, then
    the one under test."""
    path = _copy(history, tmp_path_factory.mktemp("daily") / "daily.duckdb")
    reports = []
    for day in (CATCH_UP_DATE, RUN_DATE):

        def extract(group: str, windows, day: date = day) -> Extraction:
            return dispatch.extract_group(
                group, "sample", windows, run_date=day, settings=settings, api_key=None
            )

        run = daily_run(path, run_date=day, settings=settings, extract=extract)
        assert run.report.status == "success", run.report.summary()
        reports.append(run.report)
    assert reports[0].marts is not None and reports[0].marts.startswith("marts: full refresh")
    return path, reports[1]


def _copy(source: Path, target: Path) -> Path:
    shutil.copyfile(source, target)
    return target


def _grain(table: str) -> list[str]:
    """The grain a model's first line declares (tests/transforms/test_build.py holds it true)."""
    (model,) = (PROJECT_DIR / "models").glob(f"*/{table}.*")
    first = model.read_text().splitlines()[0]
    match = re.match(r"^(?:--|#) grain: one row per \((.+)\)$", first)
    assert match, table
    return [column.strip() for column in match.group(1).split(",")]


def _marts(path: Path) -> dict[str, pd.DataFrame]:
    """The rows of every model stored as a table (the marts, and the staging and intermediate
    tables they read, two of them incremental too), in the order of its grain."""
    with warehouse(path, read_only=True) as con:
        tables = base_tables(con, BUILT)
        return {
            t: con.execute(f"select * from {t} order by {', '.join(_grain(t.split('.')[1]))}").df()
            for t in tables
        }


def _assert_same_marts(path: Path, tmp_path: Path) -> None:
    """The marts at ``path`` equal those of a copy rebuilt whole."""
    copy = _copy(path, tmp_path / "full.duckdb")
    build_models(copy, full_refresh=True)
    ours, full = _marts(path), _marts(copy)
    assert ours.keys() == full.keys()
    for table, frame in full.items():
        pd.testing.assert_frame_equal(
            ours[table], frame, check_exact=False, rtol=1e-9, atol=1e-6, obj=table
        )


def _dbt_ran(path: Path, model: str) -> tuple[str, str]:
    """(the model's compiled SELECT, the SQL its materialisation ran) of the last build."""
    target = work_dir_for(path) / "target"
    results = json.loads((target / "run_results.json").read_text())["results"]
    (result,) = [r for r in results if r["unique_id"] == f"model.smallcap.{model}"]
    ran = (target / "run" / "smallcap" / "models" / "marts" / f"{model}.sql").read_text()
    return result["compiled_code"], ran


def _test_sql(path: Path) -> dict[str, str]:
    """Each data test of the last build by name, with the SQL it ran."""
    target = work_dir_for(path) / "target"
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {
        r["unique_id"].split(".")[2]: r["compiled_code"]
        for r in results
        if r["unique_id"].startswith("test.")
    }


def _first_day(model: str, since: str) -> str:
    """The first day a build from ``since`` recomputes in ``model``."""
    return since[:8] + "01" if model in MONTHLY else since


def _revise_close(path: Path, day: str, factor: float) -> None:
    """Revise IWM's adj_close of ``day`` through the loader, as a re-fetch would."""
    with warehouse(path) as con:
        row = con.execute(
            "select * exclude (run_id, loaded_at) from core.prices_daily"
            " where ticker = 'IWM' and date = ?",
            [day],
        ).df()
        assert len(row) == 1
        row["adj_close"] *= factor
        none = row.iloc[:0].assign(reason=pd.Series(dtype=str))
        result = load_batch(con, PRICES, row, none, run_id=f"revise-{day}")
    assert result.rows_changed == 1


def _transform(path: Path, settings: Settings) -> RunReport:
    report = RunReport(run_id="revision", source="sample", run_date=RUN_DATE, warehouse=str(path))
    steps.transform(path, report=report, settings=settings)
    return report


def test_a_daily_run_builds_only_its_days_and_equals_a_full_rebuild(after_daily, tmp_path):
    path, report = after_daily

    assert report.marts is not None and report.marts.startswith("marts: incremental from ")
    since = report.marts.split()[3]
    assert date.fromisoformat(since) > HISTORY_END
    for model in INCREMENTAL_MARTS:
        compiled, ran = _dbt_ran(path, model)
        assert f">= date '{_first_day(model, since)}'" in compiled, model
        assert "delete from" in ran and "insert into" in ran, model
    # the data tests of the rebuilt slice check it alone; a table without dates all of it
    tests = _test_sql(path)
    sliced = [*INCREMENTAL_MARTS, "stg_adj_closes", "int_etf_flows"]
    for model in sliced:
        ours = {name: sql for name, sql in tests.items() if f"_{model}_" in name}
        assert ours, model
        for name, sql in ours.items():
            assert f">= date '{_first_day(model, since)}') dbt_subquery" in sql, name
    pairs = "unique_combination_of_columns_int_return_pairs_small_ticker__large_ticker"
    assert "dbt_subquery" not in tests[pairs]
    with warehouse(path, read_only=True) as con:
        older = con.execute(
            "select count(*) from mart.relative_returns_daily where date < ?", [since]
        ).fetchall()[0][0]
        newer = con.execute(
            "select count(*) from mart.relative_returns_daily where date >= ?", [since]
        ).fetchall()[0][0]
    assert older > 1000 and newer > 0  # history kept, the new session written
    _assert_same_marts(path, tmp_path)


def test_a_revision_inside_the_look_back_recomputes_from_its_day(after_daily, settings, tmp_path):
    path = _copy(after_daily[0], tmp_path / "revised.duckdb")
    _revise_close(path, "2025-06-16", 1.02)

    report = _transform(path, settings)

    assert report.marts == "marts: incremental from 2025-06-16 (earliest changed day 2025-06-16)"
    compiled, _ = _dbt_ran(path, "relative_returns_daily")
    assert "date >= date '2025-06-16' - 400" in compiled  # its look-back of prices
    _assert_same_marts(path, tmp_path)


def test_a_revision_older_than_the_look_back_refreshes_in_full(after_daily, settings, tmp_path):
    path = _copy(after_daily[0], tmp_path / "old.duckdb")
    _revise_close(path, "2024-01-10", 0.98)

    report = _transform(path, settings)

    assert report.marts == (
        "marts: full refresh "
        f"(rows of 2024-01-10 changed, more than {LONGEST_LOOKBACK_DAYS} days back)"
    )
    compiled, ran = _dbt_ran(path, "relative_returns_daily")
    assert ">= date '" not in compiled and "delete from" not in ran
    _assert_same_marts(path, tmp_path)


def test_nothing_changed_writes_nothing_and_a_forced_refresh_rebuilds(
    after_daily, settings, tmp_path
):
    path = _copy(after_daily[0], tmp_path / "same.duckdb")
    with warehouse(path, read_only=True) as con:
        before = table_checksums(con, BUILT)

    assert _transform(path, settings).marts.startswith("marts: incremental from 2025-07-01 ")
    with warehouse(path, read_only=True) as con:
        assert table_checksums(con, BUILT) == before  # not a row rewritten

    report = RunReport(run_id="forced", source="sample", run_date=RUN_DATE, warehouse=str(path))
    steps.transform(path, report=report, settings=settings, full_refresh="asked")
    assert report.marts == "marts: full refresh (asked)"
    _, ran = _dbt_ran(path, "relative_returns_daily")
    assert "delete from" not in ran
    tests = _test_sql(path)
    assert len(tests) > 100
    assert not [name for name, sql in tests.items() if "dbt_subquery" in sql]  # all rows tested
