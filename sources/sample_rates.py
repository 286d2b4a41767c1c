"""Deterministic FRED-like rate series (percent) for the sample source.

The target range is scripted so that the 3-year window 2023-11-29..2026-11-29 holds two easing
cycles and one hiking cycle (upper bound, effective the day after each decision, as on FRED):

- 2022-03-17..2023-07-27 hiking 0.25 -> 5.50 (real history; before it the range is 0.00-0.25)
- 2024-09-19, 2024-11-08, 2024-12-19 easing 5.50 -> 4.50, then a pause
- 2025-05-08, 2025-06-19 hiking 4.50 -> 5.00 (fictional, so the window shows a hike)
- 2025-09-18, 2025-10-30, 2025-12-11, 2026-01-29, 2026-03-19 easing 5.00 -> 3.75, then a pause

Before the range, the FOMC set a single target: DFEDTAR follows the real decisions from 2000
(5.50) to its last day, 2008-12-15, and DFEDTARU/DFEDTARL start on 2008-12-16 at 0.25/0.00, as
on FRED, so a sample backfill from 2000 shows the 2001 and 2007 easing cycles.

Like FRED, DFF and the target series have a value every calendar day; the other series are
published on weekdays, and DGS2/DGS10/T10Y2Y are NaN (FRED's '.') on US federal holidays.
"""

import zlib
from datetime import date, timedelta
from functools import cache, lru_cache

import numpy as np
from pandas.tseries.holiday import USFederalHolidayCalendar

from sources.sample_paths import HORIZON, mean_reverting

RATES_ANCHOR = date(2000, 1, 1)
SINGLE_TARGET_START = 5.50
SINGLE_TARGET_CHANGES: tuple[tuple[date, float], ...] = (
    (date(2000, 2, 2), 5.75),
    (date(2000, 3, 21), 6.00),
    (date(2000, 5, 16), 6.50),
    (date(2001, 1, 3), 6.00),
    (date(2001, 1, 31), 5.50),
    (date(2001, 3, 20), 5.00),
    (date(2001, 4, 18), 4.50),
    (date(2001, 5, 15), 4.00),
    (date(2001, 6, 27), 3.75),
    (date(2001, 8, 21), 3.50),
    (date(2001, 9, 17), 3.00),
    (date(2001, 10, 2), 2.50),
    (date(2001, 11, 6), 2.00),
    (date(2001, 12, 11), 1.75),
    (date(2002, 11, 6), 1.25),
    (date(2003, 6, 25), 1.00),
    (date(2004, 6, 30), 1.25),
    (date(2004, 8, 10), 1.50),
    (date(2004, 9, 21), 1.75),
    (date(2004, 11, 10), 2.00),
    (date(2004, 12, 14), 2.25),
    (date(2005, 2, 2), 2.50),
    (date(2005, 3, 22), 2.75),
    (date(2005, 5, 3), 3.00),
    (date(2005, 6, 30), 3.25),
    (date(2005, 8, 9), 3.50),
    (date(2005, 9, 20), 3.75),
    (date(2005, 11, 1), 4.00),
    (date(2005, 12, 13), 4.25),
    (date(2006, 1, 31), 4.50),
    (date(2006, 3, 28), 4.75),
    (date(2006, 5, 10), 5.00),
    (date(2006, 6, 29), 5.25),
    (date(2007, 9, 18), 4.75),
    (date(2007, 10, 31), 4.50),
    (date(2007, 12, 11), 4.25),
    (date(2008, 1, 22), 3.50),
    (date(2008, 1, 30), 3.00),
    (date(2008, 3, 18), 2.25),
    (date(2008, 4, 30), 2.00),
    (date(2008, 10, 8), 1.50),
    (date(2008, 10, 29), 1.00),
)
RANGE_START = date(2008, 12, 16)  # first day of DFEDTARU/DFEDTARL, the day after DFEDTAR's last
ZERO_BOUND_UPPER = 0.25
TARGET_UPPER_CHANGES: tuple[tuple[date, float], ...] = (
    (date(2022, 3, 17), 0.50),
    (date(2022, 5, 5), 1.00),
    (date(2022, 6, 16), 1.75),
    (date(2022, 7, 28), 2.50),
    (date(2022, 9, 22), 3.25),
    (date(2022, 11, 3), 4.00),
    (date(2022, 12, 15), 4.50),
    (date(2023, 2, 2), 4.75),
    (date(2023, 3, 23), 5.00),
    (date(2023, 5, 4), 5.25),
    (date(2023, 7, 27), 5.50),
    (date(2024, 9, 19), 5.00),
    (date(2024, 11, 8), 4.75),
    (date(2024, 12, 19), 4.50),
    (date(2025, 5, 8), 4.75),
    (date(2025, 6, 19), 5.00),
    (date(2025, 9, 18), 4.75),
    (date(2025, 10, 30), 4.50),
    (date(2025, 12, 11), 4.25),
    (date(2026, 1, 29), 4.00),
    (date(2026, 3, 19), 3.75),
)
EVERY_DAY = frozenset({"DFF", "DFEDTAR", "DFEDTARU", "DFEDTARL"})
# the single target ends where the range begins
SPANS: dict[str, tuple[date, date]] = {
    "DFEDTAR": (RATES_ANCHOR, RANGE_START - timedelta(days=1)),
    "DFEDTARU": (RANGE_START, HORIZON),
    "DFEDTARL": (RANGE_START, HORIZON),
}
HOLIDAY_GAPS = frozenset({"DGS2", "DGS10", "T10Y2Y"})


