"""Deterministic fund snapshots (valuation, AUM, payouts, sector mix) for the sample source.

Valuations mean-revert slowly around the profile, so P/E spreads move but stay plausible. AUM
follows the NAV return plus random, partly persistent flows, so flow estimates
(AUM change not explained by the NAV return) are non-trivial.

The snapshots also carry the artefacts real Yahoo snapshots have, so the flow flags show
offline (see ARTEFACTS): an AUM (and share count) repeated for days while the NAV moves, a NAV
per share that halves on a 2:1 split (snapshots are never back-adjusted, unlike closes), a
missing NAV, share counts that lag a day for some funds, and a fund whose P/E comes only from
its quote (no holdings average), beside a quote P/E close to the holdings' one for the others.
"""

from dataclasses import dataclass
from datetime import date
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

# (ticker, first stale day, sessions): AUM and shares repeat the previous day's snapshot
STALE_AUM = ("QQQ", date(2025, 3, 11), 4)
MISSING_NAV = ("VB", date(2025, 7, 15))
QUOTE_PE_ONLY = frozenset({"DES"})  # Yahoo gives no holdings P/E for it, only the quote's
LAGGING_SHARES = frozenset({"QQQ", "DES", "VB"})  # sharesOutstanding is the previous day's


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
    trailing_pe_source: np.ndarray
    quote_trailing_pe: np.ndarray
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


def _per_share_before_splits(ticker: str) -> np.ndarray:
    """Factor from split-adjusted to as-published per-share values: a snapshot taken before a
    2:1 split showed twice today's adjusted NAV (and half the shares)."""
    factor = np.ones(len(weekday_grid()))
    for day, ratio in price_profile(ticker).splits:
        factor[: grid_position(day)] *= ratio
    return factor


def _stale(values: np.ndarray, ticker: str) -> np.ndarray:
    """``values`` with the STALE_AUM episode's days repeating the day before it."""
    name, first, sessions = STALE_AUM
    if ticker != name:
        return values
    start = grid_position(first)
    out = values.copy()
    out[start : start + sessions] = values[start - 1]
    return out


def _trailing_pe(ticker: str, pe: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(trailing_pe, its source, the quote's P/E) from the holdings' P/E path ``pe``: the
    holdings' value where Yahoo has one, and a quote P/E within about 1 % of it (Yahoo's two
    definitions agree closely for ETFs)."""
    noise = mean_reverting(f"quote-pe:{ticker}", pe.shape, 0.01, 20)
    quote = np.round(pe * (1 + noise), 2)
    if ticker in QUOTE_PE_ONLY:
        return quote, np.full(pe.shape, "quote"), quote
    return np.round(pe, 2), np.full(pe.shape, "holdings"), quote


@cache
def fund_path(ticker: str) -> FundPath:
    """Snapshots on every weekday of the grid, consistent with the ticker's price path."""
    f = fund_profile(ticker)
    n = len(weekday_grid())
    close = price_path(ticker).close
    pe = f.trailing_pe * np.exp(mean_reverting(f"pe:{ticker}", (n,), 0.08, 175))
    trailing_pe, pe_source, quote_pe = _trailing_pe(ticker, pe)
    rel = pe / f.trailing_pe
    forward = np.full(n, np.nan) if f.forward_ratio is None else pe * f.forward_ratio
    adjusted_nav = np.round(close * (1 + mean_reverting(f"premium:{ticker}", (n,), 0.0005, 2)), 4)
    assets = np.round(_total_assets(ticker, adjusted_nav, f.total_assets))
    nav = adjusted_nav * _per_share_before_splits(ticker)
    shares = np.round(assets / nav)
    if ticker in LAGGING_SHARES:
        shares = np.concatenate([shares[:1], shares[:-1]])
    if ticker == MISSING_NAV[0]:
        nav[grid_position(MISSING_NAV[1])] = np.nan
    payout = price_profile(ticker).dividend_yield
    return FundPath(
        trailing_pe=trailing_pe,
        forward_pe=np.round(forward, 2),
        price_to_book=np.round(f.price_to_book * rel, 2),
        price_to_sales=np.round(f.price_to_sales * rel, 2),
        price_to_cashflow=np.round(f.price_to_cashflow * rel, 2),
        median_market_cap=np.round(_pinned(close, f.median_market_cap)),
        total_assets=_stale(assets, ticker),
        shares_outstanding=_stale(shares, ticker),
        nav_price=nav,
        dividend_yield=np.round(
            payout * np.exp(mean_reverting(f"yield:{ticker}", (n,), 0.08, 60)), 4
        ),
        earnings_growth_3y=np.round(
            f.earnings_growth_3y + mean_reverting(f"growth:{ticker}", (n,), 0.02, 250), 4
        ),
        trailing_pe_source=pe_source,
        quote_trailing_pe=quote_pe,
        sector_weights=_sector_weights(ticker, f.sectors, n),
    )
