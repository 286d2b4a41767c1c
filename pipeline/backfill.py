"""Backfill a date range in resumable chunks: a batch of keys over the whole range.

A chunk asks each source once per key for the whole range (Yahoo's chart API serves a ticker's
daily history in one request, FRED a series in one), so requests grow with the keys, not with
years x keys (chunks per calendar year cost a 20-year backfill ~22 Yahoo requests per ticker:
~44,000 for 2,000 tickers, a day at the default 30 a minute).

Each chunk is extracted, validated and loaded like a daily run, and its ledger row in
audit.backfill_chunks commits in the same transaction as its rows: after a crash a chunk is
either loaded and marked, or neither. Re-running the same request (same backfill_id) skips the
marked chunks and ends with exactly the rows of one clean run, then rebuilds the marts.
The flow in ``flows/backfill.py`` and the CLI both drive these plain functions.
"""

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
from pydantic import SecretStr

from contracts.datasets import EXTRACTION_GROUPS
from contracts.errors import ConfigError
from contracts.inputs import check_keys, check_window
from contracts.settings import Settings
from contracts.universe import TICKER_RE
from pipeline import steps
from pipeline.lifecycle import run_lifecycle
from pipeline.report import RunReport
from sources import dispatch
from warehouse.audit import OpenRun
from warehouse.connection import warehouse
from warehouse.loader import claim_source_kind, source_kind
from warehouse.universe import sync_universe

log = logging.getLogger(__name__)

BATCH_SIZE = 5
# requests a live chunk issues per key, by group: Yahoo one chart request per ticker (plus, once
# per ticker yfinance has not cached, its time-zone lookup); FRED the observations only (the
# series' metadata describes it today: the daily run fetches it)
_REQUESTS_PER_KEY = {"prices": 2, "rates": 1}
NO_FUNDAMENTALS_HISTORY = (
    "Yahoo has no fundamentals history (only today's snapshot): the live backfill loads prices "
    "and rates; daily runs collect fundamentals from now on"
)


# the groups with a history to fetch (futures contracts depend on the run date, issuers
# publish only today's holdings)
BACKFILL_GROUPS: tuple[str, ...] = tuple(
    g for g in EXTRACTION_GROUPS if g in {"prices", "fundamentals", "rates"}
)


@dataclass(frozen=True)
class Chunk:
    group: str
    keys: tuple[str, ...]
    start: date
    end: date

    @property
    def name(self) -> str:
        """The ledger's name; the backfill id already stands for the range."""
        return f"{self.group}/{'+'.join(self.keys)}"

    @property
    def datasets(self) -> tuple[str, ...]:
        return EXTRACTION_GROUPS[self.group]


@dataclass(frozen=True)
class BackfillPlan:
    backfill_id: str
    start: date
    end: date
    source: str
    tickers: tuple[str, ...]
    chunks: tuple[Chunk, ...]
    notes: tuple[str, ...] = ()
    groups: tuple[str, ...] = BACKFILL_GROUPS

    @property
    def requests(self) -> int:
        """At most this many requests to Yahoo and FRED (none from the sample source): the plan
        line states it before anything is fetched."""
        if self.source == "sample":
            return 0
        return sum(_REQUESTS_PER_KEY.get(c.group, 0) * len(c.keys) for c in self.chunks)


@dataclass
class ChunkResult:
    chunk: Chunk
    rows: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)
    extracted: dict[str, int] = field(default_factory=dict)
    keys_failed: int = 0
    skipped: bool = False


def backfill_id(
    start: date,
    end: date,
    tickers: Sequence[str],
    source: str,
    groups: Sequence[str] = BACKFILL_GROUPS,
) -> str:
    """Stable id of a request, so a re-run of the same command finds its own ledger rows; a
    request for some datasets only is another request (all of them keep the ids they had)."""
    parts: list[object] = [start.isoformat(), end.isoformat(), sorted(tickers), source]
    if set(groups) != set(BACKFILL_GROUPS):
        parts.append(sorted(groups))
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


