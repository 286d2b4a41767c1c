"""Live runs against loopback fakes of Yahoo and FRED, driven through the plain pipeline steps
(imported by tests as ``live_runs``; the fixtures that use it are in tests/reliability/conftest.py).

``run_daily`` runs one daily run the way ``flows/daily.py`` orders it (prepare, extract per
group, refetch after corporate actions, validate, load, transform, inside the run lifecycle)
without starting Prefect, so a case costs about a second, not a server start.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
from fakes import FredStub, YahooServer, fred_stub, yahoo_server

from contracts.datasets import EXTRACTION_GROUPS
from contracts.errors import SmallcapError
from contracts.settings import Settings
from pipeline import corporate_actions, steps
from pipeline.lifecycle import run_lifecycle
from pipeline.report import RunReport
from sources import dispatch
from sources.extraction import Extraction

# the groups the fault and bad-data matrices cover; futures and the look-through have their own
# fault tests (tests/sources/test_yahoo_futures.py, tests/pipeline/test_lookthrough_real.py)
FAULT_GROUPS = ("prices", "fundamentals", "rates")
SEED_DATE = date(2025, 6, 6)  # the healthy first run
RUN_DATE = date(2025, 6, 13)  # the run under test, a week later
KEY = "reliability-fred-key-9Qz"
TICKERS = {"IWM": 210.0, "IJR": 105.0, "SPY": 590.0}
SERIES = ("DFF", "DGS2", "DGS10")
UNIVERSE = """
[baskets]
small = ["IWM", "IJR"]
large = ["SPY"]
pairs = [["IWM", "SPY"]]

[fred]
series = ["DFF", "DGS2", "DGS10"]
"""
# seconds, Yahoo and FRED: short enough for a quick matrix, long enough that a healthy loopback
# answer on a busy 2-core machine never times out; a "slow" fake answers after twice this
TIMEOUT = 1.0
ATTEMPTS = 3
MAX_WAIT = 2.0  # the longest retry wait, so a Retry-After of 1 s is honoured and 3600 s is not


def fred_value(series_id: str) -> Callable[[date], str]:
    """A fixed value per (series, day), so re-fetched days are no revisions."""
    offset = SERIES.index(series_id)
    return lambda day: f"{4 + offset / 10 + day.toordinal() % 7 / 100:.2f}"


@dataclass
class Sources:
    yahoo: YahooServer
    fred: FredStub


@contextmanager
def healthy_sources() -> Iterator[Sources]:
    """Yahoo and FRED on loopback, every ticker and series answering."""
    with yahoo_server(TICKERS) as yahoo, fred_stub() as fred:
        for series_id in SERIES:
            fred.daily(series_id, fred_value(series_id))
        yahoo.fed_funds_futures(SEED_DATE, RUN_DATE)
        yield Sources(yahoo, fred)


def settings_for(folder: Path, fred: FredStub, **overrides: object) -> Settings:
    """Tiny timeouts, no backoff, no rate limits, one year of history, no Data Docs."""
    universe = folder / "universe.toml"
    if not universe.exists():
        universe.write_text(UNIVERSE)
    values: dict[str, object] = {
        "SMALLCAP_UNIVERSE": universe,  # the field's alias: the only name it is read by
        "fred_base_url": fred.base_url,
        "fred_timeout_seconds": TIMEOUT,
        "yahoo_timeout_seconds": TIMEOUT,
        "source_retry_attempts": ATTEMPTS,
        "source_retry_wait_seconds": 0,  # no backoff (and no jitter); Retry-After still counts
        "source_retry_max_wait_seconds": MAX_WAIT,
        "yahoo_requests_per_minute": 0,
        "fred_requests_per_second": 0,
        "history_years": 1,
        "data_docs_dir": "",
    }
    return Settings(**{**values, **overrides})


def run_daily(
    path: Path, settings: Settings, run_date: date, groups: Iterable[str] = FAULT_GROUPS
) -> RunReport:
    """One live daily run through the pipeline steps, in the order and with the error handling
    of ``flows/daily.py``: a group whose extraction raises fails its datasets, a dataset whose
    validation or load raises an expected error fails alone, anything else crashes the run.
    ``groups`` limits the run to some extraction groups (a case about prices needs no rates)."""
    report = RunReport(str(uuid.uuid4()), "live", run_date, str(path))
    plan = steps.prepare(path, source="live", run_date=run_date, settings=settings)
    report.notes += plan.notes
    parameters = {"run_date": str(run_date), "source": "live", "warehouse": str(path)}
    with run_lifecycle(path, report, flow="daily-etl", parameters=parameters, settings=settings):
        for group in groups:
            datasets = EXTRACTION_GROUPS[group]
            try:
                extraction = _extract(group, path, plan, run_date, settings)
            except Exception as exc:  # as the flow: the group's future raised
                for dataset in datasets:
                    report.dataset(dataset).fail(exc)
                continue
            for dataset in datasets:
                try:
                    outcome = steps.validate(
                        dataset, extraction, run_date=run_date, settings=settings
                    )
                    steps.load(
                        path, dataset, outcome, extraction,
                        run_id=report.run_id, report=report, settings=settings,
                    )  # fmt: skip
                except SmallcapError as exc:
                    report.dataset(dataset).fail(exc)
        steps.transform(path, report=report, settings=settings)
    return report


def _extract(
    group: str, path: Path, plan: steps.Plan, run_date: date, settings: Settings
) -> Extraction:
    windows = getattr(plan, group)
    if not windows:
        return Extraction(frames={})
    extraction = dispatch.extract_group(
        group, "live", windows, run_date=run_date, settings=settings, api_key=KEY
    )
    if group == "prices":
        extraction, _ = corporate_actions.refetch_after_actions(
            path, extraction, source="live", run_date=run_date, settings=settings
        )
    return extraction


def read(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
