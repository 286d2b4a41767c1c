"""Plain test builders and checks shared by several test files (imported as ``helpers``).

The fixtures that use them live in tests/conftest.py; network-edge fakes live in tests/fakes.py.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from contracts.datasets import DATASETS
from contracts.settings import get_settings
from warehouse.checksums import table_checksums
from warehouse.connection import warehouse


def copy_published(source: Path, target: Path) -> Path:
    """Copy the warehouse at ``source`` and its BI snapshot to ``target`` and its snapshot's
    place: a test's own copy of a run that several tests start from. Returns the snapshot."""
    settings = get_settings()
    shutil.copy(source, target)
    snapshot = settings.bi_database_for(target)
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(settings.bi_database_for(source), snapshot)
    return snapshot


# Two funds in one pair and one FRED series: the smallest universe the CLI and pipeline accept.
SMALL_UNIVERSE = """
[baskets]
small = ["IWM"]
large = ["SPY"]
pairs = [["IWM", "SPY"]]

[fred]
series = ["DFF"]
"""

# The three FRED series of the Fed funds target (single target, then the range's bounds).
FED_TARGET_UNIVERSE = """
[baskets]
small = ["IWM"]
large = ["SPY"]
pairs = [["IWM", "SPY"]]

[fred]
series = ["DFEDTAR", "DFEDTARU", "DFEDTARL"]
"""


def prices_frame(**changes: object) -> pd.DataFrame:
    """Three sample price rows: IWM on 2025-01-02/03, SPY on 2025-01-02; ``changes`` set columns."""
    frame = pd.DataFrame(
        {
            "ticker": ["IWM", "IWM", "SPY"],
            "date": pd.to_datetime(["2025-01-02", "2025-01-03", "2025-01-02"]).astype(
                "datetime64[ns]"
            ),
            "open": [220.0, 221.0, 590.0],
            "high": [222.0, 223.0, 595.0],
            "low": [219.0, 220.0, 588.0],
            "close": [221.0, 222.5, 591.0],
            "adj_close": [220.5, 222.5, 589.0],
            "volume": [1_000_000, 1_200_000, 5_000_000],
            "dividends": [0.0, 0.0, 0.0],
            "stock_splits": [0.0, 0.0, 0.0],
            "source": ["sample"] * 3,
        }
    )
    for column, value in changes.items():
        frame[column] = value
    return frame


def warehouse_checksums(path: Path) -> dict:
    """Per-table checksums of the warehouse at ``path``, opened read-only."""
    with warehouse(path, read_only=True) as con:
        return table_checksums(con)


def ledger_matches_core_rows(path: Path) -> bool:
    """Chunks never overlap, so the rows the ledger says were loaded are all the core rows."""
    with warehouse(path, read_only=True) as con:
        marked = dict(
            con.execute(
                "select dataset, sum(rows) from audit.backfill_chunks group by dataset"
            ).fetchall()
        )
        held = {
            name: con.execute(f"select count(*) from {ds.table}").fetchall()[0][0]
            for name, ds in DATASETS.items()
        }
    return all(marked.get(name, 0) == rows for name, rows in held.items())


def price_bar(day: str, **changes: object) -> dict:
    """One IWM bar on ``day`` as a row dict; ``changes`` set columns."""
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


def quarantine_ids(path: Path) -> dict[str, int]:
    """quarantine_id of each quarantined price row, by its date."""
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.sql("select cast(date as varchar), quarantine_id from quarantine.prices")
        return dict(rows.fetchall())


def build_marts(con: duckdb.DuckDBPyConnection) -> None:
    """dbt-build the marts of the file ``con`` is open on (dbt shares this process's database
    instance, so the test's connection stays usable and sees the result)."""
    from transforms.build import build_models

    path = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchall()[0][0]
    build_models(Path(path))


TARGET = "insert into core.rates_daily values (?, ?, ?, 'sample', 'r', now())"


def daily(series_id: str, start: str, end: str, levels: dict[str, float]) -> list[tuple]:
    """Rate rows for every calendar day in [start, end], as FRED publishes the Fed targets;
    ``levels`` maps the effective day of each level to the level."""
    rows, level = [], None
    day, last = date.fromisoformat(start), date.fromisoformat(end)
    while day <= last:
        level = levels.get(day.isoformat(), level)
        rows.append((series_id, day, level))
        day += timedelta(days=1)
    return rows


ISHARES_HEADER = (
    "Ticker,Name,Sector,Asset Class,Market Value,Weight (%),Notional Value,Quantity,Price,"
    "Location,Exchange,Currency,FX Rate,Market Currency,Accrual Date"
)


def ishares_csv(
    lines: list[tuple[str, str, str, float, float, float, float]],
    *,
    asof: str = "Nov 05, 2025",
    shares: str = "281,300,000.00",
    fund_name: str = "iShares Test ETF",
) -> str:
    """An issuer file in the iShares layout (BOM, preamble, table, legal footer) for ``lines``
    of (ticker, name, asset class, market value, weight in %, quantity, price)."""
    rows = [
        f'"{t}","{n}","Information Technology","{c}","{mv:,.2f}","{w:.2f}","{mv:,.2f}",'
        f'"{q:,.2f}","{p:,.2f}","United States","NASDAQ","USD","1.00","USD","-"'
        for t, n, c, mv, w, q, p in lines
    ]
    preamble = [
        f"\ufeff{fund_name}",
        f'Fund Holdings as of,"{asof}"',
        'Inception Date,"May 22, 2000"',
        f'Shares Outstanding,"{shares}"',
        'Stock,"-"',
        "\xa0",
    ]
    footer = ["\xa0", '"The content contained herein is owned or licensed by BlackRock."']
    return "\n".join([*preamble, ISHARES_HEADER, *rows, *footer]) + "\n"
