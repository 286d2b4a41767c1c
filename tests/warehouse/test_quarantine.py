"""Quarantine tables on a real warehouse file: list, show and purge, through the plain functions
and the CLI (release, a run, is tested in tests/pipeline/test_quarantine.py)."""

from datetime import date
from pathlib import Path

import pytest
from helpers import quarantine_ids
from typer.testing import CliRunner

from cli.main import app
from contracts.errors import ConfigError
from warehouse import quarantine
from warehouse.connection import warehouse


@pytest.fixture
def path(quarantined_warehouse: Path) -> Path:
    return quarantined_warehouse


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
    ids = quarantine_ids(path)

    with warehouse(path) as con:
        gone = quarantine.purge(con, ids=[ids["2025-01-06"]])
        left = con.execute("select cast(date as varchar) from quarantine.prices").fetchall()

    assert gone["prices"] == 1
    assert left == [("2025-01-03",)]


def test_cli_purge_without_yes_deletes_nothing_and_says_how(path):
    result = CliRunner().invoke(app, ["quarantine", "purge", "--warehouse", str(path)])

    assert result.exit_code == 1
    assert "--yes" in result.output
    assert len(quarantine_ids(path)) == 2


def test_cli_list_show_and_purge_with_yes(path):
    runner = CliRunner()
    listed = runner.invoke(app, ["quarantine", "list", "--warehouse", str(path)])
    shown = runner.invoke(
        app, ["quarantine", "show", "--dataset", "prices", "--warehouse", str(path)]
    )
    purged = runner.invoke(app, ["quarantine", "purge", "--yes", "--warehouse", str(path)])

    assert listed.exit_code == 0 and "old_suite_rule" in listed.output
    assert shown.exit_code == 0 and "2025-01-06" in shown.output
    assert purged.exit_code == 0 and quarantine_ids(path) == {}


def test_cli_release_needs_ids_or_all_a_usage_error(path):
    result = CliRunner().invoke(app, ["quarantine", "release", "--warehouse", str(path)])

    assert result.exit_code == 2
    assert "--ids" in result.output and "--all" in result.output
