"""The holdings extraction group, live: each fund's holdings, then one quote per distinct equity
constituent across all the funds (frames 'holdings', 'constituent_quotes' and 'fund_shares').

Holdings come from the issuer's file where the universe names one (``[holdings]``), else from
Yahoo's top 10 (``funds_data.top_holdings``: Symbol, Name, Holding Percent as a fraction of the
fund), flagged partial, with no market value, shares or price. Each fund is isolated like any
source key. A quote batch that fails makes every fund holding one of its symbols a failed key
of constituent_quotes (the run ends partial); those symbols stay unquoted, which the marts'
coverage shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import pandas as pd
import requests
import yfinance as yf

from contracts.datasets import CONSTITUENT_QUOTES, HOLDINGS
from contracts.settings import Settings
from sources.budget import RequestBudget, budget_for
from sources.constituent_quotes import fetch_quotes
from sources.extraction import Extraction, KeyFailure, isolate
from sources.holdings import fetch_issuer_holdings, fund_shares_frame, holdings_frame
from sources.retry import EmptyResultError, RetryPolicy, with_retries
from sources.symbols import yahoo_symbol
from sources.yahoo_client import call_yahoo, configure_yfinance

SOURCE = "yahoo"


def normalize_top_holdings(
    fund: str, asof: date, top: pd.DataFrame, symbols: Mapping[str, str]
) -> pd.DataFrame:
    """HOLDINGS rows from yfinance's top_holdings (index Symbol; Name, Holding Percent)."""
    tickers = [str(s) for s in top.index]
    return holdings_frame(
        {
            "fund": fund,
            "asof_date": pd.Timestamp(asof),
            "holding_ticker": tickers,
            "name": top["Name"].astype("str").to_numpy(),
            "sector": None,
            "asset_class": "Equity",
            "market_value": float("nan"),
            "weight": pd.to_numeric(top["Holding Percent"], errors="coerce").to_numpy(),
            "shares": float("nan"),
            "price": float("nan"),
            "yahoo_ticker": [yahoo_symbol(t, symbols) for t in tickers],
            "partial": True,
            "source": SOURCE,
        }
    )


def fetch_top_holdings(
    fund: str,
    asof: date,
    *,
    symbols: Mapping[str, str],
    session: requests.Session | None = None,
    retry: RetryPolicy | None = None,
    limiter: RequestBudget | None = None,
) -> pd.DataFrame:
    """Yahoo's top 10 holdings of ``fund`` as partial HOLDINGS rows dated ``asof``."""
    what = f"{fund} top holdings"
    top = with_retries(
        lambda: call_yahoo(
            lambda: yf.Ticker(fund, session=session).funds_data.top_holdings,
            what,
            limiter,
            session,
        ),
        policy=retry or RetryPolicy(),
        what=f"Yahoo {what}",
    )
    if top is None or top.empty:
        raise EmptyResultError(
            f"Yahoo {what}: no holdings listed (not a fund, or a block); configure the "
            "issuer's file under [holdings] in the universe file"
        )
    return normalize_top_holdings(fund, asof, top, symbols)


def quote_failures(holdings: pd.DataFrame, failed: Sequence[tuple]) -> list[KeyFailure]:
    """One constituent_quotes failure per fund holding a symbol of a failed batch."""
    lost = {s: (cls, msg) for batch, cls, msg in failed for s in batch}
    failures = []
    for fund, lines in equity_lines(holdings).groupby("fund", sort=True):
        hit = lines[lines["yahoo_ticker"].isin(lost.keys())]
        if hit.empty:
            continue
        cls, msg = lost[hit["yahoo_ticker"].iloc[0]]
        failures.append(
            KeyFailure(
                CONSTITUENT_QUOTES.name,
                str(fund),
                cls,
                f"{len(hit)} of {len(lines)} equity holdings unquoted: {msg}"[:500],
            )
        )
    return failures


def equity_lines(holdings: pd.DataFrame) -> pd.DataFrame:
    """Stock lines only: cash, money-market, collateral and futures lines are not quoted."""
    return holdings[holdings["asset_class"].str.lower().eq("equity")]


def equity_symbols(holdings: pd.DataFrame) -> list[str]:
    """The distinct Yahoo symbols of the equity lines, in first-seen order."""
    return list(dict.fromkeys(equity_lines(holdings)["yahoo_ticker"].dropna()))


def extract_lookthrough(
    funds: Sequence[str],
    asof: date,
    *,
    settings: Settings,
    session: requests.Session | None = None,
    issuer_session: requests.Session | None = None,
    retry: RetryPolicy | None = None,
) -> Extraction:
    """Holdings of ``funds`` (issuer file or Yahoo top 10) and quotes of their constituents."""
    configure_yfinance(settings.yahoo_cache_dir)
    universe = settings.universe
    symbols = universe.lookthrough.symbols
    policy = retry or RetryPolicy.from_settings(settings)
    limiter = budget_for(SOURCE, settings.yahoo_requests_per_minute / 60.0)

    def fetch_one(fund: str) -> dict[str, pd.DataFrame]:
        issuer = universe.holdings.get(fund)
        if issuer is None:
            top = fetch_top_holdings(
                fund, asof, symbols=symbols, session=session, retry=policy, limiter=limiter
            )
            return {HOLDINGS.name: top}
        holdings, shares = fetch_issuer_holdings(
            fund,
            issuer,
            symbols=symbols,
            session=issuer_session,
            timeout=settings.holdings_timeout_seconds,
            retry=policy,
        )
        return {HOLDINGS.name: holdings, "fund_shares": shares}

    extraction = isolate(
        HOLDINGS.name, funds, fetch_one, max_failure_ratio=settings.max_failure_ratio
    )
    holdings = extraction.frames.setdefault(HOLDINGS.name, holdings_frame([]))
    extraction.frames.setdefault("fund_shares", fund_shares_frame([]))
    quotes = fetch_quotes(
        equity_symbols(holdings),
        asof,
        session=session,
        timeout=settings.yahoo_timeout_seconds,
        retry=policy,
        limiter=limiter,
    )
    extraction.frames[CONSTITUENT_QUOTES.name] = quotes.frame
    extraction.failures += quote_failures(holdings, quotes.failed)
    return extraction
