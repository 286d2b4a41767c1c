"""Deterministic 30-day Fed funds futures closes for the sample source.

A contract for month M settles on 100 minus the average effective rate (DFF) over M. The sample
market knows the sample policy path only in part: on each day its implied rate is today's DFF
plus 80 % of the way to M's true average, plus noise that grows with the horizon. So the
implied path leads the scripted cuts and hikes without matching them exactly, and ZQ=F (the
contract of each day's own month) equals that month's contract, as on Yahoo.
"""

from functools import cache

import numpy as np
import pandas as pd

from contracts.futures import FRONT_MONTH, contract_month
from sources.sample_paths import grid_positions, mean_reverting, weekday_grid
from sources.sample_rates import day_grid, rate_series, rate_values

_ANTICIPATED = 0.8  # share of the move to a month's average rate that the market prices
_NOISE_SD = 0.03  # percentage points, per sqrt(month ahead)
_LISTED_YEARS = 5  # a contract trades from about five years before its month
_TICK = 0.0025  # CBOT's price increment for ZQ


@cache
def _monthly_dff() -> pd.Series:
    """Average DFF per calendar month (percent), indexed by the month's first day."""
    days = pd.DatetimeIndex(day_grid())
    return pd.Series(rate_series("DFF"), index=days).groupby(days.to_period("M")).mean()


@cache
def _noise(month: np.datetime64) -> np.ndarray:
    """Mispricing of one contract on every weekday of the grid (percentage points)."""
    return mean_reverting(f"futures:{month}", (len(weekday_grid()),), _NOISE_SD, 10)


def _months(symbol: str, days: np.ndarray) -> np.ndarray:
    """The contract month (datetime64[M]) the symbol prices on each day."""
    if symbol == FRONT_MONTH:
        return days.astype("datetime64[M]")
    month = contract_month(symbol, days[0].astype(object)) if len(days) else None
    return np.full(len(days), np.datetime64(month, "M"))


def _trading(symbol: str, days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Days on which the contract trades: listed years ahead, expired after its month ends."""
    if symbol == FRONT_MONTH:
        return np.ones(len(days), dtype=bool)
    return (days.astype("datetime64[M]") <= months) & (
        days.astype("datetime64[M]") > months - 12 * _LISTED_YEARS
    )


def futures_columns(symbol: str, days: np.ndarray) -> dict[str, np.ndarray]:
    """Closes of ``symbol`` on ``days`` (sample sessions, datetime64[D]) it trades on."""
    months = _months(symbol, days)
    keep = _trading(symbol, days, months)
    days, months = days[keep], months[keep]
    averages = _monthly_dff()
    expected = averages.reindex(pd.PeriodIndex(months.astype(str), freq="M")).to_numpy()
    today = rate_values("DFF", days)
    ahead = (months - days.astype("datetime64[M]")).astype(int)
    positions = grid_positions(days)
    noise = np.array([_noise(m)[p] for m, p in zip(months, positions, strict=True)])
    implied = today + _ANTICIPATED * (expected - today) + noise * np.sqrt(1 + ahead)
    close = np.round(np.round((100 - implied) / _TICK) * _TICK, 4)
    return {
        "symbol": np.full(len(days), symbol),
        "date": days,
        "close": close,
        "contract_month": months.astype("datetime64[D]"),
    }
