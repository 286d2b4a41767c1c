"""A daily run in plain Python, stage by stage as flows/daily.py orders them (prepare, extract,
corporate actions, validate, load, transform, Data Docs, then the lifecycle's close and BI
publish), without Prefect: its start-up and task bookkeeping are not the pipeline's cost.

The network is faked by ``Replay``: the sample source's rows, generated before the clock
starts, cut to the plan's windows. So a run costs what the warehouse makes it cost.
"""

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from contracts.datasets import CONSTITUENT_QUOTES, DATASETS, EXTRACTION_GROUPS, HOLDINGS
from contracts.settings import Settings
from pipeline import corporate_actions, steps
from pipeline.lifecycle import run_lifecycle
from pipeline.report import RunReport
from sources.extraction import Extraction

Windows = Mapping[str, tuple[date, date]]
Extract = Callable[[str, Windows], Extraction]


class Replay:
    """Per dataset, rows recorded beforehand; a call answers one extraction group's windows."""

    def __init__(self, files: Mapping[str, Sequence[Path]]) -> None:
        self.frames = {
            name: pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)
            for name, paths in files.items()
        }

    def __call__(self, group: str, windows: Windows) -> Extraction:
        if group == HOLDINGS.name:
            return self._lookthrough(windows)
        frames = {name: self._cut(name, windows) for name in EXTRACTION_GROUPS[group]}
        return Extraction(frames=frames, keys_attempted=len(windows))

    def _lookthrough(self, windows: Windows) -> Extraction:
        """As live: each fund's issuer file of the last session in its window (a file is one
        day's snapshot), then one quote per listed constituent of those files."""
        holdings = self._cut(HOLDINGS.name, windows)
        last = holdings.groupby("fund")["asof_date"].transform("max")
        holdings = holdings.loc[holdings["asof_date"] == last].reset_index(drop=True)
        quotes = self.frames.get(CONSTITUENT_QUOTES.name)
        if quotes is None:
            quotes = pd.DataFrame(columns=list(CONSTITUENT_QUOTES.columns))
        asked = holdings[["yahoo_ticker", "asof_date"]].drop_duplicates()
        asked = asked.rename(columns={"yahoo_ticker": "ticker"})
        quotes = quotes.merge(asked, on=["ticker", "asof_date"])
        frames = {HOLDINGS.name: holdings, CONSTITUENT_QUOTES.name: quotes}
        return Extraction(frames=frames, keys_attempted=len(windows))

    def _cut(self, name: str, windows: Windows) -> pd.DataFrame:
        dataset = DATASETS[name]
        frame = self.frames.get(name)
        if frame is None:  # a dataset the preset does not generate: nothing extracted
            return pd.DataFrame(columns=list(dataset.columns))
        keys = frame[dataset.key[0]]
        start = pd.to_datetime(keys.map({k: w[0] for k, w in windows.items()}))
        end = pd.to_datetime(keys.map({k: w[1] for k, w in windows.items()}))
        day = frame[dataset.date_column]
        return frame.loc[(day >= start) & (day <= end)].reset_index(drop=True)


@dataclass
class DailyRun:
    seconds: float  # wall clock, ledger and publish included
    stages: dict[str, float]
    plan: steps.Plan
    report: RunReport


def daily_run(
    path: Path,
    *,
    run_date: date,
    settings: Settings,
    extract: Extract,
    plan: steps.Plan | None = None,
) -> DailyRun:
    """One daily run of the sample source; ``plan`` replaces the planned windows (to repeat
    another warehouse's run), prepare still runs for its own work."""
    began = time.perf_counter()
    run_id = f"bench-{uuid.uuid4()}"
    report = RunReport(run_id=run_id, source="sample", run_date=run_date, warehouse=str(path))
    clock = time.perf_counter()
    prepared = steps.prepare(path, source="sample", run_date=run_date, settings=settings)
    prepare_seconds = time.perf_counter() - clock
    plan = plan or prepared
    parameters = {"run_date": str(run_date), "source": "sample", "warehouse": str(path)}
    with run_lifecycle(
        path, report, flow="daily-etl", parameters=parameters, settings=settings
    ) as run:
        run.stage_seconds["prepare"] = prepare_seconds
        for group, datasets in EXTRACTION_GROUPS.items():
            with run.stage("extract"):
                extraction = extract(group, getattr(plan, group))
            if group == "prices":
                with run.stage("corporate_actions"):
                    extraction, _ = corporate_actions.refetch_after_actions(
                        path, extraction, source="sample", run_date=run_date, settings=settings
                    )
            for dataset in datasets:
                with run.stage("validate"):
                    outcome = steps.validate(
                        dataset, extraction, run_date=run_date, settings=settings
                    )
                with run.stage("load"):
                    steps.load(
                        path, dataset, outcome, extraction,
                        run_id=run_id, report=report, settings=settings,
                    )  # fmt: skip
        with run.stage("transform"):
            steps.transform(path, report=report, settings=settings)
        with run.stage("data_docs"):
            steps.data_docs(report=report, settings=settings)
    return DailyRun(time.perf_counter() - began, dict(run.stage_seconds), plan, report)
