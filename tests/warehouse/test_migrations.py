import json
from dataclasses import replace
from datetime import date

import duckdb
import pytest
from typer.testing import CliRunner

from cli.main import app
from contracts.datasets import FUNDAMENTALS, PRICES, RATES, Dataset
from contracts.errors import WarehouseError
from contracts.settings import get_settings
from sources import sample
from warehouse.checksums import table_checksum, table_checksums
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


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    schema, name = table.split(".")
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, name],
    ).fetchall()
    return [c for (c,) in rows]


def _as_of_then(con: duckdb.DuckDBPyConnection, dataset: Dataset) -> Dataset:
    """The dataset as that version's loader knew it: the columns its table had."""
    existing = _columns(con, dataset.table)
    return replace(dataset, columns=tuple(c for c in dataset.columns if c in existing))


def _load_real_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Prices with a quarantined row, rates and the universe, as a daily run loads them (the
    universe into the tables every loadable version has)."""
    universe = get_settings().universe
    prices = sample.generate_prices(universe.tickers, date(2025, 1, 2), date(2025, 3, 31))
    rates = sample.generate_rates(universe.fred_series, date(2025, 1, 1), date(2025, 3, 31))
    funds = sample.generate_fundamentals(universe.funds, date(2025, 1, 2), date(2025, 3, 31))
    con.executemany("insert into core.universe_tickers values (?, ?)", universe.basket_rows())
    con.executemany("insert into core.spread_pairs values (?, ?)", universe.pairs)
    bad = prices.iloc[:1].assign(close=-1.0, reason="close_positive")
    load_batch(con, PRICES, prices.iloc[1:], bad, run_id="old")
    load_batch(con, RATES, rates, rates.iloc[:0].assign(reason=""), run_id="old")
    then = _as_of_then(con, FUNDAMENTALS)
    funds = funds[list(then.columns)]
    load_batch(con, then, funds, funds.iloc[:0].assign(reason=""), run_id="old")


@pytest.mark.parametrize(
    "old_version",
    range(LOADABLE_FROM, available_migrations()[-1].version),
    ids=lambda v: f"from-{v:03d}",
)
def test_loaded_old_warehouse_upgrades_with_identical_table_checksums(warehouse_path, old_version):
    """Every value loaded before the upgrade is there after it; columns a migration added are
    NULL on the old rows. (The marts are rebuilt by the next run, with that run's models.)"""
    con = duckdb.connect(str(warehouse_path))
    apply_migrations(con, up_to=old_version)
    _load_real_rows(con)
    before = table_checksums(con)
    columns = {table: _columns(con, table) for table in before}
    con.close()

    with warehouse(warehouse_path) as con:  # connecting applies the newer migrations
        con.execute("create schema before_upgrade")
        copies = {t: f"before_upgrade.{t.replace('.', '__')}" for t in before}
        for table, kept in columns.items():
            listed = ", ".join(f'"{c}"' for c in kept)
            con.execute(f"create table {copies[table]} as select {listed} from {table}")
        after = {t: table_checksum(con, copy) for t, copy in copies.items()}
        added = {t: [c for c in _columns(con, t) if c not in kept] for t, kept in columns.items()}
        filled = {
            (t, c): con.execute(f'select count("{c}") from {t}').fetchall()[0][0]
            for t, new in added.items()
            for c in new
        }
        versions = con.execute("select version from audit.schema_migrations").fetchall()

    assert before["core.prices_daily"].rows > 0 and before["quarantine.prices"].rows == 1
    assert before["core.fundamentals_daily"].rows > 0
    assert after == before
    assert set(filled.values()) <= {0}
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
