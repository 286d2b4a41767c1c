"""A new dividend or split rewrites a ticker's whole adjusted history, so refetch all of it.

Yahoo's adj_close for every earlier day changes when a dividend goes ex or a split happens;
the daily overlap window would only update the last few days and leave core with an adj_close
series that jumps at the window's start. So when today's batch holds an action on a day where
core has none, that ticker is re-extracted from its first loaded date to the run date before
validation, and the loader records every changed past value in audit.revisions.
"""

from collections.abc import Mapping
from datetime import date
from pathlib import Path

import pandas as pd

from contracts.errors import SourceError
from contracts.settings import Settings
from sources import dispatch
from sources.extraction import Extraction, KeyFailure
from warehouse.connection import warehouse
from warehouse.corporate_actions import KnownHistory, known_histories

Windows = dict[str, tuple[date, date]]


def action_dates(prices: pd.DataFrame) -> dict[str, set[date]]:
    """Per ticker, the days in ``prices`` with a dividend or a split (ratio not 0 or 1)."""
    dividends = prices["dividends"].fillna(0) > 0
    splits = ~prices["stock_splits"].fillna(0).isin([0, 1])
    hits = prices.loc[dividends | splits, ["ticker", "date"]]
    found: dict[str, set[date]] = {}
    for ticker, day in hits.itertuples(index=False):
        found.setdefault(ticker, set()).add(pd.Timestamp(day).date())
    return found


def refetch_windows(
    prices: pd.DataFrame, known: Mapping[str, KnownHistory], *, run_date: date
) -> Windows:
    """[first loaded date, run_date] for each ticker whose batch shows an action core lacks.

    A ticker core has never seen is skipped: its first fetch already covers full history.
    So is a batch that already starts at the ticker's first date.
    """
    windows: Windows = {}
    for ticker, days in action_dates(prices).items():
        history = known.get(ticker)
        if history is None or not days - history.action_dates:
            continue
        batch_start = pd.Timestamp(prices.loc[prices["ticker"] == ticker, "date"].min()).date()
        if batch_start > history.first_date:
            windows[ticker] = (history.first_date, run_date)
    return windows


def replace_tickers(
    extraction: Extraction, refetched: pd.DataFrame, tickers: set[str]
) -> Extraction:
    """``extraction`` with the prices of ``tickers`` swapped for ``refetched`` rows."""
    prices = extraction.frames["prices"]
    kept = prices.loc[~prices["ticker"].isin(tickers)]
    frames = [f for f in (kept, refetched) if not f.empty]
    merged = pd.concat(frames, ignore_index=True) if frames else prices.iloc[0:0]
    return Extraction(
        frames={**extraction.frames, "prices": merged},
        failures=list(extraction.failures),
        keys_attempted=extraction.keys_attempted,
    )


def refetch_after_actions(
    path: Path, extraction: Extraction, *, source: str, run_date: date, settings: Settings
) -> tuple[Extraction, Windows]:
    """Re-extract full history for tickers with a new dividend or split; returns the new
    extraction and the refetch windows used.

    A ticker whose refetch fails is dropped from the batch and recorded as a key failure: its
    watermark stays put, so the next run sees the action again and retries the refetch.
    """
    prices = extraction.frames.get("prices")
    if prices is None or prices.empty:
        return extraction, {}
    with warehouse(path, lock_timeout=settings.lock_timeout_seconds) as con:
        known = known_histories(con, prices["ticker"].unique())
    windows = refetch_windows(prices, known, run_date=run_date)
    if not windows:
        return extraction, {}
    try:
        refetch = dispatch.extract_prices(source, windows, run_date=run_date, settings=settings)
        failures, rows = refetch.failures, refetch.frames["prices"]
    except SourceError as exc:  # the breaker tripped: every refetch failed
        failures = [KeyFailure("prices", t, type(exc).__name__, str(exc)[:500]) for t in windows]
        rows = prices.iloc[0:0]
    result = replace_tickers(extraction, rows, set(windows))
    result.failures += [_refetch_failure(f) for f in failures]
    return result, windows


def _refetch_failure(failure: KeyFailure) -> KeyFailure:
    message = "full-history refetch after a new dividend/split failed; ticker left out of this run"
    return KeyFailure(
        failure.dataset, failure.key, failure.error_class, f"{message}: {failure.message}"[:500]
    )
