import duckdb

from warehouse.connection import warehouse
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
