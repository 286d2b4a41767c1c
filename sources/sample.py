"""The offline sample source: deterministic frames shaped exactly like the live sources'.

Tests, demos and CI run the whole pipeline with no network and no API key. Every value is a
pure function of (key, date): paths start at a fixed anchor, draw from crc32-seeded generators
and are sliced to the window, so a backfill in chunks equals one big run and reruns are
identical. Rows start at 2000-01-03 and stop at 2030-12-31; every row has source = 'sample'.
Unlike Yahoo, adj_close is back-adjusted as of 2030-12-31, not the download day, so it does
not change between runs (it is below close for every day before a future ex-date).
"""

from collections.abc import Callable, Mapping, Sequence
from datetime import date

import numpy as np
import pandas as pd

from contracts.calendar import trading_days
from contracts.datasets import FUNDAMENTALS, FUTURES, PRICES, RATES, SECTOR_WEIGHTS, Dataset
from sources.extraction import Extraction, isolate
from sources.sample_bad_rows import BAD_ROWS, inject_bad_rows
from sources.sample_funds import fund_path
from sources.sample_futures import futures_columns
from sources.sample_paths import ANCHOR, HORIZON, grid_positions, price_path
from sources.sample_profiles import SECTORS, is_index
from sources.sample_rates import TARGET_UPPER_CHANGES, observation_days, rate_values

__all__ = [
    "BAD_ROWS",
    "TARGET_UPPER_CHANGES",
    "extract_fundamentals",
    "extract_futures",
    "extract_prices",
    "extract_rates",
    "generate_fundamentals",
    "generate_futures",
    "generate_prices",
    "generate_rates",
    "generate_sector_weights",
    "inject_bad_rows",
]

SOURCE = "sample"
Columns = dict[str, np.ndarray]
_TEXT = frozenset({"ticker", "series_id", "sector", "source", "symbol", "trailing_pe_source"})


def _dtype(column: str) -> str:
    if column in ("date", "asof_date", "contract_month"):
        return "datetime64[ns]"  # GX validates [ns] much faster than pandas 3's default [us]
    if column in _TEXT:
        return "str"
    return "int64" if column == "volume" else "float64"


def _frame(dataset: Dataset, parts: Sequence[Columns]) -> pd.DataFrame:
    """Concatenate per-key column arrays into a frame with exactly the contract's columns."""
    data = {
        c: np.concatenate([p[c] for p in parts]) if parts else np.array([])
        for c in dataset.columns
        if c != "source"
    }
    n = len(next(iter(data.values())))
    data["source"] = np.full(n, SOURCE)
    return pd.DataFrame({c: pd.Series(data[c], dtype=_dtype(c)) for c in dataset.columns})


def _sessions(start: date, end: date) -> np.ndarray:
    """NYSE sessions in [start, end] that the sample grid covers, as datetime64[D]."""
    days = trading_days(max(start, ANCHOR), min(end, HORIZON))
    return np.array(days, dtype="datetime64[D]")


def _price_columns(ticker: str, days: np.ndarray) -> Columns:
    path, pos = price_path(ticker), grid_positions(days)
    values = {c: getattr(path, c)[pos] for c in PRICES.value_columns}
    return {"ticker": np.full(len(days), ticker), "date": days, **values}


def _fundamental_columns(ticker: str, days: np.ndarray) -> Columns:
    path, pos = fund_path(ticker), grid_positions(days)
    values = {c: getattr(path, c)[pos] for c in FUNDAMENTALS.value_columns}
    return {"ticker": np.full(len(days), ticker), "asof_date": days, **values}


def _sector_columns(ticker: str, days: np.ndarray) -> Columns:
    weights = fund_path(ticker).sector_weights[grid_positions(days)]
    return {
        "ticker": np.full(weights.size, ticker),
        "asof_date": np.repeat(days, len(SECTORS)),
        "sector": np.tile(np.array(SECTORS), len(days)),
        "weight": weights.ravel(),
    }


def _rate_columns(series_id: str, start: date, end: date) -> Columns:
    days = observation_days(series_id, start, end)
    return {
        "series_id": np.full(len(days), series_id),
        "date": days,
        "value": rate_values(series_id, days),
    }


