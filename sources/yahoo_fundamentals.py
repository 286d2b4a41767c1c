"""Daily valuation snapshots from Yahoo: ``Ticker.info`` plus, for funds, ``Ticker.funds_data``.

Yahoo has no history for these, so each run stores today's values under ``asof_date``.
``FIELD_MAP`` below is both the documentation and the implementation: per column, the first
source with a usable number wins; a field Yahoo does not give is NULL, never 0.

Source kinds:
    ``info:K``     Ticker.info[K] (quoteSummary merged with the v7 quote)
    ``equity:K``   Ticker.info[K], only for non-funds. For an ETF Yahoo's info.priceToBook is
                   price / the fund's own "bookValue" (QQQ: 1.50), not its holdings' P/B (7.93)
    ``fund:K``     funds_data.equity_holdings row K (Morningstar averages over the holdings)
    ``1/fund:K``   the reciprocal: Yahoo reports the holdings' price ratios inverted (as
                   yields). Checked on the recorded QQQ quoteSummary: priceToEarnings 0.02938
                   -> P/E 34.0, beside summaryDetail.trailingPE 34.3; priceToBook 0.126 -> 7.9
trailing_pe_source says which definition trailing_pe holds: 'holdings' (1 / the holdings'
earnings yield) or 'quote' (the quote's own trailingPE, Yahoo's price / trailing earnings of
the fund); quote_trailing_pe keeps the quote's value even when the holdings' one wins, so a
small/large pair can use the same definition on both sides.
dividend_yield is a fraction (0.0054 = 0.54%): info.yield (funds) or
trailingAnnualDividendYield; info.dividendYield is skipped because the v7 quote gives it in
percent (0.41) while quoteSummary gives a fraction (0.0041).
Sector weights: funds_data.sector_weightings, Yahoo's keys kept (e.g. 'technology',
'consumer_cyclical'), weights as fractions of the equity holdings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import pandas as pd
import requests
import yfinance as yf

from contracts.datasets import FUNDAMENTALS, SECTOR_WEIGHTS
from contracts.inputs import check_keys
from contracts.universe import TICKER_RE
from sources.budget import RequestBudget
from sources.retry import EmptyResultError, RetryPolicy, with_retries
from sources.yahoo_client import call_yahoo, configure_yfinance

SOURCE = "yahoo"
FUND_TYPES = frozenset({"ETF", "MUTUALFUND"})

FIELD_MAP: dict[str, tuple[str, ...]] = {
    "trailing_pe": ("1/fund:Price/Earnings", "info:trailingPE"),
    "forward_pe": ("info:forwardPE",),
    "price_to_book": ("1/fund:Price/Book", "equity:priceToBook"),
    "price_to_sales": ("1/fund:Price/Sales", "equity:priceToSalesTrailing12Months"),
    "price_to_cashflow": ("1/fund:Price/Cashflow",),
    "median_market_cap": ("fund:Median Market Cap",),
    "total_assets": ("info:totalAssets", "info:netAssets"),
    "shares_outstanding": ("info:sharesOutstanding",),
    "nav_price": ("info:navPrice",),
    "dividend_yield": ("info:yield", "info:trailingAnnualDividendYield"),
    "earnings_growth_3y": ("fund:3 Year Earnings Growth",),
    "quote_trailing_pe": ("info:trailingPE",),
}
# which definition a value came from, by source kind (see trailing_pe_source)
PROVENANCE = {"fund": "holdings", "1/fund": "holdings", "info": "quote", "equity": "quote"}


def _number(value: object) -> float:
    """A finite float, or NaN for None/NA/text/bool/inf (Yahoo mixes all of these)."""
    if isinstance(value, bool) or value is None or value is pd.NA:
        return math.nan
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def _resolve(spec: str, info: Mapping[str, object], holdings: Mapping[str, object]) -> float:
    kind, _, key = spec.partition(":")
    is_fund = info.get("quoteType") in FUND_TYPES
    if kind == "info":
        return _number(info.get(key))
    if kind == "equity":
        return math.nan if is_fund else _number(info.get(key))
    value = _number(holdings.get(key))
    if kind == "1/fund":
        return 1.0 / value if value > 0 else math.nan
    return value


def normalize_fundamentals(
    ticker: str, asof: date, info: Mapping[str, object], holdings: Mapping[str, object]
) -> pd.DataFrame:
    """One FUNDAMENTALS row from ``info`` and the fund's equity-holdings averages."""
    row: dict[str, object] = {"ticker": ticker, "asof_date": pd.Timestamp(asof)}
    for column, specs in FIELD_MAP.items():
        found = ((spec, _resolve(spec, info, holdings)) for spec in specs)
        spec, row[column] = next(((k, v) for k, v in found if not math.isnan(v)), ("", math.nan))
        if column == "trailing_pe":
            row["trailing_pe_source"] = PROVENANCE.get(spec.partition(":")[0])
    row["source"] = SOURCE
    frame = pd.DataFrame([row], columns=list(FUNDAMENTALS.columns))
    frame["asof_date"] = frame["asof_date"].astype("datetime64[ns]")
    return frame


