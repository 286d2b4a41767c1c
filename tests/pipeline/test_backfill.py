"""The backfill's plain functions: chunk planning, resumption, and equality with one big load."""

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from helpers import ledger_matches_core_rows, warehouse_checksums

from contracts.datasets import DATASETS
from contracts.errors import ConfigError
from contracts.settings import Settings
from pipeline import backfill as bf
from pipeline import steps
from sources import sample
from transforms.build import build_models
from warehouse.connection import warehouse
from warehouse.loader import load_batch
from warehouse.universe import sync_universe

START, END = date(2023, 11, 1), date(2024, 2, 29)
UNIVERSE = """
[baskets]
small = ["IWM", "IJR"]
large = ["SPY"]
index = ["^RUT"]
pairs = [["IWM", "SPY"]]

[fred]
series = ["DFF", "DGS2"]
"""


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    path = tmp_path_factory.mktemp("universe") / "universe.toml"
    path.write_text(UNIVERSE)
    return Settings(SMALLCAP_UNIVERSE=path)


def _backfill(path: Path, settings: Settings, run_id: str = "bf-1") -> list[bf.ChunkResult]:
    plan = bf.plan_backfill(START, END, settings=settings, source="sample", batch_size=2)
    return bf.run_backfill(path, plan, run_id=run_id, settings=settings).chunks


@pytest.fixture(scope="module")
def reference(tmp_path_factory, settings) -> Path:
    path = tmp_path_factory.mktemp("reference") / "a.duckdb"
    _backfill(path, settings)
    return path


def test_backfill_id_is_stable_and_ignores_ticker_order():
    one = bf.backfill_id(START, END, ["IWM", "SPY"], "sample")

    assert one == bf.backfill_id(START, END, ["SPY", "IWM"], "sample")
    assert one != bf.backfill_id(START, END, ["IWM", "SPY"], "live")
    assert one != bf.backfill_id(START, date(2024, 3, 1), ["IWM", "SPY"], "sample")


def test_plan_has_one_chunk_per_key_batch_over_the_whole_window(settings):
    plan = bf.plan_backfill(START, END, settings=settings, source="sample", batch_size=2)

    assert [c.name for c in plan.chunks] == [
        "prices/IJR+IWM",
        "prices/SPY+^RUT",
        "fundamentals/IJR+IWM",
        "fundamentals/SPY",
        "rates/DFF+DGS2",
    ]
    assert {(c.start, c.end) for c in plan.chunks} == {(START, END)}


def test_live_plan_states_its_requests_two_per_ticker_one_per_series_whatever_the_years(
    settings,
):
    years = bf.plan_backfill(date(2005, 1, 1), END, settings=settings, source="live")
    months = bf.plan_backfill(date(2024, 1, 2), END, settings=settings, source="live")
    expected = 2 * len(settings.universe.tickers) + len(settings.universe.fred_series)

    assert years.requests == months.requests == expected
    assert bf.plan_backfill(START, END, settings=settings, source="sample").requests == 0


def test_live_plan_loads_no_fundamentals_and_says_yahoo_keeps_no_history(settings):
    plan = bf.plan_backfill(START, END, settings=settings, tickers=["IWM"], source="live")

    assert {c.group for c in plan.chunks} == {"prices", "rates"}
    assert any("no fundamentals history" in note for note in plan.notes)


def test_plan_for_some_datasets_keeps_their_chunks_and_is_another_request(settings):
    rates = bf.plan_backfill(START, END, settings=settings, source="live", datasets=["rates"])
    every = bf.plan_backfill(START, END, settings=settings, source="live")

    assert [c.name for c in rates.chunks] == ["rates/DFF+DGS2"]  # one chunk: the whole range
    assert rates.notes == ()  # no Yahoo, so nothing to say about its fundamentals
    assert rates.backfill_id != every.backfill_id
    assert every.backfill_id == bf.backfill_id(START, END, every.tickers, "live")


