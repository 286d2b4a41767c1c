"""Publishing the BI snapshot: complete, checkpointed, atomic, and harmless to open readers."""

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.main import app
from contracts.errors import WarehouseError
from contracts.settings import Settings
from transforms.build import build_models
from warehouse import publish
from warehouse.connection import warehouse
from warehouse.migrations import apply_migrations
from warehouse.publish import publish_bi, publish_snapshot


def _add_prices(path: Path, n: int, *, start: int = 0) -> None:
    """``n`` IWM bars (days start..start+n-1 of 2025) and a run; marts need no rebuild (without
    fundamentals and rates they stay empty), so only ``built`` runs dbt."""
    with warehouse(path) as con:
        con.execute(
            """insert into core.prices_daily
               select 'IWM', date '2025-01-01' + i::int, 1, 1, 1, 1, 1, 1, 0, 0, 'sample',
                      'run-' || ?, now()
               from range(?, ?) t(i)""",
            [n, start, start + n],
        )
        con.execute(
            """insert or replace into audit.runs (run_id, flow, source, started_at, status,
               parameters) values (?, 'daily-etl', 'sample', now(), 'success', '{"a": 1}')""",
            [f"run-{start + n}"],
        )


def _count(path: Path, table: str) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(f"select count(*) from {table}").fetchall()[0][0]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("built") / "market.duckdb"
    _add_prices(path, 3)
    build_models(path)
    return path


@pytest.fixture
def main(built: Path, tmp_path: Path) -> Path:
    """A warehouse with 3 bars, a run and every model (a copy of one dbt build)."""
    path = tmp_path / "market.duckdb"
    shutil.copy(built, path)
    return path


def test_publish_copies_every_core_mart_and_audit_relation_with_its_rows(main, tmp_path):
    target = tmp_path / "bi" / "market.duckdb"

    result = publish_snapshot(main, target)

    with duckdb.connect(str(target), read_only=True) as con:
        tables = {
            f"{s}.{t}"
            for s, t in con.sql("select schema_name, table_name from duckdb_tables()").fetchall()
        }
    assert {"core.prices_daily", "mart.pe_spread_daily", "audit.runs"} <= tables
    assert "staging.stg_fund_snapshots" in tables  # views are materialised, self-contained
    assert "audit.bi_publication" in tables
    assert result.rows["core.prices_daily"] == _count(target, "core.prices_daily") == 3
    assert set(result.rows) == tables - {"audit.bi_publication"}


def test_snapshot_keeps_table_and_column_comments(main, tmp_path):
    target = tmp_path / "bi" / "market.duckdb"

    publish_snapshot(main, target, storage_version="v1.4.0")

    with duckdb.connect(str(target), read_only=True) as con:
        table = con.sql(
            """select comment from duckdb_tables()
               where schema_name = 'mart' and table_name = 'pe_spread_daily'"""
        ).fetchall()
        view = con.sql(
            """select comment from duckdb_tables()
               where schema_name = 'staging' and table_name = 'stg_fund_snapshots'"""
        ).fetchall()
        columns = dict(
            con.sql(
                """select schema_name || '.' || table_name || '.' || column_name, comment
                   from duckdb_columns() where schema_name in ('mart', 'core')"""
            ).fetchall()
        )
    assert "small caps" in table[0][0]
    assert view[0][0]  # a view's comment follows it into its materialised table
    assert "fraction, 0.25 = 25 %" in columns["mart.pe_spread_daily.discount_pct"]
    assert "US dollars" in columns["core.fundamentals_daily.total_assets"]


def test_snapshot_stores_json_as_varchar_so_older_readers_need_no_extension(main, tmp_path):
    target = tmp_path / "bi" / "market.duckdb"

    publish_snapshot(main, target)

    with duckdb.connect(str(target), read_only=True) as con:
        types = con.sql(
            "select data_type from duckdb_columns() "
            "where table_name = 'runs' and column_name = 'parameters'"
        ).fetchall()
        value = con.sql("select parameters from audit.runs").fetchall()[0][0]
    assert types == [("VARCHAR",)]
    assert json.loads(value) == {"a": 1}


def test_publish_leaves_no_wal_and_no_temp_file(main, tmp_path):
    target = tmp_path / "bi" / "market.duckdb"

    publish_snapshot(main, target)
    publish_snapshot(main, target)

    assert sorted(p.name for p in target.parent.iterdir()) == ["market.duckdb"]


def test_publish_bi_writes_where_settings_point(main):
    settings = Settings(warehouse=main)

    result = publish_bi(main, settings)

    assert result.path == main.parent / "bi" / "market.duckdb" == settings.bi_database_for(main)
    assert result.storage_version == settings.bi_storage_version


def test_a_stale_wal_next_to_the_published_file_is_removed(main, tmp_path):
    target = tmp_path / "bi" / "market.duckdb"
    publish_snapshot(main, target)
    Path(f"{target}.wal").write_bytes(b"left by a BI tool that opened the snapshot read-write")

    publish_snapshot(main, target)

    assert not Path(f"{target}.wal").exists()
    assert _count(target, "core.prices_daily") == 3


def test_a_failed_publish_keeps_the_previous_snapshot_and_cleans_up(main, tmp_path, monkeypatch):
    target = tmp_path / "bi" / "market.duckdb"
    publish_snapshot(main, target)
    _add_prices(main, 2, start=3)

    def broken(con, tmp, storage_version):
        tmp.write_bytes(b"half written")
        raise WarehouseError("disk full")

    monkeypatch.setattr(publish, "_write_snapshot", broken)
    with pytest.raises(WarehouseError, match="disk full"):
        publish_snapshot(main, target)

    assert _count(target, "core.prices_daily") == 3
    assert sorted(p.name for p in target.parent.iterdir()) == ["market.duckdb"]