def generate_prices(tickers: Sequence[str], start: date, end: date) -> pd.DataFrame:
    """Daily bars per ticker on NYSE sessions in [start, end], as the Yahoo source emits them."""
    days = _sessions(start, end)
    return _frame(PRICES, [_price_columns(t, days) for t in tickers])


def generate_fundamentals(tickers: Sequence[str], start: date, end: date) -> pd.DataFrame:
    """One snapshot per fund per session; indexes ('^...') have none, as on Yahoo."""
    days = _sessions(start, end)
    return _frame(FUNDAMENTALS, [_fundamental_columns(t, days) for t in tickers if not is_index(t)])


def generate_sector_weights(tickers: Sequence[str], start: date, end: date) -> pd.DataFrame:
    """Eleven Yahoo-named sector weights per fund per session, summing to ~1."""
    days = _sessions(start, end)
    return _frame(SECTOR_WEIGHTS, [_sector_columns(t, days) for t in tickers if not is_index(t)])


def generate_rates(series_ids: Sequence[str], start: date, end: date) -> pd.DataFrame:
    """FRED-like observations in [start, end]; see sources.sample_rates for the policy path."""
    return _frame(RATES, [_rate_columns(s, start, end) for s in series_ids])


def generate_futures(symbols: Sequence[str], start: date, end: date) -> pd.DataFrame:
    """Fed funds futures closes per symbol on sessions in [start, end] while it trades."""
    days = _sessions(start, end)
    return _frame(FUTURES, [futures_columns(s, days) for s in symbols])


def _extract(
    windows: Mapping[str, tuple[date, date]],
    generate: Callable[[str, date, date], dict[str, pd.DataFrame]],
    outputs: tuple[Dataset, ...],
    max_failure_ratio: float,
) -> Extraction:
    """Run per key through ``isolate`` like the live sources; every output frame is present."""

    def fetch_one(key: str) -> dict[str, pd.DataFrame]:
        frames = generate(key, *windows[key])
        return {name: frame for name, frame in frames.items() if not frame.empty}

    extraction = isolate(outputs[0].name, windows, fetch_one, max_failure_ratio=max_failure_ratio)
    for dataset in outputs:
        extraction.frames.setdefault(dataset.name, _frame(dataset, []))
    return extraction


def extract_prices(
    windows: Mapping[str, tuple[date, date]], *, max_failure_ratio: float = 0.5
) -> Extraction:
    """Bars per ticker for its inclusive window: frames = {'prices': ...}."""
    return _extract(
        windows,
        lambda t, start, end: {PRICES.name: generate_prices([t], start, end)},
        (PRICES,),
        max_failure_ratio,
    )


def extract_fundamentals(
    windows: Mapping[str, tuple[date, date]], *, max_failure_ratio: float = 0.5
) -> Extraction:
    """Per fund: frames = {'fundamentals': snapshots, 'sector_weights': sector mix}."""
    return _extract(
        windows,
        lambda t, start, end: {
            FUNDAMENTALS.name: generate_fundamentals([t], start, end),
            SECTOR_WEIGHTS.name: generate_sector_weights([t], start, end),
        },
        (FUNDAMENTALS, SECTOR_WEIGHTS),
        max_failure_ratio,
    )


def extract_rates(
    windows: Mapping[str, tuple[date, date]], *, max_failure_ratio: float = 0.5
) -> Extraction:
    """Observations per FRED series id for its inclusive window: frames = {'rates': ...}."""
    return _extract(
        windows,
        lambda s, start, end: {RATES.name: generate_rates([s], start, end)},
        (RATES,),
        max_failure_ratio,
    )


def extract_futures(
    windows: Mapping[str, tuple[date, date]], *, max_failure_ratio: float = 0.5
) -> Extraction:
    """Closes per Fed funds futures symbol for its inclusive window: frames = {'futures': ...}."""
    return _extract(
        windows,
        lambda s, start, end: {FUTURES.name: generate_futures([s], start, end)},
        (FUTURES,),
        max_failure_ratio,
    )