@lru_cache(maxsize=1)
def day_grid() -> np.ndarray:
    """Every calendar day from RATES_ANCHOR to HORIZON, datetime64[D]."""
    return np.arange(np.datetime64(RATES_ANCHOR, "D"), np.datetime64(HORIZON, "D") + 1)


def _noise(series_id: str, sd: float, half_life: float) -> np.ndarray:
    return mean_reverting(f"rates:{series_id}", (len(day_grid()),), sd, half_life)


@lru_cache(maxsize=1)
def _upper() -> np.ndarray:
    path = (*SINGLE_TARGET_CHANGES, (RANGE_START, ZERO_BOUND_UPPER), *TARGET_UPPER_CHANGES)
    changes = np.array([d for d, _ in path], dtype="datetime64[D]")
    levels = np.array([SINGLE_TARGET_START, *(u for _, u in path)])
    return levels[np.searchsorted(changes, day_grid(), side="right")]


def _mid() -> np.ndarray:
    return _upper() - 0.125


def _dff() -> np.ndarray:
    lower = _upper() - 0.25
    return np.round(np.clip(lower + 0.08 + _noise("DFF", 0.01, 5), lower + 0.01, _upper()), 2)


def _dgs2() -> np.ndarray:
    """Below the policy midpoint; reflected at 0.05 so it stays positive without sticking."""
    return np.round(0.05 + np.abs(_mid() - 0.35 + _noise("DGS2", 0.2, 60)), 2)


def _dgs10() -> np.ndarray:
    """Less tied to policy than the 2-year, and sharing most of its noise, so 2s10s stays sane."""
    shared = 0.7 * _noise("DGS2", 0.2, 60)
    return np.round(
        np.maximum(4.25 + 0.3 * (_mid() - 4.5) + shared + _noise("DGS10", 0.15, 90), 0.5), 2
    )


def _hy_spread() -> np.ndarray:
    return np.round(np.maximum(3.4 + _noise("BAMLH0A0HYM2", 0.45, 60), 2.4), 2)


def _generic(series_id: str) -> np.ndarray:
    level = 1 + zlib.crc32(series_id.encode()) % 400 / 100
    return np.round(np.maximum(level + _noise(series_id, 0.3, 60), 0.0), 2)


_KNOWN = {
    "DFEDTAR": _upper,
    "DFEDTARU": _upper,
    "DFEDTARL": lambda: _upper() - 0.25,
    "DFF": _dff,
    "DGS2": _dgs2,
    "DGS10": _dgs10,
    "T10Y2Y": lambda: np.round(_dgs10() - _dgs2(), 2),
    "BAMLH0A0HYM2": _hy_spread,
}


@lru_cache(maxsize=1)
def _holidays() -> np.ndarray:
    days = USFederalHolidayCalendar().holidays(RATES_ANCHOR, HORIZON)
    return np.isin(day_grid(), days.values.astype("datetime64[D]"))


@cache
def rate_series(series_id: str) -> np.ndarray:
    """Values on every day of day_grid(); NaN where FRED would publish '.'."""
    known = _KNOWN.get(series_id)
    values = known() if known is not None else _generic(series_id)
    if series_id in HOLIDAY_GAPS:
        values = np.where(_holidays(), np.nan, values)
    return values


def observation_days(series_id: str, start: date, end: date) -> np.ndarray:
    """Days in [start, end] on which the series has a row: every day, or weekdays only, within
    the series' span (DFEDTAR ends where DFEDTARU begins)."""
    first, last = SPANS.get(series_id, (RATES_ANCHOR, HORIZON))
    grid = day_grid()
    days = grid[
        (grid >= np.datetime64(max(start, first), "D"))
        & (grid <= np.datetime64(min(end, last), "D"))
    ]
    return days if series_id in EVERY_DAY else days[np.is_busday(days)]


def rate_values(series_id: str, days: np.ndarray) -> np.ndarray:
    return rate_series(series_id)[(days - day_grid()[0]).astype(int)]
