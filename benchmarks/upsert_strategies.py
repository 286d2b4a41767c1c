"""Why the loader upserts with MERGE INTO: three idempotent strategies timed in the same run.

Each strategy loads the same frame into a keyed core table that already holds it (the daily
re-run case) and reports its time as a ratio of a plain first load into an empty keyed table.
The real loader (warehouse.loader.load_batch: revisions + MERGE in one transaction) is timed too.

    .venv/bin/python benchmarks/upsert_strategies.py --rows 1000000
"""

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
from validation_vs_load import price_frame

from contracts.datasets import PRICES
from warehouse.connection import warehouse
from warehouse.loader import load_batch

COLUMNS = ", ".join(PRICES.columns)
KEY = "t.ticker = s.ticker and t.date = s.date"
UPDATES = ", ".join(f"{c} = s.{c}" for c in (*PRICES.value_columns, "source"))


def _timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def _strategies(con: duckdb.DuckDBPyConnection) -> dict[str, Callable[[], object]]:
    insert = f"insert into core.prices_daily select {COLUMNS}, 'bench', now() from frame"
    return {
        "merge into": lambda: con.execute(
            f"merge into core.prices_daily t using frame s on {KEY} "
            f"when matched then update set {UPDATES} "
            f"when not matched then insert ({COLUMNS}, run_id, loaded_at) "
            f"values ({', '.join('s.' + c for c in PRICES.columns)}, 'bench', now())"
        ),
        "insert or replace": lambda: con.execute(insert.replace("insert", "insert or replace")),
        "delete then insert": lambda: (
            con.execute(
                "delete from core.prices_daily where (ticker, date) in "
                "(select ticker, date from frame)"
            ),
            con.execute(insert),
        ),
    }


def run(rows: int) -> dict[str, float]:
    frame = price_frame(rows, bad_fraction=0.0)
    frame["date"] = frame["date"].astype("datetime64[ns]")
    quarantine = frame.iloc[:0].assign(reason=pd.Series(dtype=str))
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp, warehouse(Path(tmp) / "bench.duckdb") as con:
        con.register("frame", frame)
        seconds["first load (keyed table)"] = _timed(
            lambda: con.execute(
                f"insert into core.prices_daily select {COLUMNS}, 'bench', now() from frame"
            )
        )
        for name, action in _strategies(con).items():
            seconds[name] = _timed(action)
        seconds["load_batch (revisions + merge)"] = _timed(
            lambda: load_batch(con, PRICES, frame, quarantine, run_id="bench-2")
        )
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    seconds = run(args.rows)
    base = seconds["first load (keyed table)"]
    print(f"{args.rows:,} rows, re-loading rows already in a keyed table:")
    for name, value in seconds.items():
        print(f"  {name:32s} {value:7.2f} s  {value / base:5.2f}x of the first load")


if __name__ == "__main__":
    main()
