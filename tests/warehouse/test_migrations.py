import json
from dataclasses import replace
from datetime import date

import duckdb
import pytest
from typer.testing import CliRunner

from cli.main import app
from contracts.datasets import FUNDAMENTALS, PRICES, RATES
from contracts.errors import WarehouseError
from contracts.settings import get_settings
from sources import sample
from warehouse.checksums import table_checksum, table_checksums, table_columns
from warehouse.connection import warehouse
from warehouse.loader import load_batch
from warehouse.migrations import apply_migrations, available_migrations, migration_status


def test_connect_applies_every_migration_once(warehouse_path):
    with warehouse(warehouse_path):
        pass
    with warehouse(warehouse_path) as con:
        versions = con.execute(
            "select version from audit.schema_migrations order by version"
        ).fetchall()

    assert [v for (v,) in versions] == [m.version for m in available_migrations()]


def test_old_warehouse_upgrades_in_place_without_losing_rows(warehouse_path):
    latest = available_migrations()[-1].version
    con = duckdb.connect(str(warehouse_path))
    apply_migrations(con, up_to=latest - 1)
    con.execute("insert into core.universe_tickers values ('IWM', 'small')")
    con.close()

    with warehouse(warehouse_path) as con:
        applied = con.execute("select max(version) from audit.schema_migrations").fetchall()
        kept = con.execute("select * from core.universe_tickers").fetchall()

    assert applied == [(latest,)]
    assert kept == [("IWM", "small")]


# the first version whose schema the loader can write to (core, audit and quarantine tables)
LOADABLE_FROM = 4


def _load_real_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Prices with a quarantined row, rates and the universe, as a daily run loads them (the
    universe into the tables every loadable version has)."""
    universe = get_settings().universe
    prices = sample.generate_prices(universe.tickers, date(2025, 1, 2), date(2025, 3, 31))
    rates = sample.generate_rates(universe.fred_series, date(2025, 1, 1), date(2025, 3, 31))
    funds = sample.generate_fundamentals(universe.funds, date(2025, 1, 2), date(2025, 3, 31))
    # the universe as every version mirrors it (today's sync_universe also fills tables that
    # later migrations create)
    con.executemany("insert into core.universe_tickers values (?, ?)", universe.basket_rows())
    con.executemany("insert into core.spread_pairs values (?, ?)", universe.pairs)
    bad = prices.iloc[:1].assign(close=-1.0, reason="close_positive")
    load_batch(con, PRICES, prices.iloc[1:], bad, run_id="old")
    load_batch(con, RATES, rates, rates.iloc[:0].assign(reason=""), run_id="old")
    # fundamentals as that version stores them (later migrations add columns, e.g. 007's
    # P/E provenance)
    stored = tuple(c for c in FUNDAMENTALS.columns if c in table_columns(con, FUNDAMENTALS.table))
    old = replace(FUNDAMENTALS, columns=stored)
    funds = funds.loc[:, list(stored)]
    load_batch(con, old, funds, funds.iloc[:0].assign(reason=""), run_id="old")


@pytest.mark.parametrize(
    "old_version",
    range(LOADABLE_FROM, available_migrations()[-1].version),
    ids=lambda v: f"from-{v:03d}",
)
def test_loaded_old_warehouse_upgrades_with_identical_table_checksums(warehouse_path, old_version):
    """Core and quarantine rows survive every upgrade. Marts are left out: migrations never
    touch them (every run rebuilds them), and today's models read tables an old schema lacks."""
    con = duckdb.connect(str(warehouse_path))
    apply_migrations(con, up_to=old_version)
    _load_real_rows(con)
    con.close()
    con = duckdb.connect(str(warehouse_path))
    before = table_checksums(con)
    columns = {table: table_columns(con, table) for table in before}
    con.close()

    with warehouse(warehouse_path) as con:  # connecting applies the newer migrations
        # a column a later migration adds (NULL in old rows) is not a change of the old content
        after = {t: table_checksum(con, t, columns=columns[t]) for t in before}
        versions = con.execute("select version from audit.schema_migrations").fetchall()

    assert before["core.prices_daily"].rows > 0 and before["quarantine.prices"].rows == 1
    assert after == before
    assert sorted(v for (v,) in versions) == [m.version for m in available_migrations()]


def _copy_migrations(tmp_path):
    directory = tmp_path / "migrations"
    directory.mkdir()
    for migration in available_migrations():
        (directory / f"{migration.name}.sql").write_text(migration.sql)
    return directory


def test_an_applied_migration_whose_file_changed_is_refused_by_name(warehouse_path, tmp_path):
    directory = _copy_migrations(tmp_path)
    con = duckdb.connect(str(warehouse_path))
    apply_migrations(con, directory=directory)
    edited = directory / "002_core.sql"
    edited.write_text(edited.read_text() + "\n-- an edit after the fact\n")

    with pytest.raises(WarehouseError, match="002_core changed since it was applied"):
        apply_migrations(con, directory=directory)
    states = {s.name: s.state for s in migration_status(con, directory)}
    con.close()

    assert states["002_core"] == "changed"
    assert states["001_schemas"] == "applied"


def test_status_lists_applied_and_pending_migrations(warehouse_path):
    latest = available_migrations()[-1]
    with duckdb.connect(str(warehouse_path)) as con:
        apply_migrations(con, up_to=latest.version - 1)
        states = migration_status(con)

    assert [s.state for s in states] == ["applied"] * (len(states) - 1) + ["pending"]
    assert states[-1].name == latest.name and states[-1].applied_at is None


def test_cli_migrate_applies_then_status_shows_every_migration_applied(warehouse_path):
    runner = CliRunner()
    args = ["--warehouse", str(warehouse_path)]

    applied = runner.invoke(app, ["migrate", *args])
    listed = runner.invoke(app, ["migrate", "--status", "--json", *args])

    assert applied.exit_code == 0, applied.output
    assert listed.exit_code == 0, listed.output
    states = json.loads(listed.output)
    assert [s["name"] for s in states] == [m.name for m in available_migrations()]
    assert {s["state"] for s in states} == {"applied"}
