"""The benchmark's input: the sample source's rows for a scaled universe, written to Parquet.

Generation runs in forked worker processes: the sample source caches each ticker's whole path
(~0.65 MB a ticker), which must not count towards the measuring process's memory, and its cost
is not what is measured. Each chunk of tickers becomes two files: the history up to HISTORY_END (the
load measurements) and its last weeks through RUN_DATE (what the faked network answers in the
daily run).
"""

import json
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import repeat
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.presets import HISTORY_END, RUN_DATE, Preset
from contracts.calendar import trading_days
from contracts.datasets import CONSTITUENT_QUOTES, DATASETS, HOLDINGS
from contracts.futures import fed_funds_symbols
from contracts.settings import DEFAULT_UNIVERSE
from contracts.universe import Universe, load_universe
from sources import sample
from sources.constituent_quotes import quotes_frame
from sources.holdings import holdings_frame

# loaded before the daily run (prices are the measured loads)
SIDE_TABLES = (
    "fundamentals",
    "sector_weights",
    "rates",
    "futures",
    HOLDINGS.name,
    CONSTITUENT_QUOTES.name,
)
REPLAY_DAYS = 60  # calendar days before HISTORY_END the daily run may re-fetch (rates: 30)


@dataclass(frozen=True)
class Inputs:
    """Where a preset's generated files are."""

    universe: Path
    prices: tuple[Path, ...]  # history chunks, in ticker order
    side: dict[str, Path]  # fundamentals, sector_weights, rates and futures history
    replay: dict[str, tuple[Path, ...]]  # per dataset, the rows through RUN_DATE


def scaled_universe(preset: Preset) -> Universe:
    """The configured universe (or, for ``preset.minimal``, its first pair and FRED series)
    plus synthetic tickers in the index basket up to ``preset.tickers``."""
    base = load_universe(DEFAULT_UNIVERSE)
    if preset.minimal:
        small, large = base.pairs[0]
        base = Universe(
            small=[small],
            large=[large],
            pairs=[(small, large)],
            fred_series=base.fred_series[:1],
            holdings={f: s for f, s in base.holdings.items() if f in (small, large)},
        )
    extra = [f"Z{i:05d}" for i in range(max(0, preset.tickers - len(base.tickers)))]
    return base.model_copy(update={"index": [*base.index, *extra]})


def write_universe(universe: Universe, path: Path) -> Path:
    """A universe TOML (lists of strings are valid JSON and valid TOML)."""
    pairs = ", ".join(json.dumps(list(p)) for p in universe.pairs)
    path.write_text(
        "[baskets]\n"
        f"small = {json.dumps(universe.small)}\n"
        f"large = {json.dumps(universe.large)}\n"
        f"index = {json.dumps(universe.index)}\n"
        f"pairs = [{pairs}]\n\n"
        "[fred]\n"
        f"series = {json.dumps(universe.fred_series)}\n\n"
        "[holdings]\n"
        + "".join(
            f"{fund} = {{ url = {json.dumps(s.url)}, format = {json.dumps(s.format)} }}\n"
            for fund, s in universe.holdings.items()
        )
    )
    return path


def _split(frame: pd.DataFrame, column: str, history: Path, replay: Path) -> None:
    day = frame[column]
    frame.loc[day <= pd.Timestamp(HISTORY_END)].to_parquet(history, index=False)
    cut = pd.Timestamp(HISTORY_END - timedelta(days=REPLAY_DAYS))
    frame.loc[day > cut].to_parquet(replay, index=False)


def _price_chunk(tickers: list[str], start: date, history: Path, replay: Path) -> None:
    _split(sample.generate_prices(tickers, start, RUN_DATE), "date", history, replay)


def _side_tables(universe: Universe, start: date, folder: Path) -> None:
    frames = {
        "fundamentals": sample.generate_fundamentals(universe.funds, start, RUN_DATE),
        "sector_weights": sample.generate_sector_weights(universe.funds, start, RUN_DATE),
        "rates": sample.generate_rates(universe.fred_series, start, RUN_DATE),
        # the Fed funds futures the daily run of RUN_DATE asks for
        "futures": sample.generate_futures(fed_funds_symbols(RUN_DATE), start, RUN_DATE),
    }
    for name, frame in frames.items():
        column = DATASETS[name].date_column
        _split(frame, column, folder / f"{name}.parquet", folder / f"replay-{name}.parquet")


