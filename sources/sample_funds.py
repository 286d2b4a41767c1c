"""Deterministic fund snapshots (valuation, AUM, payouts, sector mix) for the sample source.

Valuations mean-revert slowly around the profile, so P/E spreads move but stay plausible. AUM
follows the NAV return plus random, partly persistent flows, so flow estimates
(AUM change not explained by the NAV return) are non-trivial.
"""

from dataclasses import dataclass
from functools import cache

import numpy as np

from sources.sample_paths import (
    PIN,
    grid_position,
    mean_reverting,
    price_path,
    rng,
    weekday_grid,
)
from sources.sample_profiles import SECTORS, fund_profile, price_profile


@dataclass(frozen=True)
class FundPath:
    trailing_pe: np.ndarray
    forward_pe: np.ndarray
    price_to_book: np.ndarray
    price_to_sales: np.ndarray
    price_to_cashflow: np.ndarray
    median_market_cap: np.ndarray
    total_assets: np.ndarray
    shares_outstanding: np.ndarray
    nav_price: np.ndarray
    dividend_yield: np.ndarray
    earnings_growth_3y: np.ndarray
    sector_weights: np.ndarray  # (weekdays, len(SECTORS)), rows sum to ~1


def _pinned(values: np.ndarray, level: float) -> np.ndarray:
    """Scale a positive path so it equals ``level`` on PIN."""
    return values * (level / values[grid_position(PIN)])


def _total_assets(ticker: str, nav: np.ndarray, level: float) -> np.ndarray:
    """AUM = NAV return plus daily flows (a fraction of AUM) that partly persist."""
    n = len(nav)
    persistent = mean_reverting(f"flow-trend:{ticker}", (n,), 0.001, 20)
    daily = persistent + 0.002 * rng(f"flow:{ticker}").standard_normal(n)
    return _pinned(nav * np.exp(np.cumsum(np.log1p(daily))), level)


def _sector_weights(ticker: str, base: tuple[float, ...], n: int) -> np.ndarray:
    drift = mean_reverting(f"sectors:{ticker}", (n, len(SECTORS)), 0.05, 120)
    raw = np.asarray(base) * np.exp(drift)
    return np.round(raw / raw.sum(axis=1, keepdims=True), 4)


@cache
def fund_path(ticker: str) -> FundPath:
    """Snapshots on every weekday of the grid, consistent with the ticker's price path."""
    f = fund_profile(ticker)
    n = len(weekday_grid())
    close = price_path(ticker).close
    pe = f.trailing_pe * np.exp(mean_reverting(f"pe:{ticker}", (n,), 0.08, 175))
    rel = pe / f.trailing_pe
    forward = np.full(n, np.nan) if f.forward_ratio is None else pe * f.forward_ratio
    nav = np.round(close * (1 + mean_reverting(f"premium:{ticker}", (n,), 0.0005, 2)), 4)
    assets = np.round(_total_assets(ticker, nav, f.total_assets))
    payout = price_profile(ticker).dividend_yield
    return FundPath(
        trailing_pe=np.round(pe, 2),
        forward_pe=np.round(forward, 2),
        price_to_book=np.round(f.price_to_book * rel, 2),
        price_to_sales=np.round(f.price_to_sales * rel, 2),
        price_to_cashflow=np.round(f.price_to_cashflow * rel, 2),
        median_market_cap=np.round(_pinned(close, f.median_market_cap)),
        total_assets=assets,
        shares_outstanding=np.round(assets / nav),
        nav_price=nav,
        dividend_yield=np.round(
            payout * np.exp(mean_reverting(f"yield:{ticker}", (n,), 0.08, 60)), 4
        ),
        earnings_growth_3y=np.round(
            f.earnings_growth_3y + mean_reverting(f"growth:{ticker}", (n,), 0.02, 250), 4
        ),
        sector_weights=_sector_weights(ticker, f.sectors, n),
    )
