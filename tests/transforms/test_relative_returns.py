"""Monthly and trailing relative returns, counted on the NYSE calendar, from hand-made prices."""

import math
from datetime import date

import pytest

from contracts.calendar import trading_days

PRICE = (
    "insert into core.prices_daily (ticker, date, close, adj_close, source, run_id, loaded_at) "
    "values (?, ?, ?, ?, 'sample', 'r', now())"
)
SESSIONS = trading_days(date(2023, 11, 15), date(2025, 2, 14))
MISSING = date(2024, 10, 31)  # IWM has no bar on October 2024's last session
WINDOWS = {"1m": 21, "3m": 63, "6m": 126, "12m": 252}


def price(ticker: str, i: int) -> float:
    return 100 + 10 * math.sin(i / 11) + i / 4 if ticker == "IWM" else 300 + i / 2


def close(ticker: str, day: date) -> float | None:
    if day not in SESSIONS or (ticker == "IWM" and day == MISSING):
        return None
    return price(ticker, SESSIONS.index(day))


def growth(ticker: str, end: date, start: date | None) -> float | None:
    last, first = close(ticker, end), close(ticker, start) if start else None
    return None if last is None or first is None else last / first - 1


@pytest.fixture(scope="module")
def built(build_once):
    def seed(con) -> None:
        con.execute("insert into core.spread_pairs values ('IWM', 'SPY')")
        con.executemany(
            PRICE,
            [
                (t, d, price(t, i), price(t, i))
                for t in ("IWM", "SPY")
                for i, d in enumerate(SESSIONS)
                if not (t == "IWM" and d == MISSING)
            ],
        )

    return build_once("relative_returns", seed, "+returns_monthly +relative_returns_daily")


def test_monthly_return_runs_between_month_end_sessions(built):
    rows = built(
        "select month, ticker, month_end, total_return from mart.returns_monthly "
        "order by ticker, month"
    )

    calendar = trading_days(date(2023, 11, 1), date(2025, 2, 28))
    month_ends = {}
    for day in calendar:
        month_ends[day.replace(day=1)] = day
    months = sorted(month_ends)
    expected = []
    for ticker in ("IWM", "SPY"):
        for n, month in enumerate(months):
            before = month_ends[months[n - 1]] if n else None
            expected.append(
                (month, ticker, month_ends[month], growth(ticker, month_ends[month], before))
            )
    assert [r[:3] for r in rows] == [e[:3] for e in expected]
    for row, want in zip(rows, expected, strict=True):
        assert row[3] == (None if want[3] is None else pytest.approx(want[3])), row
    iwm = {r[0]: r[3] for r in rows if r[1] == "IWM"}
    assert iwm[date(2024, 10, 1)] is None and iwm[date(2024, 11, 1)] is None
    assert iwm[date(2024, 9, 1)] is not None and iwm[date(2024, 12, 1)] is not None
    assert iwm[date(2023, 11, 1)] is None and iwm[date(2025, 2, 1)] is None


def test_relative_returns_lag_by_sessions_and_ytd_starts_at_last_years_close(built):
    rows = built(
        "select date, small_minus_large_1m, small_minus_large_3m, small_minus_large_6m, "
        "small_minus_large_12m, small_minus_large_ytd from mart.relative_returns_daily "
        "where small_ticker = 'IWM' and large_ticker = 'SPY' order by date"
    )

    assert [r[0] for r in rows] == [d for d in SESSIONS if d != MISSING]
    for day, *values in rows:
        i = SESSIONS.index(day)
        starts = [SESSIONS[i - n] if i >= n else None for n in WINDOWS.values()]
        previous_year = [d for d in SESSIONS if d.year == day.year - 1]
        starts.append(previous_year[-1] if previous_year else None)
        for value, start in zip(values, starts, strict=True):
            small, large = growth("IWM", day, start), growth("SPY", day, start)
            want = None if small is None or large is None else small - large
            assert value == (None if want is None else pytest.approx(want)), (day, start)
    by_day = {r[0]: r for r in rows}
    assert by_day[SESSIONS[SESSIONS.index(MISSING) + 21]][1] is None
    assert by_day[SESSIONS[SESSIONS.index(MISSING) + 22]][1] is not None
    assert by_day[date(2025, 1, 2)][5] is not None
