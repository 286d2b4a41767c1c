"""Quarantine operations on a real warehouse file: list, show, release (re-validate, load) and
purge, through the plain functions and the CLI."""

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli.main import app
from contracts.datasets import PRICES
from contracts.errors import ConfigError
from warehouse import quarantine
from warehouse.connection import warehouse
from warehouse.loader import load_batch

RUN_DATE = date(2025, 1, 10)


def _bar(day: str, **changes) -> dict:
    bar = {
        "ticker": "IWM",
        "date": pd.Timestamp(day),
        "open": 220.0,
        "high": 222.0,
        "low": 219.0,
        "close": 221.0,
        "adj_close": 220.5,
        "volume": 1_000_000,
        "dividends": 0.0,
        "stock_splits": 0.0,
        "source": "sample",
    }
    return bar | changes


def _quarantined(bars: list[dict], reason: str) -> pd.DataFrame:
    frame = pd.DataFrame(bars)
    frame["date"] = frame["date"].astype("datetime64[ns]")
    return frame.assign(reason=reason)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """One good bar in core; quarantined: a good bar (rejected by an older, stricter suite)
    and a bar with a negative close (still bad)."""
    path = tmp_path / "market.duckdb"
    good = pd.DataFrame([_bar("2025-01-02")]).astype({"date": "datetime64[ns]"})
    rejected = _quarantined(
        [_bar("2025-01-03"), _bar("2025-01-06", close=-1.0)], "old_suite_rule(close)"
    )
    with warehouse(path) as con:
        load_batch(con, PRICES, good, rejected, run_id="run-1")
    return path


def _ids(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.sql("select cast(date as varchar), quarantine_id from quarantine.prices")
        return dict(rows.fetchall())


def test_summary_counts_rows_per_dataset_and_reason(path):
    with warehouse(path, read_only=True) as con:
        found = quarantine.summary(con)

    assert [(d, r, n) for d, r, n, *_ in found] == [("prices", "old_suite_rule(close)", 2)]


def test_rows_returns_the_newest_rows_with_their_ids(path):
    with warehouse(path, read_only=True) as con:
        frames = quarantine.rows(con, "prices", limit=1)

    assert list(frames) == ["prices"]
    assert len(frames["prices"]) == 1
    assert {"quarantine_id", "reason", "run_id"} <= set(frames["prices"].columns)


def test_unknown_dataset_is_refused_with_the_choices(path):
    with warehouse(path, read_only=True) as con, pytest.raises(ConfigError, match="prices"):
        quarantine.summary(con, "bogus")


def test_release_loads_rows_that_now_pass_and_keeps_failing_ones_with_a_new_reason(path):
    with warehouse(path) as con:
        result = quarantine.release(con, run_date=RUN_DATE, dataset="prices")
        core = con.execute(
            "select cast(date as varchar), run_id from core.prices_daily order by date"
        ).fetchall()
        left = con.execute("select cast(date as varchar), reason from quarantine.prices").fetchall()
        ledger = con.execute(
            "select flow, status from audit.runs where run_id = ?", [result.run_id]
        ).fetchall()

    assert result.released == {"prices": 1} and result.still_failing == {"prices": 1}
    assert core == [("2025-01-02", "run-1"), ("2025-01-03", result.run_id)]
    assert left == [("2025-01-06", "expect_column_values_to_be_between(close)")]
    assert ledger == [("quarantine-release", "success")]


def test_release_by_id_touches_only_those_rows(path):
    ids = _ids(path)

    with warehouse(path) as con:
        result = quarantine.release(con, run_date=RUN_DATE, ids=[ids["2025-01-06"]])
        reasons = dict(
            con.execute("select cast(date as varchar), reason from quarantine.prices").fetchall()
        )

    assert result.released == {"prices": 0}
    assert reasons["2025-01-03"] == "old_suite_rule(close)"  # not selected, not re-validated
    assert reasons["2025-01-06"].startswith("expect_column_values_to_be_between")


def test_a_failing_load_releases_nothing_and_keeps_the_quarantine(path, monkeypatch):
    def broken_merge(*args, **kwargs):
        raise duckdb.Error("disk full")

    monkeypatch.setattr("warehouse.loader._merge", broken_merge)
    with warehouse(path) as con:
        with pytest.raises(duckdb.Error):
            quarantine.release(con, run_date=RUN_DATE, dataset="prices")
        count = con.execute("select count(*) from quarantine.prices").fetchall()[0][0]
        status = con.execute(
            "select status from audit.runs where flow = 'quarantine-release'"
        ).fetchall()

    assert count == 2
    assert status == [("failed",)]


def test_purge_before_a_date_deletes_only_older_rows_and_dry_run_deletes_nothing(path):
    with warehouse(path) as con:
        dry = quarantine.purge(con, before=date(2999, 1, 1), dry_run=True)
        none = quarantine.purge(con, dataset="prices", before=date(2000, 1, 1))
        remaining = con.execute("select count(*) from quarantine.prices").fetchall()[0][0]
        gone = quarantine.purge(con, dataset="prices", before=date(2999, 1, 1))
        after = con.execute("select count(*) from quarantine.prices").fetchall()[0][0]

    assert dry["prices"] == 2 and remaining == 2 and none == {"prices": 0}
    assert gone == {"prices": 2} and after == 0


def test_purge_by_ids(path):
    ids = _ids(path)

    with warehouse(path) as con:
        gone = quarantine.purge(con, ids=[ids["2025-01-06"]])
        left = con.execute("select cast(date as varchar) from quarantine.prices").fetchall()

    assert gone["prices"] == 1
    assert left == [("2025-01-03",)]


def test_cli_purge_without_yes_deletes_nothing_and_says_how(path):
    result = CliRunner().invoke(app, ["quarantine", "purge", "--warehouse", str(path)])

    assert result.exit_code == 1
    assert "--yes" in result.output
    assert len(_ids(path)) == 2


def test_cli_list_show_and_purge_with_yes(path):
    runner = CliRunner()
    listed = runner.invoke(app, ["quarantine", "list", "--warehouse", str(path)])
    shown = runner.invoke(
        app, ["quarantine", "show", "--dataset", "prices", "--warehouse", str(path)]
    )
    purged = runner.invoke(app, ["quarantine", "purge", "--yes", "--warehouse", str(path)])

    assert listed.exit_code == 0 and "old_suite_rule" in listed.output
    assert shown.exit_code == 0 and "2025-01-06" in shown.output
    assert purged.exit_code == 0 and _ids(path) == {}


def test_cli_release_needs_ids_or_all(path):
    result = CliRunner().invoke(app, ["quarantine", "release", "--warehouse", str(path)])

    assert result.exit_code == 1
    assert "--ids" in result.output and "--all" in result.output