def test_an_abandoned_temp_file_of_a_killed_publish_is_removed(main, tmp_path):
    target = tmp_path / "bi" / "market.duckdb"
    target.parent.mkdir()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    leftover = target.with_name(f".market.duckdb.publishing-{dead}")
    leftover.write_bytes(b"killed mid-write")

    publish_snapshot(main, target)

    assert not leftover.exists()


def test_storage_version_that_is_not_a_version_is_refused_with_the_setting_name(main, tmp_path):
    with pytest.raises(WarehouseError, match="SMALLCAP_BI_STORAGE_VERSION"):
        publish_snapshot(main, tmp_path / "bi.duckdb", storage_version="latest'; drop")


READER = textwrap.dedent(
    """
    import json, sys, duckdb
    path, go = sys.argv[1], sys.argv[2]
    def state(con):
        return con.sql("select count(*) from core.prices_daily").fetchall()[0][0]
    held = duckdb.connect(path, read_only=True)
    before = state(held)
    print("ready", flush=True)
    sys.stdin.readline()
    during = state(held)
    held.close()  # while any connection is open, this process's DuckDB instance is the old file
    fresh = duckdb.connect(path, read_only=True)
    print(json.dumps({"before": before, "held_after": during, "reconnected": state(fresh)}))
    """
)


def test_reader_holding_the_snapshot_keeps_the_old_state_and_reconnect_sees_the_new(main, tmp_path):
    target = tmp_path / "bi" / "market.duckdb"
    publish_snapshot(main, target)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(target), "go"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout.readline().strip() == "ready"

    _add_prices(main, 2, start=3)
    publish_snapshot(main, target)  # not blocked by the open reader
    out, _ = reader.communicate("go\n", timeout=30)

    assert reader.returncode == 0
    assert json.loads(out) == {"before": 3, "held_after": 3, "reconnected": 5}


def test_status_json_reports_the_absolute_path_the_pipeline_publishes_to(main, monkeypatch):
    monkeypatch.chdir(main.parent)
    result = CliRunner().invoke(app, ["status", "--json", "--warehouse", main.name])

    assert result.exit_code == 0, result.output
    published = publish_bi(Path(main.name), Settings(warehouse=Path(main.name))).path
    assert json.loads(result.output)["bi_database"] == str(published.resolve())


def _storage_version(path: Path) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(
            "select tags['storage_version'] from duckdb_databases() "
            "where database_name = current_database()"
        ).fetchall()[0][0]


def test_a_new_warehouse_file_is_created_in_the_bi_storage_format(main):
    assert _storage_version(main) == "v1.4.0+"


def test_a_copied_snapshot_leaves_out_schemas_bi_does_not_see(main, tmp_path):
    with warehouse(main) as con:
        con.execute("create schema scratch")
        con.execute("create table scratch.notes as select 1 as n")
    target = tmp_path / "bi" / "market.duckdb"

    result = publish_snapshot(main, target)

    with duckdb.connect(str(target), read_only=True) as con:
        schemas = {s for (s,) in con.sql("select schema_name from duckdb_tables()").fetchall()}
    assert "scratch" not in schemas
    assert _storage_version(target) == "v1.4.0+"
    assert result.rows["core.prices_daily"] == 3


def test_a_warehouse_in_duckdb_2_format_is_rewritten_into_a_1_4_snapshot(tmp_path):
    old = tmp_path / "old.duckdb"
    with duckdb.connect(str(old)) as con:  # what files created before this release are
        apply_migrations(con)
    _add_prices(old, 4)
    target = tmp_path / "bi" / "old.duckdb"

    result = publish_snapshot(old, target)

    assert _storage_version(old) == "v2.0.0+"
    assert _storage_version(target) == "v1.4.0+"
    assert result.rows["core.prices_daily"] == _count(target, "core.prices_daily") == 4


def _comments(path: Path, schema: str, table: str) -> dict[str | None, str | None]:
    """The table's comment (key None) and its columns' comments."""
    with duckdb.connect(str(path), read_only=True) as con:
        found = con.execute(
            """select null, comment from duckdb_tables()
               where schema_name = $s and table_name = $t
               union all
               select column_name, comment from duckdb_columns()
               where schema_name = $s and table_name = $t""",
            {"s": schema, "t": table},
        ).fetchall()
    return dict(found)


def test_a_json_column_turned_varchar_keeps_its_comment(main, tmp_path):
    with warehouse(main) as con:
        con.execute("comment on column audit.runs.parameters is 'the run''s options, as JSON'")
    target = tmp_path / "bi" / "market.duckdb"

    publish_snapshot(main, target)

    assert _comments(target, "audit", "runs")["parameters"] == "the run's options, as JSON"


def test_a_rewritten_snapshot_carries_every_comment_of_the_warehouse(tmp_path):
    old = tmp_path / "old.duckdb"
    with duckdb.connect(str(old)) as con:  # DuckDB 2 format: rewritten, not copied
        apply_migrations(con)
        con.execute("comment on table core.prices_daily is 'one bar per ticker and session'")
        con.execute("comment on column core.prices_daily.close is 'US dollars'")
        con.execute("create view core.closes as select ticker, close from core.prices_daily")
        con.execute("comment on view core.closes is 'closes only'")
    _add_prices(old, 2)
    target = tmp_path / "bi" / "old.duckdb"

    result = publish_snapshot(old, target)

    prices = _comments(target, "core", "prices_daily")
    assert prices[None] == "one bar per ticker and session"
    assert prices["close"] == "US dollars"
    assert _comments(target, "core", "closes")[None] == "closes only"
    assert result.rows["core.closes"] == 2