def test_only_a_rates_plan_may_start_before_the_nyse_calendar(settings):
    early = date(1982, 9, 27)  # DFEDTAR's first observation

    rates = bf.plan_backfill(early, END, settings=settings, source="live", datasets=["rates"])

    assert [(c.name, c.start) for c in rates.chunks] == [("rates/DFF+DGS2", early)]
    with pytest.raises(ConfigError, match="start 1982-09-27 is outside"):
        bf.plan_backfill(early, END, settings=settings, source="live", datasets=["rates", "prices"])


def test_plan_rejects_an_unknown_dataset(settings):
    with pytest.raises(ConfigError, match=r"unknown datasets \['holdings'\]: choose from prices"):
        bf.plan_backfill(START, END, settings=settings, datasets=["rates", "holdings"])


@pytest.mark.parametrize(
    ("start", "end", "tickers", "fragment"),
    [
        (END, START, None, "is after end"),
        (START, END, ["IWM", "bad ticker"], "invalid tickers"),
    ],
)
def test_plan_rejects_reversed_windows_and_bad_tickers(settings, start, end, tickers, fragment):
    with pytest.raises(ConfigError, match=fragment):
        bf.plan_backfill(start, end, settings=settings, tickers=tickers, source="sample")


def test_chunked_backfill_equals_one_load_of_the_whole_window(reference, settings, tmp_path):
    single = tmp_path / "single.duckdb"
    universe = settings.universe
    frames = {
        "prices": sample.generate_prices(universe.tickers, START, END),
        "fundamentals": sample.generate_fundamentals(universe.funds, START, END),
        "sector_weights": sample.generate_sector_weights(universe.funds, START, END),
        "rates": sample.generate_rates(universe.fred_series, START, END),
    }
    with warehouse(single) as con:
        sync_universe(con, universe)
        for name, frame in frames.items():
            load_batch(con, DATASETS[name], frame, frame.iloc[:0].assign(reason=""), run_id="x")
    build_models(single)

    assert warehouse_checksums(reference) == warehouse_checksums(single)
    assert ledger_matches_core_rows(reference)


def test_rerun_skips_every_done_chunk_and_changes_no_row(reference, settings, tmp_path):
    path = tmp_path / "rerun.duckdb"
    shutil.copy(reference, path)

    results = _backfill(path, settings, run_id="second")

    assert all(r.skipped for r in results)
    assert warehouse_checksums(path) == warehouse_checksums(reference)
    with warehouse(path, read_only=True) as con:
        runs = con.execute("select flow, status from audit.runs order by started_at").fetchall()
    assert runs == [("backfill", "success"), ("backfill", "success")]


def test_failed_load_leaves_no_partial_chunk_and_a_rerun_completes(
    reference, settings, tmp_path, monkeypatch
):
    path = tmp_path / "resume.duckdb"
    real_load, calls = steps.load_batch, []

    def load_then_fail_fifth(con, *args, before_commit, **kwargs):
        def hook(c) -> None:
            before_commit(c)
            calls.append(1)
            if len(calls) == 5:
                raise RuntimeError("disk full")

        return real_load(con, *args, before_commit=hook, **kwargs)

    monkeypatch.setattr(steps, "load_batch", load_then_fail_fifth)
    with pytest.raises(RuntimeError, match="disk full"):
        _backfill(path, settings, run_id="broken")
    monkeypatch.setattr(steps, "load_batch", real_load)

    with warehouse(path, read_only=True) as con:
        marked = con.execute("select count(*) from audit.backfill_chunks").fetchall()[0][0]
        status, message = con.execute("select status, message from audit.runs").fetchall()[0]
    assert marked == 4
    assert ledger_matches_core_rows(path)
    assert status == "failed" and "chunk fundamentals/SPY failed" in message and "re-run" in message

    results = _backfill(path, settings, run_id="resumed")

    assert [r.skipped for r in results][:4] == [True, True, True, False]
    assert warehouse_checksums(path) == warehouse_checksums(reference)


def test_mart_tables_are_built_from_the_backfilled_rows(reference):
    with warehouse(reference, read_only=True) as con:
        frame = con.sql("select min(date), max(date) from mart.pe_spread_daily").df()

    assert frame.iloc[0].tolist() == [pd.Timestamp(START), pd.Timestamp("2024-02-29")]
