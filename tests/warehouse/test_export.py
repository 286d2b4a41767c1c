"""Exports: the files hold exactly the warehouse's rows, the manifest proves it, and only tables
of the warehouse's own catalog can be named."""

import json
from pathlib import Path

import duckdb
import pytest
from helpers import prices_frame
from typer.testing import CliRunner

from cli.main import app
from contracts.datasets import PRICES
from contracts.errors import ConfigError
from transforms.build import build_models
from warehouse.checksums import table_checksum
from warehouse.connection import warehouse
from warehouse.export import export_tables, resolve_tables
from warehouse.loader import load_batch


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three prices, three runs and every model; read-only for the tests (one dbt build)."""
    path = tmp_path_factory.mktemp("export") / "market.duckdb"
    prices = prices_frame()
    with warehouse(path) as con:
        load_batch(con, PRICES, prices, prices.iloc[:0].assign(reason=""), run_id="run-1")
        con.execute(
            """insert into audit.runs (run_id, flow, source, started_at, finished_at, status)
               values ('run-0', 'daily-etl', 'sample', now() - interval 2 day,
                       now() - interval 1 day,
                       'success'),
                      ('run-1', 'daily-etl', 'sample', now(), now(), 'partial'),
                      ('run-2', 'daily-etl', 'sample', now(), null, 'running')"""
        )
    build_models(path)
    return path


def test_default_export_is_every_mart(path):
    with warehouse(path, read_only=True) as con:
        tables = resolve_tables(con)

    assert tables and all(t.startswith("mart.") for t in tables)
    assert "mart.pe_spread_daily" in tables


def test_core_tables_on_request_by_full_or_bare_name(path):
    with warehouse(path, read_only=True) as con:
        tables = resolve_tables(con, ["core.prices_daily", "pe_spread_daily", "prices_daily"])

    assert tables == ["core.prices_daily", "mart.pe_spread_daily"]


@pytest.mark.parametrize(
    "name", ["audit.runs", "core.prices_daily; drop table core.prices_daily", "nope"]
)
def test_names_outside_the_catalog_of_marts_and_core_are_refused(path, name):
    with warehouse(path, read_only=True) as con, pytest.raises(ConfigError, match="choose from"):
        resolve_tables(con, [name])


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_files_hold_the_table_and_the_manifest_matches_them(path, tmp_path, fmt):
    out = tmp_path / "out"
    with warehouse(path, read_only=True) as con:
        manifest = export_tables(
            con, out, fmt=fmt, tables=["core.prices_daily"], warehouse_path=path
        )
        expected = table_checksum(con, "core.prices_daily")

    doc = json.loads((out / "manifest.json").read_text())
    (entry,) = doc["tables"]
    assert doc["format"] == fmt and doc["run_id"] == "run-1" and doc["run_status"] == "partial"
    assert entry["table"] == "core.prices_daily" and entry["file"] == f"core.prices_daily.{fmt}"
    assert (entry["rows"], entry["checksum"]) == (expected.rows, expected.checksum)
    reader = "read_parquet" if fmt == "parquet" else "read_csv"
    with duckdb.connect() as con:
        back = con.execute(f"select ticker, close from {reader}(?) order by all", [
            str(out / entry["file"])
        ]).fetchall()  # fmt: skip
    assert back == [("IWM", 221.0), ("IWM", 222.5), ("SPY", 591.0)]
    assert manifest.tables[0].rows == 3
    assert sorted(p.name for p in out.iterdir()) == sorted(["manifest.json", entry["file"]])


def test_exporting_twice_gives_identical_files(path, tmp_path):
    with warehouse(path, read_only=True) as con:
        first = export_tables(con, tmp_path / "a", fmt="csv", tables=["core.prices_daily"],
                              warehouse_path=path)  # fmt: skip
        second = export_tables(con, tmp_path / "b", fmt="csv", tables=["core.prices_daily"],
                               warehouse_path=path)  # fmt: skip

    assert first.tables[0].sha256 == second.tables[0].sha256


def test_cli_export_writes_marts_and_manifest(path, tmp_path):
    out = tmp_path / "export"

    result = CliRunner().invoke(
        app, ["export", "--format", "csv", "--to", str(out), "--warehouse", str(path)]
    )

    assert result.exit_code == 0, result.output
    doc = json.loads((out / "manifest.json").read_text())
    assert {t["table"] for t in doc["tables"]} >= {"mart.pe_spread_daily"}
    assert all((out / t["file"]).exists() for t in doc["tables"])


def test_cli_export_rejects_an_unknown_table_with_the_choices(path, tmp_path):
    result = CliRunner().invoke(
        app,
        ["export", "--to", str(tmp_path / "x"), "--tables", "secrets", "--warehouse", str(path)],
    )

    assert result.exit_code == 1
    assert "no such table" in result.output and "mart.pe_spread_daily" in result.output