def dataset_groups(names: Sequence[str] | None) -> tuple[str, ...]:
    """The groups named by ``--datasets`` (all when None), in pipeline order. Only groups with
    a history to fetch: futures contracts depend on the run date and issuers publish only
    today's holdings, so the daily run and `smallcap import` bring those."""
    if not names:
        return BACKFILL_GROUPS
    unknown = sorted(set(names) - set(BACKFILL_GROUPS))
    if unknown:
        raise ConfigError(f"unknown datasets {unknown}: choose from {', '.join(BACKFILL_GROUPS)}")
    return tuple(g for g in BACKFILL_GROUPS if g in names)


def _batches(keys: Sequence[str], size: int) -> list[tuple[str, ...]]:
    return [tuple(keys[i : i + size]) for i in range(0, len(keys), size)]


def plan_backfill(
    start: date,
    end: date,
    *,
    settings: Settings,
    tickers: Sequence[str] | None = None,
    source: str = "live",
    batch_size: int = BATCH_SIZE,
    datasets: Sequence[str] | None = None,
) -> BackfillPlan:
    """Chunks over the whole range: prices per ticker batch, fundamentals per fund batch (sample
    only, as Yahoo keeps no history), and one chunk of all the universe's FRED series;
    ``datasets`` (prices, fundamentals, rates; default all) keeps only those, so rates can reach
    back decades further than the funds' prices, and without asking Yahoo at all."""
    groups = dataset_groups(datasets)
    check_window(start, end, source=source, sessions=groups != ("rates",))
    universe = settings.universe
    # sorted, so the same request names the same chunks whatever order the tickers came in
    given = universe.tickers if tickers is None else tickers
    chosen = sorted(set(check_keys(given, TICKER_RE, what="tickers", example="IWM or ^RUT")))
    funds = [t for t in chosen if t in universe.funds]
    live_fundamentals = source != "sample" and "fundamentals" in groups
    notes = [NO_FUNDAMENTALS_HISTORY] if live_fundamentals else []
    chunks = []
    if "prices" in groups:
        chunks += [Chunk("prices", batch, start, end) for batch in _batches(chosen, batch_size)]
    if source == "sample" and "fundamentals" in groups:
        chunks += [Chunk("fundamentals", b, start, end) for b in _batches(funds, batch_size)]
    if universe.fred_series and "rates" in groups:
        chunks.append(Chunk("rates", tuple(universe.fred_series), start, end))
    bid = backfill_id(start, end, chosen, source, groups)
    return BackfillPlan(bid, start, end, source, tuple(chosen), tuple(chunks), tuple(notes), groups)


def done_parts(con: duckdb.DuckDBPyConnection, bid: str) -> set[tuple[str, str]]:
    """(chunk, dataset) pairs fully loaded by earlier attempts; 'partial' ones are retried."""
    rows = con.execute(
        """select chunk, dataset from audit.backfill_chunks
           where backfill_id = ? and status = 'done'""",
        [bid],
    ).fetchall()
    return {(c, d) for c, d in rows}


def begin(path: Path, plan: BackfillPlan, *, settings: Settings) -> set[tuple[str, str]]:
    """Claim and prepare the warehouse and return the parts already done (a killed attempt's
    committed chunks stay; the lifecycle closes its ledger row as abandoned)."""
    with warehouse(path, lock_timeout=settings.lock_timeout_seconds) as con:
        claim_source_kind(con, source_kind(plan.source))
        sync_universe(con, settings.universe)
        return done_parts(con, plan.backfill_id)


def _mark(bid: str, chunk: Chunk, dataset: str, status: str, rows: int, run_id: str):
    def mark(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            "insert or replace into audit.backfill_chunks values (?, ?, ?, ?, ?, ?, now())",
            [bid, chunk.name, dataset, status, rows, run_id],
        )

    return mark