def _members(funds: list[str], names: int) -> dict[str, np.ndarray]:
    """Positions of each issuer fund's constituents among ``names``: the small-cap index fund
    (IWM) holds the first two thirds, the S&P 600 fund (IJR) a fifth overlapping it, the
    large-cap fund (IVV) the last third, as the real files split ~3,000 names."""
    third = names // 3
    spans = {"IWM": (0, 2 * third), "IJR": (third, third + names // 5), "IVV": (2 * third, names)}
    return {f: np.arange(*spans.get(f, (0, max(1, names // 10)))) for f in funds}


def _lookthrough_tables(universe: Universe, preset: Preset, folder: Path) -> None:
    """Daily issuer files of the universe's issuer funds and one quote per constituent and
    session over the last ``preset.holdings_sessions`` sessions, at ``preset.constituents``
    names: cap-weighted lines plus a cash line, a random walk per name, a fifth of the names
    losing money. Vectorised: the sample source's per-line records would take minutes here."""
    days = trading_days(HISTORY_END - timedelta(days=3 * preset.holdings_sessions), RUN_DATE)
    history = [d for d in days if d <= HISTORY_END][-preset.holdings_sessions :]
    days = history + [d for d in days if d > HISTORY_END]
    n, rng = preset.constituents, np.random.default_rng(2024)
    names = np.array([f"C{i:05d}" for i in range(n)])
    cap = np.exp(rng.normal(np.log(3e9), 1.3, n))
    level = np.exp(rng.normal(np.log(40.0), 0.6, n))
    eps = rng.normal(0.05, 0.04, n) * level
    forward = eps + np.abs(eps) * rng.normal(0.15, 0.15, n)
    price = level * np.exp(np.cumsum(rng.normal(0.0, 0.02, (len(days), n)), axis=0))
    when = np.repeat(pd.to_datetime(days).to_numpy(), n)
    flat = price.ravel()
    quotes = quotes_frame(
        {  # type: ignore[arg-type]  # columns, as holdings_frame takes them
            "ticker": np.tile(names, len(days)),
            "asof_date": when,
            "price": flat,
            "market_cap": flat * np.tile(cap / level, len(days)),
            "shares_outstanding": np.tile(cap / level, len(days)),
            "eps_trailing": np.tile(eps, len(days)),
            "eps_forward": np.tile(forward, len(days)),
            "eps_current_year": np.tile((eps + forward) / 2, len(days)),
            "trailing_pe": np.where(
                np.tile(eps, len(days)) > 0, flat / np.tile(eps, len(days)), np.nan
            ),
            "forward_pe": np.where(
                np.tile(forward, len(days)) > 0, flat / np.tile(forward, len(days)), np.nan
            ),
            "currency": "USD",
            "source": "sample",
        }
    )
    frames = []
    for fund, members in _members(list(universe.holdings), n).items():
        weight = 0.995 * cap[members] / cap[members].sum()
        value = np.tile(weight * 50e9, len(days))
        line_price = price[:, members].ravel()
        frames.append(
            holdings_frame(
                {
                    "fund": fund,
                    "asof_date": np.repeat(pd.to_datetime(days).to_numpy(), len(members)),
                    "holding_ticker": np.tile(names[members], len(days)),
                    "name": np.tile(np.char.add(names[members], " CORP"), len(days)),
                    "sector": "Sample sector",
                    "asset_class": "Equity",
                    "market_value": value,
                    "weight": np.tile(weight, len(days)),
                    "shares": value / line_price,
                    "price": line_price,
                    "yahoo_ticker": np.tile(names[members], len(days)),
                    "partial": False,
                    "source": "sample",
                }
            )
        )
        cash = {"holding_ticker": "USD", "name": "USD CASH", "asset_class": "Cash", "price": 1.0}
        frames.append(
            holdings_frame(
                {
                    **cash,
                    "fund": fund,
                    "asof_date": pd.to_datetime(days),
                    "market_value": 0.005 * 50e9,
                    "weight": 0.005,
                    "shares": 0.005 * 50e9,
                    "partial": False,
                    "source": "sample",
                }
            )
        )
    holdings = pd.concat(frames, ignore_index=True) if frames else holdings_frame([])
    for name, frame in ((HOLDINGS.name, holdings), (CONSTITUENT_QUOTES.name, quotes)):
        _split(frame, "asof_date", folder / f"{name}.parquet", folder / f"replay-{name}.parquet")


Job = tuple[Callable[..., None], tuple]


def _run(jobs: list[Job], workers: int) -> None:
    """In this process (``workers`` = 0) or in forked workers: they start at once, where spawn
    would re-import the measuring script (GX, dlt); a fresh pool every few chunks per worker
    keeps the sample source's path cache small."""
    if workers == 0:
        for job, args in jobs:
            job(*args)
        return
    step = 4 * workers
    for i in range(0, len(jobs), step):
        with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
            for future in [pool.submit(job, *args) for job, args in jobs[i : i + step]]:
                future.result()


def generate(preset: Preset, folder: Path, *, start: date) -> Inputs:
    """Write the preset's universe and its rows from ``start`` under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    universe = scaled_universe(preset)
    tickers = universe.tickers
    size = preset.chunk_tickers
    chunks = [tickers[i : i + size] for i in range(0, len(tickers), size)]
    history = tuple(folder / f"prices-{i:04d}.parquet" for i in range(len(chunks)))
    replay = tuple(folder / f"replay-prices-{i:04d}.parquet" for i in range(len(chunks)))
    jobs: list[Job] = [
        (_side_tables, (universe, start, folder)),
        (_lookthrough_tables, (universe, preset, folder)),
    ]
    jobs += [(_price_chunk, job) for job in zip(chunks, repeat(start), history, replay)]
    _run(jobs, preset.workers)
    side = {n: folder / f"{n}.parquet" for n in SIDE_TABLES}
    replays = {"prices": replay} | {name: (folder / f"replay-{name}.parquet",) for name in side}
    return Inputs(write_universe(universe, folder / "universe.toml"), history, side, replays)
