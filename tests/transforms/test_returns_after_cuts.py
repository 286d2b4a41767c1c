"""Returns after rate cuts per pair and per basket, counted on the NYSE calendar."""

import math
import statistics
from datetime import date

import pytest
from helpers import TARGET, daily

from contracts.calendar import trading_days

PRICE = (
    "insert into core.prices_daily (ticker, date, close, adj_close, source, run_id, loaded_at) "
    "values (?, ?, ?, ?, 'sample', 'r', now())"
)
# history starts inside a cycle (2024-05-15 is not a proven start); two proven cycles follow
LEVELS = {
    "2024-05-01": 5.50,
    "2024-05-15": 5.25,
    "2024-06-20": 5.75,
    "2024-07-11": 5.50,
    "2024-10-01": 5.75,
    "2025-01-10": 5.50,  # the day after the 2025-01-09 closure: the base is 2025-01-08
}
SESSIONS = trading_days(date(2024, 5, 1), date(2025, 4, 30))
MISSING = SESSIONS[SESSIONS.index(date(2025, 1, 8)) + 21]  # IWM's bar 21 sessions after a base
HORIZONS = (21, 63, 126, 252, 378, 504)


def price(ticker: str, i: int) -> float:
    """Prices that move differently per ticker, so every return is distinct."""
    if ticker in ("IWM", "^RUT"):
        return 100 + 10 * math.sin(i / 9) + i / 5
    return 200 + i / 3


def expected_return(ticker: str, cycle_start: date, horizon: int) -> float | None:
    """From the session list alone: the last session before the cut, ``horizon`` sessions on."""
    base = max(i for i, d in enumerate(SESSIONS) if d < cycle_start)
    end = base + horizon
    if end >= len(SESSIONS) or (ticker == "IWM" and SESSIONS[end] == MISSING):
        return None
    return price(ticker, end) / price(ticker, base) - 1


@pytest.fixture(scope="module")
def built(build_once):
    def seed(con) -> None:
        con.executemany(TARGET, daily("DFEDTARU", "2024-05-01", "2025-04-30", LEVELS))
        con.execute(
            "insert into core.universe_tickers values ('IWM', 'small'), ('IJR', 'small'), "
            "('SPY', 'large'), ('^RUT', 'index'), ('^GSPC', 'index')"
        )
        con.execute("insert into core.spread_pairs values ('IWM', 'SPY')")
        con.execute("insert into core.index_pairs values ('^RUT', '^GSPC')")
        con.executemany(
            PRICE,
            [
                (ticker, day, price(ticker, i), price(ticker, i))
                for ticker in ("IWM", "SPY", "^RUT", "^GSPC")
                for i, day in enumerate(SESSIONS)
                if not (ticker == "IWM" and day == MISSING)
            ],
        )

    select = "+pair_returns_after_cuts +returns_after_cuts_summary +size_returns_after_cuts"
    return build_once("returns_after_cuts", seed, select)


def test_pair_returns_run_from_the_last_session_before_the_cut_to_h_sessions_later(built):
    rows = built(
        "select cycle_start, small_ticker, horizon_sessions, base_date, end_date, "
        "small_return, large_return, small_minus_large, history_complete "
        "from mart.pair_returns_after_cuts order by all"
    )

    cycles = [date(2024, 5, 15), date(2024, 7, 11), date(2025, 1, 10)]
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (c, small, h) for c in cycles for small in ("IWM", "^RUT") for h in HORIZONS
    ]
    for cycle, small, horizon, base, end, small_ret, large_ret, diff, complete in rows:
        large = "SPY" if small == "IWM" else "^GSPC"
        assert base == max(d for d in SESSIONS if d < cycle)
        assert end == trading_days(base, date(2030, 1, 1))[horizon]
        assert small_ret == pytest.approx(expected_return(small, cycle, horizon))
        assert large_ret == pytest.approx(expected_return(large, cycle, horizon))
        both = small_ret is not None and large_ret is not None
        assert diff == (pytest.approx(small_ret - large_ret) if both else None)
        assert complete is (cycle != date(2024, 5, 15))
    assert date(2025, 1, 8) in {r[3] for r in rows}  # 2025-01-09 was no session


def test_a_missing_bar_nulls_only_the_returns_that_end_on_it(built):
    nulls = built(
        "select cycle_start, small_ticker, horizon_sessions, end_date "
        "from mart.pair_returns_after_cuts "
        "where small_return is null and end_date <= date '2025-04-30'"
    )

    assert nulls == [(date(2025, 1, 10), "IWM", 21, MISSING)]


def test_summary_counts_proven_cycles_with_both_prices(built):
    rows = built(
        "select small_ticker, horizon_sessions, cycles, first_cycle_start, "
        "mean_small_minus_large, median_small_minus_large, share_small_beat_large "
        "from mart.returns_after_cuts_summary order by all"
    )

    for small, horizon, cycles, first, mean, median, share in rows:
        large = "SPY" if small == "IWM" else "^GSPC"
        diffs = []
        for cycle in (date(2024, 7, 11), date(2025, 1, 10)):
            s, lg = expected_return(small, cycle, horizon), expected_return(large, cycle, horizon)
            if s is not None and lg is not None:
                diffs.append(s - lg)
        assert cycles == len(diffs)
        if diffs:
            assert first == date(2024, 7, 11)
            assert mean == pytest.approx(statistics.mean(diffs))
            assert median == pytest.approx(statistics.median(diffs))
            assert share == pytest.approx(sum(d > 0 for d in diffs) / len(diffs))
        else:
            assert (first, mean, median, share) == (None, None, None, None)
    assert {(r[0], r[1]): r[2] for r in rows}[("IWM", 21)] == 1  # 2025's horizon lost its bar


def test_basket_returns_use_the_same_sessions_and_leave_out_unpriced_funds(built):
    rows = built(
        "select cycle_start, horizon_days, small_return, large_return, small_funds, large_funds "
        "from mart.size_returns_after_cuts where cycle_start = date '2025-01-10' order by all"
    )

    cycle = date(2025, 1, 10)
    assert [r[1] for r in rows] == list(HORIZONS)
    for _, horizon, small, large, small_funds, large_funds in rows:
        iwm, spy = expected_return("IWM", cycle, horizon), expected_return("SPY", cycle, horizon)
        assert (small, small_funds) == ((pytest.approx(iwm), 1) if iwm is not None else (None, 0))
        assert (large, large_funds) == ((pytest.approx(spy), 1) if spy is not None else (None, 0))
