"""dbt-style unit tests of the BI-ready marts: hand-written core and ledger rows in, exact rows
out."""

from datetime import date, timedelta

import pandas as pd
import pytest
from helpers import build_marts

from contracts.datasets import RATES
from sources.extraction import KeyFailure
from warehouse import audit
from warehouse.loader import load_batch


def _snapshot(con, ticker: str, day: date, pe: float, forward: float | None = None) -> None:
    con.execute(
        "insert into core.fundamentals_daily (ticker, asof_date, trailing_pe, forward_pe, "
        "source, run_id, loaded_at) values (?, ?, ?, ?, 'sample', 'r', now())",
        [ticker, day, pe, forward],
    )


@pytest.fixture
def pair(con):
    """IWM/SPY over 400 days: the discount rises 0.1 point a day from 20% (SPY P/E 25)."""
    con.execute("insert into core.universe_tickers values ('IWM', 'small'), ('SPY', 'large')")
    con.execute("insert into core.spread_pairs values ('IWM', 'SPY')")
    con.execute(
        """insert into core.fundamentals_daily
               (ticker, asof_date, trailing_pe, forward_pe, source, run_id, loaded_at)
           select ticker, date '2024-01-01' + i::integer,
                  case ticker when 'IWM' then 25 * (0.8 - 0.001 * i) else 25.0 end,
                  case when i = 399 then (case ticker when 'IWM' then 15.0 else 20.0 end) end,
                  'sample', 'r', now()
           from range(400) as days(i) cross join (values ('IWM'), ('SPY')) as funds(ticker)"""
    )
    build_marts(con)
    return con


def test_valuation_latest_puts_the_last_discount_in_its_history(pair):
    row = pair.execute(
        """select date, round(discount_pct, 6), round(discount_percentile, 6),
                  round(discount_change_1y, 6), year_ago_date, round(forward_discount_pct, 6),
                  history_start, snapshots, discount_zscore_252d > 1.5
           from mart.valuation_latest"""
    ).fetchall()

    last = date(2024, 1, 1) + timedelta(days=399)
    # 1 - (0.8 - 0.399) = 0.599; a year earlier (day 33, 2025-02-03 minus a year) 0.233
    assert row == [
        (last, 0.599, 1.0, round(0.599 - 0.233, 6), date(2024, 2, 3), 0.25, date(2024, 1, 1),
         400, True)
    ]  # fmt: skip


def test_valuation_latest_has_no_year_change_with_under_a_year_of_history(con):
    con.execute("insert into core.universe_tickers values ('IWM', 'small'), ('SPY', 'large')")
    con.execute("insert into core.spread_pairs values ('IWM', 'SPY')")
    _snapshot(con, "IWM", date(2025, 1, 2), 18.0)
    _snapshot(con, "SPY", date(2025, 1, 2), 24.0)
    _snapshot(con, "IWM", date(2025, 1, 3), 20.0)
    _snapshot(con, "SPY", date(2025, 1, 3), 25.0)
    build_marts(con)

    row = con.execute(
        """select date, round(discount_pct, 6), discount_percentile, discount_change_1y,
                  forward_discount_pct, snapshots from mart.valuation_latest"""
    ).fetchall()

    assert row == [(date(2025, 1, 3), 0.2, 0.0, None, None, 2)]


def _prices(con, ticker: str, days: list[str], run_id: str) -> None:
    for day in days:
        con.execute(
            "insert into core.prices_daily (ticker, date, close, source, run_id, loaded_at) "
            "values (?, ?, 1.0, 'sample', ?, now())",
            [ticker, day, run_id],
        )


def _run(con, run_id: str, started: str, status: str, datasets: list[str]) -> None:
    con.execute(
        """insert into audit.runs
               (run_id, flow, source, run_date, started_at, finished_at, status)
           values (?, 'daily-etl', 'sample', ?, ?::timestamptz,
                   ?::timestamptz + interval 1 minute, ?)""",
        [run_id, started[:10], started, started, status],
    )
    for dataset in datasets:
        audit.record_dataset(
            con, run_id=run_id, dataset=dataset, rows_extracted=1, rows_loaded=1,
            rows_quarantined=0, keys_failed=0,
        )  # fmt: skip


def test_data_freshness_counts_sessions_behind_and_names_the_last_run(con):
    _prices(con, "IWM", ["2025-01-02", "2025-01-03", "2025-01-06"], "r1")
    _prices(con, "SPY", ["2025-01-02"], "r1")
    rates = pd.DataFrame(
        {"series_id": ["DFF"], "date": pd.to_datetime(["2025-01-05"]), "value": [4.33],
         "source": ["sample"]}
    )  # fmt: skip
    load_batch(con, RATES, rates, rates.iloc[:0].assign(reason=""), run_id="r1")
    _run(con, "r1", "2025-01-06 18:30:00+00", "success", ["prices", "rates"])
    _run(con, "r2", "2025-01-07 18:30:00+00", "partial", ["prices"])
    audit.record_failures(con, run_id="r2", failures=[KeyFailure("prices", "SPY", "E", "gone")])
    build_marts(con)

    rows = con.execute(
        """select dataset, key, first_date::varchar, last_date::varchar, rows, sessions_behind,
                  last_run_id, last_run_status, failed_in_last_run
           from mart.data_freshness order by dataset, key"""
    ).fetchall()

    assert rows == [
        ("prices", "IWM", "2025-01-02", "2025-01-06", 3, 0, "r2", "partial", False),
        ("prices", "SPY", "2025-01-02", "2025-01-02", 1, 2, "r2", "partial", True),
        ("rates", "DFF", "2025-01-05", "2025-01-05", 1, 1, "r1", "success", False),
    ]


def test_data_freshness_stays_a_view_so_it_reads_the_ledger_when_queried(con):
    build_marts(con)

    kinds = dict(
        con.execute(
            """select table_name, table_type from information_schema.tables
               where table_schema = 'mart'
                 and table_name in ('data_freshness', 'valuation_latest')"""
        ).fetchall()
    )
    assert kinds == {"data_freshness": "VIEW", "valuation_latest": "BASE TABLE"}
