"""Loading the same price batches several ways: DuckDB alone (the floor), the pipeline's validate
+ load, its load alone (first and again) and validation alone, and dlt's merge (the peer).
Reading a batch from Parquet is excluded from the timings, except in ``ours`` where it overlaps
the work (counted against us)."""

import os
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from benchmarks.measure import Clock
from contracts.datasets import PRICES
from contracts.settings import Settings
from pipeline import bulk, steps
from sources.extraction import Extraction
from warehouse.connection import warehouse
from warehouse.loader import Batch, LoadResult, load_batches


def _frames(paths: Sequence[Path], clock: Clock) -> Iterator[pd.DataFrame]:
    for path in paths:
        with clock.time("read"):
            frame = pd.read_parquet(path)
        yield frame


def floor(paths: Sequence[Path], target: Path) -> float:
    """``CREATE TABLE AS`` the first chunk, insert the others, checkpoint: a fresh file."""
    clock = Clock()
    with duckdb.connect(str(target)) as con:
        for i, frame in enumerate(_frames(paths, clock)):
            with clock.time("load"):
                con.register("chunk", frame)
                first = "create table prices_daily as" if i == 0 else "insert into prices_daily"
                con.execute(f"{first} select * from chunk")
                con.unregister("chunk")
        with clock.time("load"):
            con.execute("checkpoint")
    return clock.seconds["load"]


def ours(
    paths: Sequence[Path], target: Path, *, run_id: str, run_date: date, settings: Settings
) -> tuple[float, LoadResult]:
    """The pipeline's way (``pipeline.bulk.validate_and_load``: each batch validated as the
    daily run does while the one before it loads, one transaction) into a fresh warehouse.
    Wall clock, checkpoint included; reading overlaps the work here, so it is counted too."""
    clock = Clock()
    with warehouse(target) as con, clock.time("total"):
        frames = (pd.read_parquet(p) for p in paths)
        result = bulk.validate_and_load(
            con, PRICES.name, frames, run_date=run_date, run_id=run_id, settings=settings
        )
        con.execute("checkpoint")
    return clock.seconds["total"], result


def validate_only(paths: Sequence[Path], *, run_date: date, settings: Settings) -> float:
    """Validation alone, batch after batch (its share of the work)."""
    clock = Clock()
    for frame in _frames(paths, clock):
        with clock.time("validate"):
            extraction = Extraction(frames={PRICES.name: frame})
            steps.validate(PRICES.name, extraction, run_date=run_date, settings=settings)
    return clock.seconds["validate"]


def load_only(paths: Sequence[Path], target: Path, *, run_id: str) -> float:
    """``load_batches`` of the batches as they are (no validation), checkpoint included: run
    twice on one file it gives the first load and the re-load of unchanged rows."""
    clock = Clock()

    def batches() -> Iterator[Batch]:
        for frame in _frames(paths, clock):
            yield Batch(frame, frame.iloc[:0].assign(reason=pd.Series(dtype=str)))

    with warehouse(target) as con, clock.time("total"):
        load_batches(con, PRICES, batches(), run_id=run_id)
        con.execute("checkpoint")
    return clock.seconds["total"] - clock.seconds["read"]


def dlt_merge(paths: Sequence[Path], folder: Path) -> float | None:
    """dlt 1.x merging the chunks on the key into a fresh DuckDB file; None without dlt."""
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")  # never call home
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")  # not its schema-hint chatter
    try:
        import dlt
    except ImportError:
        return None
    clock = Clock()

    @dlt.resource(name="prices_daily", write_disposition="merge", primary_key=list(PRICES.key))
    def prices() -> Iterator[pd.DataFrame]:
        yield from _frames(paths, clock)

    pipeline = dlt.pipeline(
        pipeline_name="smallcap_bench",
        destination=dlt.destinations.duckdb(str(folder / "dlt.duckdb")),
        dataset_name="core",
        pipelines_dir=str(folder / "dlt-pipelines"),
    )
    with clock.time("total"):
        pipeline.run(prices())
    return clock.seconds["total"] - clock.seconds["read"]
