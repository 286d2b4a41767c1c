"""Yahoo Finance daily bars (and, via yahoo_fundamentals, snapshots) through yfinance 1.7.

Prices: ``Ticker.history(interval='1d', auto_adjust=False, actions=True)``, mapped as
    Open/High/Low -> open/high/low
    Close         -> close      (Yahoo's Close: split-adjusted, NOT dividend-adjusted; Yahoo
                                 serves no truly raw series)
    Adj Close     -> adj_close  (split- and dividend-adjusted; drifts as dividends go ex)
    Volume        -> volume     (float64, split-adjusted)
    Dividends     -> dividends  (cash per share on the ex-date, 0 otherwise)
    Stock Splits  -> stock_splits (ratio on the split date, e.g. 4.0 for 4:1; 0 otherwise)
Dates are exchange-local (America/New_York) midnights as naive datetime64[ns].

A bar dated today is dropped until the NYSE session has closed (16:00 New York; early-close
days are treated the same way, which only delays that bar to the next run's overlap window).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import requests
import yfinance as yf

from contracts.calendar import EXCHANGE_TZ, last_complete_day, trading_days
from contracts.datasets import FUNDAMENTALS, PRICES, SECTOR_WEIGHTS
from contracts.inputs import check_keys
from contracts.settings import Settings, get_settings
from contracts.universe import TICKER_RE
from sources.budget import RequestBudget, budget_for
from sources.extraction import Extraction, isolate
from sources.retry import (
    EmptyResultError,
    PermanentSourceError,
    RetryPolicy,
    with_retries,
)
from sources.yahoo_client import call_yahoo, configure_yfinance
from sources.yahoo_fundamentals import fetch_fundamentals

__all__ = [
    "extract_fundamentals",
    "extract_history",
    "extract_prices",
    "fetch_fundamentals",
    "fetch_prices",
    "normalize_prices",
]

SOURCE = "yahoo"
DEFAULT_TIMEOUT = 10.0

_HISTORY_COLUMNS = {
    "Open": "open",
    "High": "high",
    "Low": "low",
    "Close": "close",
    "Adj Close": "adj_close",
    "Volume": "volume",
    "Dividends": "dividends",
    "Stock Splits": "stock_splits",
}


def empty_prices() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="float64") for c in PRICES.columns})
    frame["ticker"] = frame["ticker"].astype("object")
    frame["source"] = frame["source"].astype("object")
    frame["date"] = frame["date"].astype("datetime64[ns]")
    return frame


def _numbers(ticker: str, history: pd.DataFrame, name: str) -> np.ndarray:
    """One history column as float64; a value that is there but is not a number means the
    response is broken, and the whole ticker is refused rather than loaded with holes."""
    if name not in history:
        return np.full(len(history), np.nan)
    raw = history[name]
    numbers = pd.to_numeric(raw, errors="coerce")
    broken = numbers.isna() & raw.notna()
    if broken.any():
        first = raw[broken].iloc[0]
        raise PermanentSourceError(
            f"Yahoo {ticker}: {int(broken.sum())} {name} value(s) are not numbers (first: "
            f"{first!r} on {pd.Timestamp(raw[broken].index[0]).date()}); malformed response, "
            "nothing of this ticker loaded"
        )
    return numbers.to_numpy(dtype="float64")


def _refuse_weekend_bars(ticker: str, dates: pd.DatetimeIndex) -> None:
    """A daily NYSE bar on a Saturday or Sunday means the timestamps were shifted by a time
    zone (e.g. midnight UTC read as New York): every date of the batch is then suspect."""
    weekend = dates[dates.dayofweek >= 5]
    if len(weekend):
        raise PermanentSourceError(
            f"Yahoo {ticker}: {len(weekend)} bar(s) dated on a weekend (first {weekend[0].date()}"
            "): the timestamps look shifted by a time zone, so no date of this ticker can be "
            "trusted; nothing of it loaded"
        )


def normalize_prices(ticker: str, history: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """yfinance history -> PRICES rows for [start, end], one per (ticker, date).

    Raises PermanentSourceError for a response that is broken as a whole: a field that is not
    a number, or bars on a weekend (shifted timestamps)."""
    if history.empty:
        return empty_prices()
    index = pd.DatetimeIndex(history.index)
    if index.tz is not None:
        index = index.tz_convert(EXCHANGE_TZ).tz_localize(None)
    dates = index.normalize().as_unit("ns")
    _refuse_weekend_bars(ticker, dates)
    frame = pd.DataFrame(
        {column: _numbers(ticker, history, name) for name, column in _HISTORY_COLUMNS.items()}
    )
    frame.insert(0, "date", dates)
    frame.insert(0, "ticker", ticker)
    frame["source"] = SOURCE
    in_window = (frame["date"] >= pd.Timestamp(start)) & (frame["date"] <= pd.Timestamp(end))
    frame = frame.loc[in_window, list(PRICES.columns)]
    frame = frame.drop_duplicates(subset=["ticker", "date"], keep="first")
    return frame.sort_values("date", ignore_index=True)


def _fetch_ticker(
    ticker: str,
    start: date,
    end: date,
    sessions: int,
    *,
    session: requests.Session | None,
    timeout: float,
    limiter: RequestBudget | None,
) -> pd.DataFrame:
    what = f"{ticker} {start}..{end}"
    history = call_yahoo(
        lambda: yf.Ticker(ticker, session=session).history(
            start=start.isoformat(),
            end=(end + timedelta(days=1)).isoformat(),  # yfinance's end is exclusive
            interval="1d",
            prepost=False,
            actions=True,
            auto_adjust=False,
            back_adjust=False,
            repair=False,
            keepna=False,
            rounding=False,
            timeout=timeout,
            # raise_errors is deprecated in 1.7; yf.config.debug.hide_exceptions=False
            # (set in configure_yfinance) is what makes failures raise.
        ),
        what,
        limiter,
        session,
    )
    frame = normalize_prices(ticker, history, start, end)
    if frame.empty:
        raise EmptyResultError(
            f"Yahoo {what}: no bars although NYSE had {sessions} session(s); possibly a block, "
            "a delisting or a listing after the window. Check the symbol on finance.yahoo.com"
        )
    return frame


def fetch_prices(
    tickers: Sequence[str],
    start: date,
    end: date,
    *,
    session: requests.Session | None = None,
    now: datetime | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    retry: RetryPolicy | None = None,
    limiter: RequestBudget | None = None,
    cache_dir: Path | None = None,
) -> pd.DataFrame:
    """Daily bars for [start, end], one row per (ticker, trading date), exchange-local dates.

    A window without a completed NYSE session returns an empty frame without asking Yahoo;
    a window with sessions but no bars raises EmptyResultError for that ticker.
    """
    check_keys(tickers, TICKER_RE, what="tickers", example="IWM or ^RUT")  # they go into URLs
    configure_yfinance(cache_dir)
    final_end = min(end, last_complete_day(now))
    sessions = len(trading_days(start, final_end))
    if sessions == 0:
        return empty_prices()
    policy = retry or RetryPolicy()
    frames = [
        with_retries(
            lambda t=ticker: _fetch_ticker(
                t, start, final_end, sessions, session=session, timeout=timeout, limiter=limiter
            ),
            policy=policy,
            what=f"Yahoo {ticker} {start}..{final_end}",
        )
        for ticker in tickers
    ]
    return pd.concat(frames, ignore_index=True)


def _plumbing(settings: Settings, retry: RetryPolicy | None) -> tuple[RetryPolicy, RequestBudget]:
    """Caches configured, plus the retry policy and the Yahoo request budget (the one the
    caller's scope shares between processes, else this process's)."""
    configure_yfinance(settings.yahoo_cache_dir)
    limiter = budget_for(SOURCE, settings.yahoo_requests_per_minute / 60.0)
    return retry or RetryPolicy.from_settings(settings), limiter


def extract_history(
    windows: Mapping[str, tuple[date, date]],
    dataset: str,
    rows: Callable[[pd.DataFrame], pd.DataFrame],
    *,
    session: requests.Session | None = None,
    settings: Settings | None = None,
    now: datetime | None = None,
    retry: RetryPolicy | None = None,
) -> Extraction:
    """Daily bars per symbol over its own window, isolated per symbol, turned into ``dataset``
    rows by ``rows`` (frames={dataset: ...}; ``rows`` of an empty PRICES frame is the empty
    frame). Prices and Fed funds futures share this path."""
    settings = settings or get_settings()
    policy, limiter = _plumbing(settings, retry)
    timeout = settings.yahoo_timeout_seconds

    def fetch_one(symbol: str) -> dict[str, pd.DataFrame]:
        start, end = windows[symbol]
        frame = fetch_prices(
            [symbol], start, end, session=session, now=now, timeout=timeout,
            retry=policy, limiter=limiter,
        )  # fmt: skip
        return {dataset: rows(frame)}

    extraction = isolate(
        dataset, windows.keys(), fetch_one, max_failure_ratio=settings.max_failure_ratio
    )
    extraction.frames.setdefault(dataset, rows(empty_prices()))
    return extraction


def extract_prices(
    windows: Mapping[str, tuple[date, date]],
    *,
    session: requests.Session | None = None,
    settings: Settings | None = None,
    now: datetime | None = None,
    retry: RetryPolicy | None = None,
) -> Extraction:
    """Bars per ticker over its own window, isolated per ticker (frames={'prices': ...})."""
    return extract_history(
        windows, PRICES.name, lambda bars: bars,
        session=session, settings=settings, now=now, retry=retry,
    )  # fmt: skip


def extract_fundamentals(
    tickers: Iterable[str],
    asof: date,
    *,
    session: requests.Session | None = None,
    settings: Settings | None = None,
    retry: RetryPolicy | None = None,
) -> Extraction:
    """Today's snapshot per ticker (frames={'fundamentals', 'sector_weights'})."""
    settings = settings or get_settings()
    policy, limiter = _plumbing(settings, retry)

    def fetch_one(ticker: str) -> dict[str, pd.DataFrame]:
        fundamentals, sectors = fetch_fundamentals(
            [ticker], asof, session=session, retry=policy, limiter=limiter
        )
        return {"fundamentals": fundamentals, "sector_weights": sectors}

    extraction = isolate(
        "fundamentals", list(tickers), fetch_one, max_failure_ratio=settings.max_failure_ratio
    )
    for dataset in (FUNDAMENTALS, SECTOR_WEIGHTS):
        extraction.frames.setdefault(dataset.name, pd.DataFrame(columns=list(dataset.columns)))
    return extraction
