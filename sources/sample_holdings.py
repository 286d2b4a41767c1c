"""Deterministic fund holdings and constituent quotes for the sample source.

Each fund holds a fixed list of synthetic companies, cap-weighted: a few hundred for a fund
whose issuer file is configured (plus a cash, a money-market and a futures line, as iShares
lists them), Yahoo's top 10 flagged partial for the others, as live. A company's price,
shares and earnings are a pure function of (ticker, date), so every fund sees the same quote
and reruns are identical; prices follow the Russell 2000 (small names) or the S&P 500 (large
names) of the sample price paths. About a third of the small names lose money and a tenth of
the large ones; one small name in twenty has no analyst estimate (no forward EPS); two lines
have no listing ('-', unmapped) and one symbol gets no quote (unquoted), so the coverage counts
have something to count. The large funds hold Berkshire as iShares writes it, 'BRKB', which
the universe file's share-class overrides map to Yahoo's 'BRK-B'.
"""

import math
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache

import numpy as np
import pandas as pd

from contracts.calendar import trading_days_back
from contracts.datasets import CONSTITUENT_QUOTES, HOLDINGS
from sources.constituent_quotes import quotes_frame
from sources.extraction import Extraction, isolate
from sources.holdings import fund_shares_frame, holdings_frame
from sources.lookthrough import equity_symbols
from sources.sample_funds import fund_path
from sources.sample_paths import ANCHOR, HORIZON, PIN, grid_position, price_path, rng
from sources.symbols import yahoo_symbol

SOURCE = "sample"
MEGACAPS = {  # market cap on PIN, USD
    "AAPL": 3.0e12, "MSFT": 2.9e12, "NVDA": 1.2e12, "AMZN": 1.6e12,
    "GOOGL": 0.9e12, "GOOG": 0.8e12, "META": 0.9e12, "TSLA": 0.8e12,
}  # fmt: skip
UNQUOTED = "SAAH"  # a listed small name Yahoo does not answer for
SHARE_CLASS = "BRKB"  # the issuer's spelling of a share class (Yahoo: BRK-B)
_CASH_LINES = (  # (ticker, name, asset class, weight)
    ("USD", "USD CASH", "Cash", 0.003),
    ("XTSLA", "BLK CSH FND TREASURY SL AGENCY", "Money Market", 0.002),
    ("MSFUT", "CASH COLLATERAL MSFUT USD", "Cash Collateral and Margins", 0.0002),
    ("RTYZ5", "RUSSELL 2000 EMINI CME DEC 25", "Futures", 0.0),
)
_UNLISTED = (("-", "SAMPLE BIO INC CVR"), ("-", "SAMPLE TECH WARRANTS"))


@dataclass(frozen=True)
class Company:
    ticker: str
    cap: float  # market cap on PIN, USD
    level: float  # price on PIN, USD
    earnings_yield: float  # trailing EPS / price on PIN; negative = a loss-maker
    growth: float | None  # expected EPS change, as a fraction of |trailing EPS|; None: no estimate
    small: bool


