"""Loading the same price chunks three ways: DuckDB alone (the floor), the pipeline's validate +
load (first and again), and dlt's merge (the peer). Reading a chunk from Parquet is excluded
from every timing, so the frames each one receives cost the same."""

import os
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from benchmarks.measure import Clock
from contracts.datasets import PRICES
from contracts.settings import Settings
from pipeline import steps
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


def validate_and_load(
    paths: Sequence[Path], target: Path, *, run_id: str, run_date: date, settings: Settings
) -> tuple[dict[str, float], LoadResult]:
    """The pipeline's validation per chunk feeding one ``load_batches`` transaction; returns
    seconds for validate and load (read excluded) and the load's counts."""
    clock = Clock()

    def batches() -> Iterator[Batch]:
        for frame in _frames(paths, clock):
            with clock.time("validate"):
                extraction = Extraction(frames={PRICES.name: frame})
                outcome = steps.validate(
                    PRICES.name, extraction, run_date=run_date, settings=settings
                )
            yield Batch(outcome.valid, outcome.quarantined, outcome.results)

    with warehouse(target) as con, clock.time("total"):
        result = load_batches(con, PRICES, batches(), run_id=run_id)
        con.execute("checkpoint")
    seconds = clock.seconds
    load = seconds["total"] - seconds["read"] - seconds["validate"]
    return {"validate": seconds["validate"], "load": load}, result


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
