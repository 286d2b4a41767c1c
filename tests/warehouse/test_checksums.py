"""Table checksums: equal for the same content whatever run loaded it, different otherwise."""

from datetime import date

import pandas as pd

from contracts.datasets import PRICES
from sources import sample
from warehouse.checksums import table_checksum, table_checksums
from warehouse.connection import warehouse
from warehouse.loader import load_batch

PRICES_FRAME = sample.generate_prices(["IWM", "SPY"], date(2025, 1, 2), date(2025, 1, 31))


def _no_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[:0].assign(reason=pd.Series(dtype=str))


def _load(path, frame: pd.DataFrame, run_id: str, quarantined=None) -> None:
    with warehouse(path) as con:
        load_batch(
            con,
            PRICES,
            frame,
            _no_rows(frame) if quarantined is None else quarantined,
            run_id=run_id,
        )


def _sums(path) -> dict:
    with warehouse(path, read_only=True) as con:
        return table_checksums(con)


def test_checksums_ignore_run_ids_load_times_and_row_order(tmp_path):
    _load(tmp_path / "a.duckdb", PRICES_FRAME, "run-a")
    _load(tmp_path / "b.duckdb", PRICES_FRAME.iloc[::-1].reset_index(drop=True), "run-b")

    a, b = _sums(tmp_path / "a.duckdb"), _sums(tmp_path / "b.duckdb")

    assert a == b
    assert a["core.prices_daily"].rows == len(PRICES_FRAME)


def test_checksum_changes_when_one_value_changes(tmp_path):
    changed = PRICES_FRAME.copy()
    changed.loc[3, "volume"] += 1
    _load(tmp_path / "a.duckdb", PRICES_FRAME, "r")
    _load(tmp_path / "b.duckdb", changed, "r")

    a, b = _sums(tmp_path / "a.duckdb"), _sums(tmp_path / "b.duckdb")

    assert a["core.prices_daily"].rows == b["core.prices_daily"].rows
    assert a["core.prices_daily"].checksum != b["core.prices_daily"].checksum


def test_duplicated_quarantine_rows_do_not_cancel_out(tmp_path):
    bad = PRICES_FRAME.iloc[:1].assign(reason="close_positive")
    _load(tmp_path / "once.duckdb", PRICES_FRAME.iloc[1:], "r1", quarantined=bad)
    _load(tmp_path / "twice.duckdb", PRICES_FRAME.iloc[1:], "r1", quarantined=bad)
    _load(tmp_path / "twice.duckdb", PRICES_FRAME.iloc[1:], "r2", quarantined=bad)

    once = _sums(tmp_path / "once.duckdb")["quarantine.prices"]
    twice = _sums(tmp_path / "twice.duckdb")["quarantine.prices"]

    assert (once.rows, twice.rows) == (1, 2)
    assert once.checksum != twice.checksum != "0" * 32


def test_checksums_cover_core_mart_and_quarantine_but_not_audit(con):
    con.execute("create table mart.demo as select 1.0 / 3 as x")

    tables = table_checksums(con)

    assert {"core.prices_daily", "mart.demo", "quarantine.prices"} <= set(tables)
    assert not [t for t in tables if t.startswith(("audit.", "staging."))]
    assert table_checksum(con, "mart.demo").rows == 1