def _letters(i: int) -> str:
    return "".join(chr(65 + (i // 26**k) % 26) for k in (2, 1, 0))


def _draw(label: str) -> np.random.Generator:
    return rng(f"company:{label}")


def company(ticker: str) -> Company:
    """A synthetic company: 'S...' small caps, 'L...', the megacaps and Berkshire large caps;
    the issuer's 'BRKB' and Yahoo's 'BRK-B' are the same company."""
    return _company(ticker.replace("-", ""))


@cache
def _company(ticker: str) -> Company:
    draw = _draw(ticker)
    small = ticker.startswith("S")
    level = 10.0 + zlib.crc32(ticker.encode()) % 30_000 / 100
    if ticker in MEGACAPS:
        cap = MEGACAPS[ticker]
    elif small:
        cap = 2.0e9 * math.exp(draw.normal(0, 0.8))
    else:
        cap = 6.0e10 * math.exp(draw.normal(0, 0.7))
    loses = draw.random() < (0.35 if small else 0.1)
    if loses:
        earnings_yield = -draw.uniform(0.01, 0.08)
    else:
        earnings_yield = 1 / (math.exp(draw.normal(math.log(17 if small else 22), 0.35)))
    no_estimate = small and draw.random() < 0.05
    growth = None if no_estimate else draw.normal(0.18 if small else 0.11, 0.15)
    return Company(ticker, cap, level, earnings_yield, growth, small)


def members(fund: str) -> list[str]:
    """The fund's companies: large funds hold the megacaps and 'L' names, small funds 'S'."""
    large = [f"L{_letters(i)}" for i in range(300)]
    small = [f"S{_letters(i)}" for i in range(600)]
    lists = {
        "IVV": [*MEGACAPS, SHARE_CLASS, *large[:291]],
        "SPY": [*MEGACAPS, SHARE_CLASS, *large[:291]],
        "QQQ": [*MEGACAPS, *large[:92]],
        "IWM": small[:400],
        "IJR": small[200:500],
        "VB": small[100:400],
        "DES": small[300:450],
    }
    return lists.get(fund, small[:200])


def _price(c: Company, day: date) -> float:
    """The company's close: its index's move since PIN plus a deterministic wobble."""
    index = price_path("^RUT" if c.small else "^GSPC").close
    move = index[grid_position(day)] / index[grid_position(PIN)]
    wobble = math.exp(_draw(f"{c.ticker}:{day}").normal(0, 0.05))
    return round(c.level * move * wobble, 2)


def _quote(symbol: str, day: date) -> dict[str, object]:
    """Yahoo's quote of ``symbol`` (its own spelling, e.g. 'BRK-B') on ``day``."""
    c = company(symbol)
    price = _price(c, day)
    shares = round(c.cap / c.level)
    eps = round(c.earnings_yield * c.level, 2)
    forward = None if c.growth is None else round(eps + abs(eps) * c.growth, 2)
    current = eps if forward is None else round((eps + forward) / 2, 2)
    return {
        "ticker": symbol,
        "asof_date": pd.Timestamp(day),
        "price": price,
        "market_cap": float(round(price * shares)),
        "shares_outstanding": float(shares),
        "eps_trailing": eps,
        "eps_forward": forward,
        "eps_current_year": current,
        "trailing_pe": round(price / eps, 2) if eps > 0 else None,
        "forward_pe": round(price / forward, 2) if forward and forward > 0 else None,
        "currency": "USD",
        "source": SOURCE,
    }


def _weights(fund: str) -> dict[str, float]:
    caps = {t: company(t).cap for t in members(fund)}
    total = sum(caps.values())
    equity = 1 - sum(w for *_, w in _CASH_LINES)
    return {t: equity * cap / total for t, cap in caps.items()}


def _line(
    fund: str, day: date, ticker: str, name: str, asset_class: str, *values: float
) -> dict[str, object]:
    """One holdings line; ``values`` are market value, weight, shares and price."""
    market_value, weight, shares, price = values
    return {
        "fund": fund,
        "asof_date": pd.Timestamp(day),
        "holding_ticker": ticker,
        "name": name,
        "sector": None if asset_class != "Equity" else "Sample sector",
        "asset_class": asset_class,
        "market_value": market_value,
        "weight": weight,
        "shares": shares,
        "price": price,
    }


def full_holdings(fund: str, day: date) -> list[dict[str, object]]:
    """Every line of the fund's issuer file on ``day``: stocks, unlisted lines, cash, futures."""
    aum = float(fund_path(fund).total_assets[grid_position(day)])
    lines = []
    for ticker, weight in _weights(fund).items():
        price = _price(company(ticker), day)
        value = round(weight * aum, 2)
        shares = round(value / price)
        lines.append(
            _line(fund, day, ticker, f"{ticker} CORP", "Equity", value, weight, shares, price)
        )
    if company(members(fund)[0]).small:
        lines += [_line(fund, day, t, n, "Equity", 1000.0, 0.0, 500.0, 2.0) for t, n in _UNLISTED]
    lines += [
        _line(fund, day, t, n, cls, round(w * aum, 2), w, round(w * aum), 1.0)
        for t, n, cls, w in _CASH_LINES
    ]
    return lines


def top_holdings(fund: str, day: date) -> list[dict[str, object]]:
    """Yahoo's top 10 by weight, as the live fallback gives them: names and weights only."""
    weights = sorted(_weights(fund).items(), key=lambda kv: -kv[1])[:10]
    nan = float("nan")
    return [_line(fund, day, t, f"{t} CORP", "Equity", nan, w, nan, nan) for t, w in weights]


def generate_holdings(
    fund: str, day: date, *, issuer_file: bool, symbols: Mapping[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(HOLDINGS rows, fund shares) of ``fund`` on ``day``; partial without an issuer file."""
    rows = full_holdings(fund, day) if issuer_file else top_holdings(fund, day)
    frame = holdings_frame(
        [
            {
                **row,
                "yahoo_ticker": yahoo_symbol(str(row["holding_ticker"]), symbols),
                "partial": not issuer_file,
                "source": SOURCE,
            }
            for row in rows
        ]
    )
    shares = float(fund_path(fund).shares_outstanding[grid_position(day)])
    return frame, fund_shares_frame([(fund, day, shares, SOURCE)] if issuer_file else [])


def generate_quotes(tickers: list[str], day: date) -> pd.DataFrame:
    """CONSTITUENT_QUOTES rows of ``tickers`` on ``day`` (none for UNQUOTED)."""
    return quotes_frame([_quote(t, day) for t in dict.fromkeys(tickers) if t != UNQUOTED])


def extract_holdings(
    windows: Mapping[str, tuple[date, date]],
    *,
    issuer_funds: set[str],
    symbols: Mapping[str, str],
    max_failure_ratio: float = 0.5,
) -> Extraction:
    """Per fund, its holdings on the last session of its window (an issuer file is one day's
    snapshot, so history comes from archives, not from the sample); then one quote per
    distinct equity constituent: frames = {'holdings', 'fund_shares', 'constituent_quotes'}."""
    days: dict[str, date] = {}

    def fetch_one(fund: str) -> dict[str, pd.DataFrame]:
        start, end = windows[fund]
        day = trading_days_back(min(end, HORIZON), 0)
        if day < max(start, ANCHOR):
            return {}
        days[fund] = day
        holdings, shares = generate_holdings(
            fund, day, issuer_file=fund in issuer_funds, symbols=symbols
        )
        return {HOLDINGS.name: holdings, "fund_shares": shares}

    extraction = isolate(HOLDINGS.name, windows, fetch_one, max_failure_ratio=max_failure_ratio)
    holdings = extraction.frames.setdefault(HOLDINGS.name, holdings_frame([]))
    extraction.frames.setdefault("fund_shares", fund_shares_frame([]))
    quotes = [
        generate_quotes(equity_symbols(holdings[holdings["asof_date"] == pd.Timestamp(day)]), day)
        for day in sorted(set(days.values()))
    ]
    extraction.frames[CONSTITUENT_QUOTES.name] = (
        pd.concat(quotes, ignore_index=True) if quotes else quotes_frame([])
    )
    return extraction
