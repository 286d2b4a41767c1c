"""Deterministic price paths for the sample source, on a fixed weekday grid.

Every path runs from ANCHOR to HORIZON whatever window is asked for, and draws from its own
generator seeded by crc32 of a label (never ``hash()``, which changes per process), so a
(ticker, date) value never depends on the window, the ticker order or the process. Paths live on
weekdays, not sessions, so a calendar update cannot shift them; holidays are simply not emitted.
"""

import zlib
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

import numpy as np

from sources.sample_profiles import price_profile

ANCHOR = date(2000, 1, 3)
HORIZON = date(2030, 12, 31)  # adj_close is back-adjusted as of here, so it never changes
PIN = date(2024, 1, 2)  # profile levels are closes on this day

_FACTOR_SD = {"market": 0.009, "small": 0.006, "growth": 0.006}  # daily


def rng(label: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(label.encode()))


@lru_cache(maxsize=1)
def weekday_grid() -> np.ndarray:
    days = np.arange(np.datetime64(ANCHOR, "D"), np.datetime64(HORIZON, "D") + 1)
    return days[np.is_busday(days)]


def grid_positions(days: np.ndarray) -> np.ndarray:
    """Index of each weekday (datetime64[D]) in weekday_grid()."""
    return np.searchsorted(weekday_grid(), days)


def grid_position(day: date) -> int:
    return int(grid_positions(np.array([day], dtype="datetime64[D]"))[0])


def ar1(shocks: np.ndarray, phi: float) -> np.ndarray:
    """x[t] = phi * x[t-1] + shocks[t] along axis 0 from x = 0, vectorised block by block.

    Within a block x[j] = phi**j * (phi * carry + cumsum(e[i] / phi**i)); blocks stay short
    enough that phi**-j cannot lose precision.
    """
    block = max(1, min(len(shocks), int(5 / -np.log(phi))))
    shape = (-1,) + (1,) * (shocks.ndim - 1)
    powers = (phi ** np.arange(block)).reshape(shape)
    out = np.empty_like(shocks)
    carry = np.zeros(shocks.shape[1:])
    for lo in range(0, len(shocks), block):
        chunk = shocks[lo : lo + block]
        p = powers[: len(chunk)]
        out[lo : lo + len(chunk)] = p * (phi * carry + np.cumsum(chunk / p, axis=0))
        carry = out[lo + len(chunk) - 1]
    return out


def mean_reverting(label: str, shape: tuple[int, ...], sd: float, half_life: float) -> np.ndarray:
    """Stationary-variance AR(1) noise around 0 with standard deviation ``sd``."""
    phi = 0.5 ** (1 / half_life)
    return ar1(rng(label).standard_normal(shape) * sd * np.sqrt(1 - phi**2), phi)


@dataclass(frozen=True)
class PricePath:
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    adj_close: np.ndarray
    volume: np.ndarray
    dividends: np.ndarray
    stock_splits: np.ndarray


@cache
def _factor(name: str) -> np.ndarray:
    return rng(f"factor:{name}").standard_normal(len(weekday_grid())) * _FACTOR_SD[name]


@cache
def _log_close(ticker: str) -> np.ndarray:
    """Log close, pinned to the profile level on PIN; ETFs follow their index plus noise."""
    p = price_profile(ticker)
    n = len(weekday_grid())
    if p.tracks is not None:
        x = _log_close(p.tracks) + mean_reverting(f"tracking:{ticker}", (n,), 0.0005, 10)
    else:
        returns = (
            p.drift / 252
            + p.beta_market * _factor("market")
            + p.beta_small * _factor("small")
            + p.beta_growth * _factor("growth")
            + p.idio * rng(f"idio:{ticker}").standard_normal(n)
        )
        x = np.cumsum(returns)
    return x - x[grid_position(PIN)] + np.log(p.level)


@lru_cache(maxsize=1)
def _ex_dates() -> np.ndarray:
    """First Thursday of Mar/Jun/Sep/Dec: quarterly, and never an NYSE holiday."""
    grid = weekday_grid()
    months = grid.astype("datetime64[M]")
    quarter_end = np.isin(months.astype(int) % 12 + 1, (3, 6, 9, 12))
    first_week = (grid - months.astype("datetime64[D]")).astype(int) < 7
    return quarter_end & first_week & np.is_busday(grid, weekmask="0001000")


def _adjustment(dividends: np.ndarray, prev_close: np.ndarray) -> np.ndarray:
    """Yahoo's back-adjustment: the product of (1 - dividend / prior close) over later ex-dates.

    The prior close is the previous weekday's: the prior session's, except on 2018-12-06
    (2018-12-05 was a national day of mourning).
    """
    factors = np.where(dividends > 0, 1 - dividends / prev_close, 1.0)
    return np.append(np.cumprod(factors[::-1])[::-1][1:], 1.0)


@cache
def price_path(ticker: str) -> PricePath:
    """Bars on every weekday of the grid; close is split-adjusted (continuous), like Yahoo's."""
    p = price_profile(ticker)
    draw = rng(f"bars:{ticker}")
    n = len(weekday_grid())
    close = np.round(np.exp(_log_close(ticker)), 2)
    prev = np.concatenate([close[:1], close[:-1]])
    open_ = np.round(prev * np.exp(draw.normal(0, 0.003, n)), 2)
    high = np.round(np.maximum(open_, close) * np.exp(np.abs(draw.normal(0, 0.004, n))), 2)
    low = np.round(np.minimum(open_, close) * np.exp(-np.abs(draw.normal(0, 0.004, n))), 2)
    volume = np.round(p.volume * np.exp(draw.normal(0, 0.3, n))).astype(np.int64)
    payout = np.round(prev * p.dividend_yield / 4 * np.exp(draw.normal(0, 0.05, n)), 4)
    dividends = np.where(_ex_dates() & (p.dividend_yield > 0), payout, 0.0)
    splits = np.zeros(n)
    for day, ratio in p.splits:
        splits[grid_position(day)] = ratio
    adj_close = np.round(close * _adjustment(dividends, prev), 4)
    return PricePath(open_, high, low, close, adj_close, volume, dividends, splits)
