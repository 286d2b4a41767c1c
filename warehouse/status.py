"""What the warehouse holds: recent runs, and per dataset and key the loaded range and any gaps."""

from datetime import date
from typing import Any

import duckdb
import pandas as pd

from contracts.calendar import trading_days
from contracts.datasets import CONSTITUENT_QUOTES, DATASETS, PRICES

# thousands of keys (one per constituent): shown as one line, not one per key
_SUMMARISED = frozenset({CONSTITUENT_QUOTES.name})


def recent_runs(con: duckdb.DuckDBPyConnection, limit: int = 10) -> list[dict[str, Any]]:
    cur = con.execute(
        """select run_id, flow, source, run_date, started_at, finished_at, status, message
           from audit.runs order by started_at desc limit ?""",
        [limit],
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def key_ranges(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict[str, Any]]]:
    """First and last loaded date and row count per key of every dataset (constituent quotes:
    one line for all tickers)."""
    out = {}
    for name, ds in DATASETS.items():
        key = f"count(distinct {ds.key[0]}) || ' tickers'" if name in _SUMMARISED else ds.key[0]
        rows = con.execute(
            f"""select {key}, min({ds.date_column}), max({ds.date_column}), count(*)
                from {ds.table} group by all having count(*) > 0 order by 1"""
        ).fetchall()
        out[name] = [
            {"key": k, "first_date": lo, "last_date": hi, "rows": n} for k, lo, hi, n in rows
        ]
    return out


def price_gaps(con: duckdb.DuckDBPyConnection, through: date) -> dict[str, list[date]]:
    """Per ticker, the NYSE trading days between its first loaded day and ``through`` that are
    missing (holidays and weekends are not gaps)."""
    first = con.execute(f"select min(date) from {PRICES.table}").fetchall()[0][0]
    if first is None:
        return {}
    days = pd.DataFrame({"date": trading_days(first, through)})
    con.register("expected_days", days)
    try:
        rows = con.execute(
            f"""with keys as (
                    select ticker, min(date) as first_date from {PRICES.table} group by ticker
                ),
                expected as (
                    select keys.ticker, cast(expected_days.date as date) as date
                    from keys join expected_days on cast(expected_days.date as date) >= first_date
                )
                select ticker, list(date order by date)
                from expected anti join {PRICES.table} using (ticker, date)
                group by ticker order by ticker"""
        ).fetchall()
    finally:
        con.unregister("expected_days")
    return dict(rows)


def latest_lookthrough(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Per fund, its latest look-through (fund, date, constituents, unmapped, unquoted,
    coverage_weight, forward_pe, note); empty before the marts are first built."""
    built = con.execute(
        """select count(*) from information_schema.tables
           where table_schema = 'mart' and table_name = 'fund_valuation_daily'"""
    ).fetchall()[0][0]
    if not built:
        return []
    cur = con.execute(
        """select fund, asof_date as date, constituents, unmapped, unquoted, coverage_weight,
                  forward_pe, note
           from mart.fund_valuation_daily
           qualify row_number() over (partition by fund order by asof_date desc) = 1
           order by fund"""
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
