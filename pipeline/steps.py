"""The steps every run kind shares, as plain functions; `flows/` only decides their order and
concurrency, and ``pipeline.lifecycle`` opens, closes and publishes the run around them.

Every step that writes opens its own connection (DuckDB allows one writer per file) and closes it.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from contracts.calendar import is_trading_day, trading_days_back
from contracts.datasets import DATASETS, HOLDINGS, RATES
from contracts.errors import DataQualityError
from contracts.futures import fed_funds_symbols
from contracts.inputs import check_run_date
from contracts.settings import Settings
from expectations.data_docs import build_data_docs
from expectations.runner import ValidationOutcome, validate_batch
from pipeline.report import RunReport
from sources.extraction import Extraction
from sources.fred import FULL_HISTORY
from transforms.build import (
    LONGEST_LOOKBACK_DAYS,
    ModelResult,
    build_models,
    project_fingerprint,
)
from warehouse import audit
from warehouse.connection import warehouse
from warehouse.loader import (
    LoadResult,
    claim_source_kind,
    load_batch,
    source_kind,
    upsert_series_meta,
)
from warehouse.lookthrough import rows_to_load, upsert_issuer_shares
from warehouse.mart_builds import plan_build, record_build
from warehouse.status import latest_lookthrough
from warehouse.universe import sync_universe
from warehouse.watermarks import finished_series, plan_windows, stale_series_meta, watermarks

log = logging.getLogger(__name__)

Windows = dict[str, tuple[date, date]]
_MASS_FAILURE_MIN_ROWS = 20  # a handful of bad rows in a tiny batch is not an outage
_WHOLE_GROUPS = frozenset({"holdings"})  # see Plan.batches


@dataclass
class Plan:
    """Per-key fetch windows for each extraction group; empty means nothing to fetch."""

    prices: Windows = field(default_factory=dict)
    fundamentals: Windows = field(default_factory=dict)
    rates: Windows = field(default_factory=dict)
    futures: Windows = field(default_factory=dict)
    holdings: Windows = field(default_factory=dict)
    # FRED series whose metadata is due (missing or older than fred_meta_refresh_days)
    series_meta: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    market_closed: bool = False

    def batches(self, group: str, size: int) -> list[Windows]:
        """``group``'s windows in batches of ``size`` keys, in plan order, for one extract task
        each; none when there is nothing to fetch.

        Yahoo's chart and quote-summary requests and FRED's observation requests each name one
        key, so splitting prices, fundamentals, futures and rates adds no request. Holdings
        stay whole: their constituents' quotes go out 150 symbols a request over all funds at
        once, and the funds share constituents, so batches would repeat requests (and rows)."""
        windows: Windows = getattr(self, group)
        if group in _WHOLE_GROUPS:
            size = max(len(windows), 1)
        keys = list(windows)
        return [
            {key: windows[key] for key in keys[i : i + size]} for i in range(0, len(keys), size)
        ]


def history_start(run_date: date, years: int) -> date:
    return (pd.Timestamp(run_date) - pd.DateOffset(years=years)).date()


def _behind_only(windows: Windows, marks: dict[str, date], run_date: date) -> Windows:
    """On a day the market is closed, fetch only keys that missed a session (no new bar today)."""
    if is_trading_day(run_date):
        return windows
    last_session = trading_days_back(run_date, 0)
    return {k: w for k, w in windows.items() if marks.get(k) is None or marks[k] < last_session}


def prepare(
    path: Path,
    *,
    source: str,
    run_date: date,
    settings: Settings,
    overlap_days: int | None = None,
) -> Plan:
    """Create or migrate the warehouse, refuse a mix of sample and live data, mirror the
    universe, and plan each key's window.

    A FRED series new to a live warehouse starts at its first observation (FRED series are
    small, and the rate-cut history needs decades); one FRED has discontinued and that is
    loaded through its end is left out. ``overlap_days`` (reconcile) widens the look-back to
    that many sessions for every dataset and re-fetches it even when the market is closed, so
    late revisions are absorbed; it never narrows the configured overlaps."""
    check_run_date(run_date, source=source)
    universe = settings.universe
    start = history_start(run_date, settings.history_years)
    live = source_kind(source) == "live"
    with warehouse(path, lock_timeout=settings.lock_timeout_seconds) as con:
        claim_source_kind(con, source_kind(source))
        sync_universe(con, universe)
        marks = {
            name: watermarks(con, DATASETS[name])
            for name in ("prices", "fundamentals", "rates", "futures", "holdings")
        }
        finished = finished_series(con, run_date)
        meta_due = stale_series_meta(
            con,
            universe.fred_series if live else (),
            now=datetime.now(UTC),
            max_age=timedelta(days=settings.fred_meta_refresh_days),
        )
    for series_id, last in finished.items():
        log.info(
            "%s: discontinued by FRED (last observation %s), loaded; not fetched", series_id, last
        )
    plan = Plan()
    plan.rates = plan_windows(
        [s for s in universe.fred_series if s not in finished],
        marks["rates"],
        run_date=run_date,
        history_start=FULL_HISTORY if live else start,
        overlap_start=lambda d: min(
            d - timedelta(days=settings.rate_overlap_days),
            trading_days_back(d, overlap_days or 0),
        ),
    )
    plan.series_meta = [s for s in meta_due if s in plan.rates]
    sessions = max(settings.price_overlap_days, overlap_days or 0)
    back = lambda d: trading_days_back(d, sessions)  # noqa: E731
    groups = (
        ("prices", universe.tickers),
        ("fundamentals", universe.funds),
        # the contracts of the run date's month and the 11 after it, plus the front month
        ("futures", fed_funds_symbols(run_date)),
        ("holdings", universe.funds),
    )
    for group, keys in groups:
        windows = plan_windows(
            keys, marks[group], run_date=run_date, history_start=start, overlap_start=back
        )
        if overlap_days is None:
            windows = _behind_only(windows, marks[group], run_date)
        setattr(plan, group, windows)
    if overlap_days is not None:
        plan.notes.append(f"reconcile: re-fetched the last {overlap_days} sessions of every key")
    elif not is_trading_day(run_date):
        plan.market_closed = True
        plan.notes.append(
            f"market closed on {run_date}: prices, fundamentals, futures and holdings only "
            "catch up missed sessions"
        )
    return plan


def validate(
    dataset: str,
    extraction: Extraction,
    *,
    run_date: date,
    settings: Settings,
    rejected: pd.DataFrame | None = None,
) -> ValidationOutcome:
    """Split the batch; when most rows fail, the source itself is broken and nothing loads.
    Rows that load with a field NULLed (field-level failures) do not count as failed here.

    ``rejected`` are rows the source could not even read (a file's unparseable cells), each
    with its reason: they join the quarantine and count as failed rows."""
    frame = extraction.frames.get(dataset, pd.DataFrame(columns=list(DATASETS[dataset].columns)))
    outcome = validate_batch(DATASETS[dataset], frame, run_date=run_date, expect_rows=False)
    if rejected is not None and not rejected.empty:
        outcome.quarantined = pd.concat([outcome.quarantined, rejected], ignore_index=True)
        outcome.unreadable = len(rejected)
    total = outcome.rows_in
    if total >= _MASS_FAILURE_MIN_ROWS and outcome.rows_rejected / total >= (
        settings.max_failure_ratio
    ):
        raise DataQualityError(
            f"{dataset}: {outcome.rows_rejected} of {total} rows failed validation "
            f"(>= {settings.max_failure_ratio:.0%}); the batch looks broken, nothing loaded. "
            f"Most common reason: {outcome.quarantined['reason'].mode().iloc[0]}"
        )
    return outcome


def load_dataset(
    path: Path,
    dataset: str,
    outcome: ValidationOutcome,
    extraction: Extraction,
    *,
    run_id: str,
    settings: Settings,
    also: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> LoadResult:
    """Load one dataset with its failed keys, FRED metadata and ``also`` (e.g. a backfill's
    chunk ledger) in one transaction: after a crash all of it is there, or none."""
    failures = [f for f in extraction.failures if f.dataset == dataset]

    def bookkeeping(con: duckdb.DuckDBPyConnection) -> None:
        audit.record_failures(con, run_id=run_id, failures=failures)
        if dataset == RATES.name and "series_meta" in extraction.frames:
            upsert_series_meta(con, extraction.frames["series_meta"], run_id=run_id)
        if dataset == HOLDINGS.name and "fund_shares" in extraction.frames:
            upsert_issuer_shares(con, extraction.frames["fund_shares"], run_id=run_id)
        if also is not None:
            also(con)

    with warehouse(path, lock_timeout=settings.lock_timeout_seconds) as con:
        return load_batch(
            con,
            DATASETS[dataset],
            rows_to_load(con, dataset, outcome.valid),
            outcome.quarantined,
            run_id=run_id,
            validations=outcome.results,
            before_commit=bookkeeping,
        )


def load(
    path: Path,
    dataset: str,
    outcome: ValidationOutcome,
    extraction: Extraction,
    *,
    run_id: str,
    report: RunReport,
    settings: Settings,
) -> None:
    """Load one dataset atomically and count it in the report."""
    if outcome.gx_result is not None:
        report.validation_results.append(outcome.gx_result)
    result = load_dataset(path, dataset, outcome, extraction, run_id=run_id, settings=settings)
    entry = report.dataset(dataset)
    entry.rows_extracted = outcome.rows_in
    entry.rows_loaded = result.rows_loaded
    entry.rows_changed = result.rows_changed
    entry.rows_quarantined = result.rows_quarantined
    entry.revisions = result.revisions
    entry.failed_keys = [f for f in extraction.failures if f.dataset == dataset]
    entry.keys_failed = len({f.key for f in entry.failed_keys})
    reasons = outcome.quarantined.get("reason", pd.Series(dtype=str)).value_counts()
    entry.quarantine_reasons = {str(k): int(v) for k, v in reasons.items()}


def transform(
    path: Path, *, report: RunReport, settings: Settings, full_refresh: str | None = None
) -> list[ModelResult]:
    """Rebuild the models with dbt (which opens the warehouse itself, so no connection of ours
    is open meanwhile), then note the latest P/E discount per pair and each fund's latest
    look-through coverage for the summary.

    The daily-grain marts recompute only the days from the earliest one whose source rows
    changed since the last build (warehouse/mart_builds.py), which keeps a daily run's cost
    from growing with the history. ``full_refresh`` (why) rebuilds them whole: callers that
    replace history wholesale (backfill, import, quarantine release, restore) or a user who
    asks; the plan also refreshes in full whenever it cannot prove what changed."""
    project = project_fingerprint()
    with warehouse(path, lock_timeout=settings.lock_timeout_seconds) as con:
        # also waits for another writer's lock (dbt would fail at once) and applies migrations
        plan = plan_build(
            con,
            project_fingerprint=project,
            max_lookback_days=LONGEST_LOOKBACK_DAYS,
            forced=full_refresh,
        )
    log.info("%s", plan.describe())
    results = build_models(path, full_refresh=plan.since is None, since=plan.since)
    report.marts = plan.describe()
    with warehouse(path, lock_timeout=settings.lock_timeout_seconds) as con:
        record_build(con, run_id=report.run_id, plan=plan, project_fingerprint=project)
        report.latest_discounts = con.execute(
            """select small_ticker, large_ticker, date, discount_pct, discount_zscore_252d
               from mart.pe_spread_daily
               qualify row_number() over (
                   partition by small_ticker, large_ticker order by date desc) = 1
               order by small_ticker, large_ticker"""
        ).fetchall()
        report.lookthrough = latest_lookthrough(con)
    return results


def data_docs(*, report: RunReport, settings: Settings) -> Path | None:
    """Add this run's validation results to the warehouse's GX Data Docs site (None when the
    setting is off or nothing was validated) and note the site's index in the report."""
    directory = settings.data_docs_for(Path(report.warehouse))
    if directory is None or not report.validation_results:
        return None
    index = build_data_docs(report.validation_results, directory, run_id=report.run_id)
    report.data_docs = str(index.resolve())
    return index
