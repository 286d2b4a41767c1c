"""Rate-cut cycles and what the size baskets did after them, from hand-written core rows."""

from datetime import date, timedelta

import pytest

UPPER = "insert into core.rates_daily values ('DFEDTARU', ?, ?, 'sample', 'r', now())"


def test_consecutive_cuts_form_one_cycle_and_a_hike_ends_it(seed, build, query):
    seed(
        UPPER,
        [
            ("2024-09-01", 5.50),
            ("2024-09-19", 5.00),
            ("2024-10-01", 5.00),
            ("2024-11-08", 4.75),
            ("2025-05-08", 5.00),
            ("2025-09-18", 4.75),
        ],
    )

    build(select="+rate_cut_cycles")

    assert query(
        "select cycle_start::varchar, last_cut::varchar, cuts, total_change_bp, upper_before, "
        "upper_after from mart.rate_cut_cycles order by cycle_start"
    ) == [
        ("2024-09-19", "2024-11-08", 2, -75.0, 5.50, 4.75),
        ("2025-09-18", "2025-09-18", 1, -25.0, 5.00, 4.75),
    ]


def test_returns_after_a_cut_count_sessions_from_the_last_close_before_it(seed, build, query):
    seed("insert into core.universe_tickers values ('IWM', 'small'), ('SPY', 'large')")
    seed(UPPER, [("2025-01-01", 5.0), ("2025-01-10", 4.75)])
    start = date(2025, 1, 1)
    rows = []
    for i in range(40):  # one "session" per calendar day keeps the arithmetic visible
        day = start + timedelta(days=i)
        rows += [("IWM", day, 100.0 + i, 100.0 + i), ("SPY", day, 200.0, 200.0)]
    seed(
        "insert into core.prices_daily (ticker, date, close, adj_close, source, run_id, "
        "loaded_at) values (?, ?, ?, ?, 'sample', 'r', now())",
        rows,
    )

    build(select="+size_returns_after_cuts")

    # base = 2025-01-09 (session 9, IWM 108); 21 sessions later is session 30 (IWM 129)
    row = query(
        "select small_return, large_return, small_minus_large, small_funds, large_funds "
        "from mart.size_returns_after_cuts where horizon_days = 21"
    )[0]
    assert row[0] == pytest.approx(129 / 108 - 1)
    assert row[1:] == (0.0, pytest.approx(129 / 108 - 1), 1, 1)
    later = query("select small_return from mart.size_returns_after_cuts where horizon_days = 63")
    assert later == [(None,)]
