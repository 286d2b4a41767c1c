"""Quotes of a fund's constituents from Yahoo's batch quote endpoint, many symbols per request.

``GET /v7/finance/quote?symbols=A,B,...`` answers one result per known symbol; it is asked
through yfinance's ``YfData`` so Yahoo's cookie and crumb are handled as for every other Yahoo
call (and the same test seam, an injected requests.Session, applies). ``BATCH_SIZE`` symbols per
request keep a daily refresh of IWM + IJR + IVV (~3,000 distinct names) at 20 requests.
Mapping (Yahoo field -> core.constituent_quotes):
    symbol -> ticker, regularMarketPrice -> price, marketCap -> market_cap,
    sharesOutstanding -> shares_outstanding, epsTrailingTwelveMonths -> eps_trailing,
    epsForward -> eps_forward, epsCurrentYear -> eps_current_year,
    trailingPE -> trailing_pe, forwardPE -> forward_pe, currency -> currency.
Yahoo gives no trailingPE for a loss-maker but does give its negative EPS, which is why the
marts aggregate EPS, not P/E. Prices and EPS (trailing, forward) are in ``currency``; for
foreign filers epsCurrentYear can be in the financial currency (the recorded BABA quote: CNY).
A symbol Yahoo does not return gets no row: it is counted as unquoted, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import requests
from yfinance.data import YfData

from contracts.datasets import CONSTITUENT_QUOTES
from sources.budget import RequestBudget
from sources.retry import (
    RetryPolicy,
    UnreachableError,
    with_retries,
)
from sources.yahoo_client import call_yahoo, configure_yfinance
from sources.yahoo_fundamentals import _number as finite_number  # one reader of Yahoo numbers

SOURCE = "yahoo"
QUOTE_URL = "https://query1.finance.yahoo.com/v7/finance/quote"
BATCH_SIZE = 150
# consecutive unreachable batches, before any answer, after which the rest are not tried
UNREACHABLE_AFTER = 2

FIELDS: dict[str, str] = {
    "price": "regularMarketPrice",
    "market_cap": "marketCap",
    "shares_outstanding": "sharesOutstanding",
    "eps_trailing": "epsTrailingTwelveMonths",
    "eps_forward": "epsForward",
    "eps_current_year": "epsCurrentYear",
    "trailing_pe": "trailingPE",
    "forward_pe": "forwardPE",
}


@dataclass
class QuoteBatches:
    """The quotes that came back, and the symbols of each batch that failed (with why)."""

    frame: pd.DataFrame
    failed: list[tuple[tuple[str, ...], str, str]] = field(default_factory=list)  # class, message


def quotes_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """CONSTITUENT_QUOTES rows with the contract's dtypes (every source builds its frame here)."""
    frame = pd.DataFrame(rows, columns=list(CONSTITUENT_QUOTES.columns))
    text = {"ticker": "str", "currency": "str", "source": "str"}
    numbers = {c: "float64" for c in CONSTITUENT_QUOTES.columns if c not in text}
    return frame.astype({**numbers, **text, "asof_date": "datetime64[ns]"})


def normalize_quotes(results: Sequence[Mapping[str, Any]], asof: date) -> pd.DataFrame:
    """CONSTITUENT_QUOTES rows, one per result that names a symbol, dated ``asof``."""
    rows = [
        {
            "ticker": str(item["symbol"]),
            "asof_date": pd.Timestamp(asof),
            **{column: finite_number(item.get(name)) for column, name in FIELDS.items()},
            "currency": item.get("currency"),
            "source": SOURCE,
        }
        for item in results
        if isinstance(item.get("symbol"), str)
    ]
    return quotes_frame(rows)


def _request(symbols: Sequence[str], session: requests.Session | None, timeout: float) -> list:
    data = YfData(session=session)
    params = {
        "symbols": ",".join(symbols),
        "formatted": "false",
        "fields": ",".join(["symbol", "currency", *FIELDS.values()]),
    }
    body = data.get_raw_json(QUOTE_URL, params=params, timeout=timeout)
    response = body.get("quoteResponse") or {}
    if response.get("error"):
        raise ValueError(f"Yahoo quote error: {response['error']}")
    return list(response.get("result") or [])


def fetch_quotes(
    symbols: Sequence[str],
    asof: date,
    *,
    session: requests.Session | None = None,
    batch_size: int = BATCH_SIZE,
    timeout: float = 10.0,
    retry: RetryPolicy | None = None,
    limiter: RequestBudget | None = None,
) -> QuoteBatches:
    """Quotes for ``symbols`` in batches; a batch that still fails after its retries is
    recorded (its symbols unquoted) and the next one is tried, unless Yahoo was unreachable
    for the first batches, which the others would only repeat."""
    configure_yfinance()
    policy = retry or RetryPolicy()
    unique = list(dict.fromkeys(symbols))
    batches = [tuple(unique[i : i + batch_size]) for i in range(0, len(unique), batch_size)]
    out = QuoteBatches(frame=quotes_frame([]))
    frames, answered, streak = [], False, 0

    def attempt(batch: tuple[str, ...]) -> list:
        what = f"quotes {batch[0]}..{batch[-1]} ({len(batch)} symbols)"
        return call_yahoo(lambda: _request(batch, session, timeout), what, limiter, session)

    for number, batch in enumerate(batches):
        try:
            results = with_retries(
                lambda b=batch: attempt(b), policy=policy, what=f"Yahoo quotes batch {number + 1}"
            )
        except Exception as exc:  # one batch must not cost the others
            out.failed.append((batch, type(exc).__name__, str(exc)[:500]))
            streak = streak + 1 if isinstance(exc, UnreachableError) else 0
            if not answered and streak >= UNREACHABLE_AFTER:
                out.failed += [
                    (b, type(exc).__name__, str(exc)[:500]) for b in batches[number + 1 :]
                ]
                break
            continue
        answered, streak = True, 0
        frames.append(normalize_quotes(results, asof))
    if frames:
        out.frame = pd.concat(frames, ignore_index=True)
    return out
