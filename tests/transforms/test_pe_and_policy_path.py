"""P/E pairs on one definition, and the policy path priced by Fed funds futures, from
hand-written core rows. One build for the module."""

from collections.abc import Callable
from pathlib import Path

import pytest

from transforms.build import build_models
from warehouse.connection import warehouse

DAY = "2025-11-14"
FUND = (
    "insert into core.fundamentals_daily (ticker, asof_date, trailing_pe, trailing_pe_source, "
    "quote_trailing_pe, source, run_id, loaded_at) values (?, ?, ?, ?, ?, 'sample', 'r', now())"
)
FUTURE = "insert into core.futures_daily values (?, ?, ?, ?, 'sample', 'r', now())"
RATE = "insert into core.rates_daily values (?, ?, ?, 'sample', 'r', now())"
PAIRS = [("SA", "LA"), ("SB", "LB"), ("SC", "LC"), ("SD", "LD")]
SNAPSHOTS = [
    # both have the holdings' P/E: holdings on both sides
    ("SA", DAY, 15.0, "holdings", 15.3), ("LA", DAY, 25.0, "holdings", 25.6),
    # the large fund has only its quote's P/E: the quote on both sides
    ("SB", DAY, 15.0, "holdings", 15.3), ("LB", DAY, 25.6, "quote", 25.6),
    # no shared definition: each fund's own, and the sources say so
    ("SC", DAY, 15.0, "holdings", None), ("LC", DAY, 25.6, "quote", 25.6),
    # a P/E loaded as NULL (quarantined field) and no quote: no row for the pair
    ("SD", DAY, None, None, None), ("LD", DAY, 25.0, "holdings", 25.6),
]  # fmt: skip


@pytest.fixture(scope="module")
def query(models_dir: Path) -> Callable[[str], list[tuple]]:
    path = models_dir / "pe_and_path.duckdb"
    with warehouse(path) as con:
        con.executemany(
            "insert into core.universe_tickers values (?, ?)",
            [(s, "small") for s, _ in PAIRS] + [(lg, "large") for _, lg in PAIRS],
        )
        con.executemany("insert into core.spread_pairs values (?, ?)", PAIRS)
        con.executemany(FUND, SNAPSHOTS)
        con.executemany(
            FUTURE,
            [
                # the current month's contract, and ZQ=F for the same month on another day
                ("ZQX25.CBT", DAY, 96.125, "2025-11-01"),
                ("ZQ=F", DAY, 96.2, "2025-11-01"),
                ("ZQ=F", "2025-11-13", 96.12, "2025-11-01"),
                ("ZQZ25.CBT", DAY, 96.25, "2025-12-01"),
                ("ZQF26.CBT", DAY, 96.5, "2026-01-01"),
                # 12 months ahead of the as-of month: outside the path
                ("ZQX26.CBT", DAY, 97.0, "2026-11-01"),
            ],
        )
        con.executemany(
            RATE,
            [
                ("DFEDTARU", "2025-10-30", 4.0),
                ("DFEDTARL", "2025-10-30", 3.75),
                # FRED's newest value is a day behind: the last one on or before counts
                ("DFEDTARU", "2025-11-13", 4.0),
                ("DFEDTARL", "2025-11-13", 3.75),
                ("DFEDTARU", "2025-11-20", 3.75),
                ("DFEDTARL", "2025-11-20", 3.5),
            ],
        )
    build_models(path, select="+pe_spread_daily +implied_policy_path")

    def run(sql: str) -> list[tuple]:
        with warehouse(path, read_only=True) as con:
            return con.execute(sql).fetchall()

    return run


def test_both_sides_of_a_pair_use_the_same_pe_definition_when_both_have_it(query):
    rows = query(
        "select small_ticker, small_pe, large_pe, small_pe_source, large_pe_source, "
        "discount_pct from mart.pe_spread_daily order by small_ticker"
    )

    assert rows == [
        ("SA", 15.0, 25.0, "holdings", "holdings", pytest.approx(0.4)),
        ("SB", 15.3, 25.6, "quote", "quote", pytest.approx(1 - 15.3 / 25.6)),
        ("SC", 15.0, 25.6, "holdings", "quote", pytest.approx(1 - 15.0 / 25.6)),
    ]


def test_the_path_prices_each_month_against_the_target_mid_on_the_as_of_date(query):
    rows = query(
        "select contract_month::varchar, months_ahead, symbol, implied_rate, target_mid, "
        "implied_change_bp, cuts_priced from mart.implied_policy_path "
        f"where asof_date = '{DAY}' order by contract_month"
    )

    mid = (4.0 + 3.75) / 2
    expected = [
        ("2025-11-01", 0, "ZQX25.CBT", 3.875),  # the dated contract wins over ZQ=F
        ("2025-12-01", 1, "ZQZ25.CBT", 3.75),
        ("2026-01-01", 2, "ZQF26.CBT", 3.5),
    ]
    assert [r[:3] for r in rows] == [e[:3] for e in expected]
    for row, (*_, rate) in zip(rows, expected, strict=True):
        change = (rate - mid) * 100
        assert row[3:] == pytest.approx((rate, mid, change, -change / 25))
    assert rows[2][6] == pytest.approx(1.5)  # 3.50 % against a 3.875 % mid: 1.5 cuts


def test_the_front_month_fills_in_where_no_dated_contract_closed(query):
    rows = query(
        "select asof_date::varchar, contract_month::varchar, symbol, implied_rate, target_mid "
        "from mart.implied_policy_path where asof_date = '2025-11-13'"
    )

    assert rows == [("2025-11-13", "2025-11-01", "ZQ=F", pytest.approx(3.88), 3.875)]
