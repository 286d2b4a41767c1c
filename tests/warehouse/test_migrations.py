from datetime import date

import duckdb
import pytest

from contracts.datasets import FUNDAMENTALS, PRICES, RATES
from contracts.settings import get_settings
from sources import sample
from transforms.build import build_models
from warehouse.checksums import table_checksums
from warehouse.connection import warehouse
from warehouse.loader import load_batch
from warehouse.migrations import apply_migrations, available_migrations


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
# marts whose sources every loadable version has (the return marts read core.index_pairs, 006)
MARTS_OF_EVERY_VERSION = "+pe_spread_daily +etf_flows_daily +size_rotation_daily"


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
    load_batch(con, FUNDAMENTALS, funds, funds.iloc[:0].assign(reason=""), run_id="old")


@pytest.mark.parametrize(
    "old_version",
    range(LOADABLE_FROM, available_migrations()[-1].version),
    ids=lambda v: f"from-{v:03d}",
)
def test_loaded_old_warehouse_upgrades_with_identical_table_checksums(warehouse_path, old_version):
    con = duckdb.connect(str(warehouse_path))
    apply_migrations(con, up_to=old_version)
    _load_real_rows(con)
    con.close()
    build_models(warehouse_path, select=MARTS_OF_EVERY_VERSION)  # as that version's run would
    con = duckdb.connect(str(warehouse_path))
    before = table_checksums(con)
    con.close()

    with warehouse(warehouse_path) as con:  # connecting applies the newer migrations
        after = table_checksums(con)
        versions = con.execute("select version from audit.schema_migrations").fetchall()

    assert before["core.prices_daily"].rows > 0 and before["quarantine.prices"].rows == 1
    assert {table: after[table] for table in before} == before
    assert sorted(v for (v,) in versions) == [m.version for m in available_migrations()]
