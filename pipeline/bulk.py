"""Validate and load a long stream of batches of one dataset: one transaction, bounded memory,
and the next batch validated while this one loads.

GX validation is Python and numpy in one thread; DuckDB loads on its own threads. Overlapping
them keeps both cores busy where validate-then-load would leave one idle. At most three
batches are alive at once (one loading, one validated and waiting, one being validated), so
memory follows the batch size, not the stream. A batch that fails validation as a whole (the
mass-failure stop) or fails to load rolls the whole stream back.
"""

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from contracts.datasets import DATASETS
from contracts.settings import Settings
from pipeline import steps
from sources.extraction import Extraction
from warehouse.loader import Batch, LoadResult, load_batches

_DONE = object()


@dataclass
class _Failed:
    error: BaseException


def _validated(
    dataset: str, frames: Iterable[pd.DataFrame], run_date: date, settings: Settings
) -> Iterator[Batch]:
    for frame in frames:
        outcome = steps.validate(
            dataset, Extraction(frames={dataset: frame}), run_date=run_date, settings=settings
        )
        yield Batch(outcome.valid, outcome.quarantined, outcome.results)


def _ahead(batches: Iterator[Batch]) -> Iterator[Batch]:
    """``batches`` produced one ahead on a worker thread; its errors re-raised here. When the
    consumer stops early, the worker stops at its next hand-over."""
    ready: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for batch in batches:
                if not offer(batch):
                    return
            offer(_DONE)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            offer(_Failed(exc))

    worker = threading.Thread(target=produce, name="validate-ahead", daemon=True)
    worker.start()
    try:
        while (item := ready.get()) is not _DONE:
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        worker.join()


def validate_and_load(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    frames: Iterable[pd.DataFrame],
    *,
    run_date: date,
    run_id: str,
    settings: Settings,
    before_commit: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> LoadResult:
    """Each frame validated as the daily run does (``steps.validate``), all of them loaded in
    one ``load_batches`` transaction."""
    batches = _ahead(_validated(dataset, frames, run_date, settings))
    return load_batches(con, DATASETS[dataset], batches, run_id=run_id, before_commit=before_commit)
