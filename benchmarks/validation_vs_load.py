"""How much validating a prices batch costs next to loading it, measured in the same run.

The comparison is the point: the daily flow validates then loads, and validation should not
dominate. The load is the warehouse's shape (a keyed table, INSERT ... SELECT from a registered
frame); the datetime64[us] run shows why the runner converts dates to [ns] before GX sees them.

    .venv/bin/python benchmarks/validation_vs_load.py --rows 1000000
"""

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from contracts.calendar import trading_days
from contracts.datasets import PRICES
from expectations import common, gx_context, prices
from expectations.runner import validate_batch

RUN_DATE = date(2025, 6, 6)

_DDL = """
create table prices_daily (
    ticker varchar not null,
    date date not null,
    open double, high double, low double, close double, adj_close double,
    volume bigint, dividends double, stock_splits double, source varchar,
    primary key (ticker, date)
)
"""


def price_frame(rows: int, bad_fraction: float, seed: int = 0) -> pd.DataFrame:
    """``rows`` bars of synthetic tickers on real NYSE sessions, a few of them broken."""
    sessions = pd.DatetimeIndex(trading_days(date(1995, 1, 3), RUN_DATE))
    n_tickers = -(-rows // len(sessions))
    rng = np.random.default_rng(seed)
    # a random walk per ticker (1% daily moves): the suite rejects 5x day-to-day jumps
    steps = rng.normal(0.0, 0.01, n_tickers * len(sessions)).reshape(n_tickers, -1)
    start = rng.uniform(5.0, 500.0, (n_tickers, 1))
    close = (start * np.exp(np.cumsum(steps, axis=1))).ravel()[:rows]
    frame = pd.DataFrame(
        {
            "ticker": np.repeat([f"T{i:05d}" for i in range(n_tickers)], len(sessions))[:rows],
            "date": np.tile(sessions.values, n_tickers)[:rows],
            "open": close * rng.uniform(0.98, 1.02, rows),
            "high": close * 1.03,
            "low": close * 0.97,
            "close": close,
            "adj_close": close * 0.95,
            "volume": rng.integers(0, 10_000_000, rows),
            "dividends": 0.0,
            "stock_splits": 0.0,
            "source": "yahoo",
        }
    )
    bad = rng.choice(rows, size=int(rows * bad_fraction), replace=False)
    frame.loc[bad, "close"] = -1.0
    return frame.astype({"date": "datetime64[ns]"})


def duckdb_load(frame: pd.DataFrame, folder: Path) -> None:
    """A first load of the whole frame into a keyed table in a fresh database file."""
    path = folder / f"bench_{time.monotonic_ns()}.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(_DDL).fetchall()
        con.register("frame", frame)
        con.execute("insert into prices_daily select * from frame").fetchall()


def timed(label: str, action: Callable[[], object], repeat: int = 1) -> float:
    """Best of ``repeat`` wall-clock runs: the machine is shared and noisy."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        runs.append(time.perf_counter() - start)
    print(f"  {label:<40} {min(runs):8.2f} s  (runs: {', '.join(f'{r:.2f}' for r in runs)})")
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bad-fraction", type=float, default=0.001)
    parser.add_argument("--repeat", type=int, default=3, help="report the best of N runs")
    args = parser.parse_args()

    frame_ns = price_frame(args.rows, args.bad_fraction)
    frame_us = frame_ns.astype({"date": "datetime64[us]"})
    frame_obj = frame_ns.assign(date=frame_ns["date"].dt.date)
    print(f"{args.rows:,} price rows, {args.bad_fraction:.1%} broken")

    # context creation and suite registration happen once per process; keep them out
    timed("GX warm-up (context, 100 rows)", lambda: validate(frame_ns.head(100)))
    n = args.repeat
    with tempfile.TemporaryDirectory() as tmp:
        load = timed("DuckDB load into keyed table", lambda: duckdb_load(frame_ns, Path(tmp)), n)
        ns = timed("validate_batch, dates datetime64[ns]", lambda: validate(frame_ns), n)
        us = timed("validate_batch, dates datetime64[us]", lambda: validate(frame_us), n)
        obj = timed("validate_batch, dates as date objects", lambda: validate(frame_obj), n)
        raw = timed("GX alone on [us] (no conversion)", lambda: gx_only(frame_us), n)
    print(f"ratio validate[ns] / load:   {ns / load:.2f}x")
    print(f"ratio validate[us] / load:   {us / load:.2f}x (the runner converts [us] to [ns])")
    print(f"ratio validate[date] / load: {obj / load:.2f}x (parsing python dates costs extra)")
    print(f"ratio GX on raw [us] / load: {raw / load:.2f}x (what skipping the conversion costs)")


def validate(frame: pd.DataFrame) -> None:
    outcome = validate_batch(PRICES, frame, run_date=RUN_DATE)
    assert len(outcome.valid) + len(outcome.quarantined) == len(frame)


def gx_only(frame: pd.DataFrame) -> None:
    """The suite on the caller's [us] dates, bypassing the runner's conversion."""
    gx_context.run_suite(
        PRICES, prices.build_suite, frame, {common.RUN_DATE: pd.Timestamp(RUN_DATE)}
    )


if __name__ == "__main__":
    main()
