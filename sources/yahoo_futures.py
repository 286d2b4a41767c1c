"""30-day Fed funds futures closes from Yahoo, through the same yfinance daily history as prices.

Each contract (``ZQZ25.CBT``) and the front month (``ZQ=F``) is one ``Ticker.history`` call, so
windows, catch-up, retries, the rate limit and the "no bar before the close" rule are those of
``sources.yahoo.extract_history``; only the columns differ: the close, and the month the contract
prices (``contracts.futures.contract_month``). Yahoo dates CBOT bars by the trading day.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

import pandas as pd
import requests

from contracts.datasets import FUTURES
from contracts.futures import contract_month
from contracts.settings import Settings
from sources.extraction import Extraction
from sources.retry import RetryPolicy
from sources.yahoo import SOURCE, extract_history


def empty_futures() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "symbol": pd.Series(dtype="object"),
            "date": pd.Series(dtype="datetime64[ns]"),
            "close": pd.Series(dtype="float64"),
            "contract_month": pd.Series(dtype="datetime64[ns]"),
            "source": pd.Series(dtype="object"),
        }
    )


def normalize_futures(bars: pd.DataFrame) -> pd.DataFrame:
    """PRICES rows of futures symbols -> FUTURES rows (symbol, date, close, contract_month)."""
    if bars.empty:
        return empty_futures()
    months = [
        pd.Timestamp(contract_month(symbol, day.date()))
        for symbol, day in zip(bars["ticker"], bars["date"], strict=True)
    ]
    frame = pd.DataFrame(
        {
            "symbol": bars["ticker"].to_numpy(),
            "date": bars["date"].to_numpy(),
            "close": bars["close"].to_numpy(),
            "contract_month": pd.to_datetime(months).as_unit("ns"),
            "source": SOURCE,
        }
    )
    return frame.loc[:, list(FUTURES.columns)]


def extract_futures(
    windows: Mapping[str, tuple[date, date]],
    *,
    session: requests.Session | None = None,
    settings: Settings | None = None,
    now: datetime | None = None,
    retry: RetryPolicy | None = None,
) -> Extraction:
    """Daily closes per futures symbol over its window, isolated per symbol
    (frames={'futures': ...}); a symbol Yahoo does not know fails alone."""
    return extract_history(
        windows, FUTURES.name, normalize_futures,
        session=session, settings=settings, now=now, retry=retry,
    )  # fmt: skip