def normalize_sector_weights(
    ticker: str, asof: date, weightings: Mapping[str, object]
) -> pd.DataFrame:
    """SECTOR_WEIGHTS rows; sectors without a number are left out rather than stored as 0."""
    rows = [
        {"ticker": ticker, "asof_date": pd.Timestamp(asof), "sector": sector, "weight": weight}
        for sector, value in weightings.items()
        if not math.isnan(weight := _number(value))
    ]
    frame = pd.DataFrame(rows, columns=["ticker", "asof_date", "sector", "weight"])
    frame["source"] = SOURCE
    frame["asof_date"] = frame["asof_date"].astype("datetime64[ns]")
    frame["weight"] = frame["weight"].astype("float64")
    return frame.loc[:, list(SECTOR_WEIGHTS.columns)]


def _fetch_raw(
    ticker: str, asof: date, session: requests.Session | None, limiter: RequestBudget | None
) -> tuple[dict[str, object], dict[str, object], dict[str, object]]:
    what = f"{ticker} fundamentals asof {asof}"
    yt = yf.Ticker(ticker, session=session)
    info = dict(call_yahoo(lambda: yt.info, what, limiter, session) or {})
    if info.get("quoteType") not in FUND_TYPES:
        return info, {}, {}

    def funds() -> tuple[dict[str, object], dict[str, object]]:
        data = yt.funds_data
        table = data.equity_holdings
        holdings = table[ticker].to_dict() if ticker in table else {}
        return holdings, dict(data.sector_weightings or {})

    holdings, sectors = call_yahoo(funds, what + " (funds_data)", limiter, session)
    return info, holdings, sectors


def fetch_fundamentals(
    tickers: Sequence[str],
    asof: date,
    *,
    session: requests.Session | None = None,
    retry: RetryPolicy | None = None,
    limiter: RequestBudget | None = None,
    cache_dir: Path | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(fundamentals, sector_weights) snapshots for ``asof``; columns exactly the contracts'."""
    check_keys(tickers, TICKER_RE, what="tickers", example="IWM or ^RUT")  # they go into URLs
    configure_yfinance(cache_dir)
    policy = retry or RetryPolicy()
    fundamentals, sectors = [], []
    for ticker in tickers:
        info, holdings, weightings = with_retries(
            lambda t=ticker: _fetch_raw(t, asof, session, limiter),
            policy=policy,
            what=f"Yahoo {ticker} fundamentals",
        )
        row = normalize_fundamentals(ticker, asof, info, holdings)
        if row[list(FIELD_MAP)].isna().all(axis=None):
            raise EmptyResultError(
                f"Yahoo {ticker} fundamentals asof {asof}: none of the fields came back "
                "(unknown symbol or a block); check the symbol on finance.yahoo.com"
            )
        fundamentals.append(row)
        sectors.append(normalize_sector_weights(ticker, asof, weightings))
    return pd.concat(fundamentals, ignore_index=True), pd.concat(sectors, ignore_index=True)