def run_chunk(
    path: Path,
    plan: BackfillPlan,
    chunk: Chunk,
    *,
    run_id: str,
    done: set[tuple[str, str]],
    settings: Settings,
    api_key: SecretStr | None = None,
) -> ChunkResult:
    """Extract, validate and load one chunk; each dataset's rows and ledger row commit together."""
    result = ChunkResult(chunk)
    todo = [d for d in chunk.datasets if (chunk.name, d) not in done]
    if not todo:
        result.skipped = True
        return result
    extraction = dispatch.extract_group(
        chunk.group,
        plan.source,
        {key: (chunk.start, chunk.end) for key in chunk.keys},
        run_date=plan.end,
        settings=settings,
        api_key=api_key,
        meta_series=(),  # describes the series today: the daily run keeps it (README, Methods)
    )
    result.keys_failed = len({f.key for f in extraction.failures})
    for name in todo:
        # the daily run's validation, including its stop on a mostly-broken batch
        outcome = steps.validate(name, extraction, run_date=plan.end, settings=settings)
        failed = any(f.dataset == name for f in extraction.failures)
        mark = _mark(
            plan.backfill_id,
            chunk,
            name,
            "partial" if failed else "done",
            len(outcome.valid),
            run_id,
        )
        steps.load_dataset(
            path, name, outcome, extraction, run_id=run_id, settings=settings, also=mark
        )
        result.rows[name] = len(outcome.valid)
        result.quarantined[name] = len(outcome.quarantined)
        result.extracted[name] = outcome.rows_in
    return result


ChunkRunner = Callable[..., ChunkResult]


@dataclass
class BackfillRun:
    """The run's report (status, counts, notes) and what each chunk did, in plan order."""

    report: RunReport
    chunks: list[ChunkResult] = field(default_factory=list)


def _count(report: RunReport, result: ChunkResult) -> None:
    for name in result.chunk.datasets:
        entry = report.dataset(name)
        entry.rows_extracted += result.extracted.get(name, 0)
        entry.rows_loaded += result.rows.get(name, 0)
        entry.rows_quarantined += result.quarantined.get(name, 0)
        entry.keys_failed += result.keys_failed


def run_backfill(
    path: Path,
    plan: BackfillPlan,
    *,
    run_id: str,
    settings: Settings,
    api_key: SecretStr | None = None,
    on_start: Callable[[int], None] = lambda done: None,
    on_chunk: Callable[[ChunkResult], None] = lambda result: None,
    chunk_runner: ChunkRunner = run_chunk,
    on_abandoned: Callable[[list[OpenRun]], None] | None = None,
) -> BackfillRun:
    """The whole backfill in the run lifecycle; resumes a killed attempt. The CLI calls it as
    is; the Prefect flow passes ``chunk_runner`` to make each chunk a task."""
    done = begin(path, plan, settings=settings)
    report = RunReport(run_id=run_id, source=plan.source, run_date=plan.end, warehouse=str(path))
    report.notes += plan.notes
    outcome = BackfillRun(report)
    for note in plan.notes:
        log.info(note)
    parameters = {
        "backfill_id": plan.backfill_id,
        "start": plan.start,
        "end": plan.end,
        "tickers": list(plan.tickers),
        "datasets": list(plan.groups),
        "source": plan.source,
        "warehouse": str(path),
    }
    with run_lifecycle(
        path,
        report,
        flow="backfill",
        parameters=parameters,
        settings=settings,
        on_abandoned=on_abandoned,
    ) as run:
        on_start(sum(all((c.name, d) in done for d in c.datasets) for c in plan.chunks))
        with run.stage("chunks"):
            for chunk in plan.chunks:
                try:
                    result = chunk_runner(
                        path,
                        plan,
                        chunk,
                        run_id=run_id,
                        done=done,
                        settings=settings,
                        api_key=api_key,
                    )
                except Exception:
                    report.notes.append(f"backfill chunk {chunk.name} failed; re-run to resume")
                    raise
                _count(report, result)
                outcome.chunks.append(result)
                on_chunk(result)
        with run.stage("transform"):
            steps.transform(path, report=report, settings=settings, full_refresh="a backfill")
    return outcome
