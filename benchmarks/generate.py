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

import pandas as pd

from benchmarks.presets import HISTORY_END, RUN_DATE, Preset
from contracts.datasets import DATASETS
from contracts.futures import fed_funds_symbols
from contracts.settings import DEFAULT_UNIVERSE
from contracts.universe import Universe, load_universe
from sources import sample

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
            small=[small], large=[large], pairs=[(small, large)], fred_series=base.fred_series[:1]
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
        f"series = {json.dumps(universe.fred_series)}\n"
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
    jobs: list[Job] = [(_side_tables, (universe, start, folder))]
    jobs += [(_price_chunk, job) for job in zip(chunks, repeat(start), history, replay)]
    _run(jobs, preset.workers)
    side = {
        n: folder / f"{n}.parquet" for n in ("fundamentals", "sector_weights", "rates", "futures")
    }
    replays = {"prices": replay} | {name: (folder / f"replay-{name}.parquet",) for name in side}
    return Inputs(write_universe(universe, folder / "universe.toml"), history, side, replays)
