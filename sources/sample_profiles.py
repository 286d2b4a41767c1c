"""What each sample ticker looks like: level, factor loadings, payouts, valuation, sector mix.

Numbers are rough 2024 magnitudes so charts and spreads look familiar; they are not data.
Any ticker not listed gets a generic profile, so a custom universe works offline too.
"""

import zlib
from dataclasses import dataclass
from datetime import date

SECTORS = (
    "realestate", "consumer_cyclical", "basic_materials", "consumer_defensive", "technology",
    "communication_services", "financial_services", "utilities", "industrials", "energy",
    "healthcare",
)  # fmt: skip


@dataclass(frozen=True)
class PriceProfile:
    level: float  # close on sample_paths.PIN
    volume: float  # typical daily volume
    beta_market: float = 1.0
    beta_small: float = 0.0
    beta_growth: float = 0.0
    idio: float = 0.002  # daily idiosyncratic volatility
    drift: float = 0.08  # annual log drift
    tracks: str | None = None  # an ETF follows its index, so ratios like ^GSPC/SPY stay stable
    dividend_yield: float = 0.0  # paid quarterly; 0 for indexes
    splits: tuple[tuple[date, float], ...] = ()


@dataclass(frozen=True)
class FundProfile:
    trailing_pe: float
    forward_ratio: float | None  # forward_pe / trailing_pe; None where Yahoo shows none
    price_to_book: float
    price_to_sales: float
    price_to_cashflow: float
    median_market_cap: float  # USD on PIN
    total_assets: float  # AUM in USD on PIN
    earnings_growth_3y: float
    sectors: tuple[float, ...]  # weights in SECTORS order


_SMALL_MIX = (0.07, 0.11, 0.05, 0.04, 0.14, 0.03, 0.17, 0.03, 0.17, 0.06, 0.13)
_DIVIDEND_MIX = (0.12, 0.13, 0.07, 0.06, 0.07, 0.03, 0.25, 0.06, 0.13, 0.04, 0.04)
_LARGE_MIX = (0.02, 0.10, 0.02, 0.06, 0.32, 0.09, 0.13, 0.025, 0.08, 0.035, 0.12)
_GROWTH_MIX = (0.002, 0.14, 0.013, 0.05, 0.50, 0.16, 0.005, 0.015, 0.05, 0.005, 0.06)

IJR_SPLIT = (date(2024, 6, 10), 2.0)

PRICES: dict[str, PriceProfile] = {
    "^GSPC": PriceProfile(level=4742.8, volume=4.0e9, idio=0.0, drift=0.10),
    "^RUT": PriceProfile(level=1987.0, volume=1.2e9, beta_small=1.0, idio=0.0, drift=0.05),
    "^SP600": PriceProfile(level=1300.0, volume=6.0e8, beta_small=0.9, idio=0.0015, drift=0.05),
    "SPY": PriceProfile(level=472.65, volume=7.0e7, tracks="^GSPC", dividend_yield=0.013),
    "IVV": PriceProfile(level=474.96, volume=5.0e6, tracks="^GSPC", dividend_yield=0.013),
    "IWM": PriceProfile(level=197.93, volume=3.0e7, tracks="^RUT", dividend_yield=0.012),
    "IJR": PriceProfile(
        level=107.2, volume=4.0e6, tracks="^SP600", dividend_yield=0.014, splits=(IJR_SPLIT,)
    ),
    "QQQ": PriceProfile(
        level=402.6,
        volume=4.5e7,
        beta_market=1.1,
        beta_growth=1.0,
        idio=0.002,
        drift=0.12,
        dividend_yield=0.006,
    ),
    "DES": PriceProfile(
        level=31.2,
        volume=6.0e4,
        beta_market=0.9,
        beta_small=0.8,
        idio=0.004,
        drift=0.04,
        dividend_yield=0.028,
    ),
    "VB": PriceProfile(
        level=211.5, volume=7.0e5, beta_small=0.6, idio=0.002, drift=0.07, dividend_yield=0.014
    ),
}

FUNDS: dict[str, FundProfile] = {
    "IWM": FundProfile(18.0, 0.85, 2.0, 1.2, 9.0, 1.0e9, 6.0e10, 0.04, _SMALL_MIX),
    "IJR": FundProfile(16.0, 0.88, 1.9, 1.1, 9.0, 2.0e9, 8.5e10, 0.06, _SMALL_MIX),
    "DES": FundProfile(14.0, None, 1.5, 0.9, 7.5, 1.5e9, 2.0e9, 0.05, _DIVIDEND_MIX),
    "VB": FundProfile(19.0, None, 2.4, 1.5, 11.0, 7.0e9, 6.0e10, 0.07, _SMALL_MIX),
    "SPY": FundProfile(28.0, 0.78, 5.0, 3.0, 18.0, 3.5e10, 6.0e11, 0.11, _LARGE_MIX),
    "IVV": FundProfile(28.0, 0.78, 5.0, 3.0, 18.0, 3.5e10, 5.5e11, 0.11, _LARGE_MIX),
    "QQQ": FundProfile(35.0, 0.80, 8.5, 5.5, 25.0, 6.0e10, 3.0e11, 0.16, _GROWTH_MIX),
}

_GENERIC_FUND = FundProfile(20.0, None, 2.5, 1.8, 12.0, 1.0e10, 5.0e9, 0.06, _SMALL_MIX)


def is_index(ticker: str) -> bool:
    """Yahoo index symbols start with '^'; indexes have bars but no fundamentals or payouts."""
    return ticker.startswith("^")


def price_profile(ticker: str) -> PriceProfile:
    """The listed profile, else a generic one whose level is stable per ticker (crc32)."""
    if ticker in PRICES:
        return PRICES[ticker]
    level = 20.0 + zlib.crc32(ticker.encode()) % 28_000 / 100
    yield_ = 0.0 if is_index(ticker) else 0.015
    return PriceProfile(level=level, volume=1.0e6, idio=0.01, dividend_yield=yield_)


def fund_profile(ticker: str) -> FundProfile:
    return FUNDS.get(ticker, _GENERIC_FUND)
