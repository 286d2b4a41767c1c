"""Run one preset and write ``benchmarks/results/<preset>.json`` and ``.md``.

    .venv/bin/python -m benchmarks.run --preset medium      # or: make bench PRESET=medium

Everything is measured in one process, one after the other, so the ratios compare like with
like on a shared, noisy machine; the absolute seconds are only that run's.
"""

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks import report
from benchmarks.backfill_requests import count_backfill_requests
from benchmarks.daily import Replay, daily_run
from benchmarks.generate import Inputs, generate
from benchmarks.loads import dlt_merge, floor, load_only, ours, validate_only
from benchmarks.measure import PeakMemory
from benchmarks.presets import HISTORY_END, PRESETS, RUN_DATE, Preset
from contracts.datasets import CONSTITUENT_QUOTES, DATASETS, HOLDINGS, PRICES
from contracts.settings import Settings, get_settings
from pipeline import steps
from pipeline.report import RunReport
from report.page import vega_bundle
from sources.extraction import Extraction
from warehouse.connection import warehouse
from warehouse.loader import load_batch
from warehouse.publish import publish_snapshot
from warehouse.universe import sync_universe

RESULTS = Path(__file__).with_name("results")
_PACKAGES = ("duckdb", "pandas", "pyarrow", "great-expectations", "dlt")


def _versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in _PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def _settings(inputs: Inputs, folder: Path) -> Settings:
    return get_settings(
        SMALLCAP_UNIVERSE=inputs.universe,
        data_docs_dir=folder / "data-docs",
        yahoo_cache_dir=folder / "yfinance-cache",
    )


def _warm_up(inputs: Inputs, settings: Settings) -> None:
    """GX builds its context and suites once per process, the report its script bundle once per
    installed version (report cache): neither is a per-run cost."""
    vega_bundle(settings.report_cache_dir)
    for name in DATASETS:
        files = inputs.replay.get(name) or ()
        frame = pd.read_parquet(files[0]).head(50) if files else None
        if frame is not None:
            extraction = Extraction(frames={name: frame})
            steps.validate(name, extraction, run_date=RUN_DATE, settings=settings)


def _load_side_tables(inputs: Inputs, path: Path) -> dict[str, int]:
    """Fund snapshots, sector weights, rates and futures history, and the look-through's
    issuer files and quotes, so the marts have something to do; rows per table."""
    rows = {}
    with warehouse(path) as con:
        for name, file in inputs.side.items():
            frame = pd.read_parquet(file)
            none = frame.iloc[:0].assign(reason=pd.Series(dtype=str))
            load_batch(con, DATASETS[name], frame, none, run_id="bench-history")
            rows[name] = len(frame)
    return rows


def _build_history_marts(path: Path, settings: Settings) -> None:
    """The marts of the loaded history, as the backfill that loaded it builds them (untimed):
    a loaded warehouse's daily run continues marts that exist, it does not build them anew.
    The universe is mirrored first, as the backfill does, so the marts have their pairs."""
    with warehouse(path) as con:
        sync_universe(con, settings.universe)
    history = RunReport(
        run_id="bench-history", source="sample", run_date=HISTORY_END, warehouse=str(path)
    )
    steps.transform(path, report=history, settings=settings, full_refresh="the loaded history")


def _fsync(path: Path) -> None:
    with path.open("rb") as file:
        os.fsync(file.fileno())


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def run_preset(preset: Preset, *, out: Path = RESULTS, work: Path | None = None) -> dict[str, Any]:
    """Generate the preset's data, measure every section, write and return the results."""
    started = datetime.now(UTC)
    load_average = os.getloadavg()
    memory = PeakMemory()
    seconds: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix=f"smallcap-bench-{preset.name}-", dir=work) as tmp:
        folder = Path(tmp)
        clock = time.perf_counter()
        start = steps.history_start(HISTORY_END, preset.years)
        inputs = generate(preset, folder / "inputs", start=start)
        seconds["generate_inputs"] = time.perf_counter() - clock
        settings = _settings(inputs, folder)
        _warm_up(inputs, settings)
        large = folder / "warehouse.duckdb"
        with memory.section("floor"):
            seconds["floor"] = floor(inputs.prices, folder / "floor.duckdb")
        with memory.section("validate_load"):
            seconds["validate_load"], result = ours(
                inputs.prices, large, run_id="bench-first", run_date=RUN_DATE, settings=settings
            )
        with memory.section("validate"):
            seconds["validate"] = validate_only(inputs.prices, run_date=RUN_DATE, settings=settings)
        loads = folder / "loads.duckdb"
        with memory.section("load"):
            seconds["load"] = load_only(inputs.prices, loads, run_id="bench-first")
        with memory.section("reload"):
            seconds["reload"] = load_only(inputs.prices, loads, run_id="bench-again")
        with memory.section("dlt"):
            seconds["dlt_merge"] = dlt_merge(inputs.prices, folder)
        side_rows = _load_side_tables(inputs, large)
        _build_history_marts(large, settings)
        warehouse_mb = large.stat().st_size / 2**20
        replay = Replay(inputs.replay)
        with memory.section("daily_large"):
            daily_large = daily_run(large, run_date=RUN_DATE, settings=settings, extract=replay)
        with memory.section("daily_empty"):
            daily_empty = daily_run(
                folder / "empty.duckdb",
                run_date=RUN_DATE,
                settings=settings,
                extract=replay,
                plan=daily_large.plan,
            )
        seconds.update(daily_large=daily_large.seconds, daily_empty=daily_empty.seconds)
        seconds.update(daily_large_stages=daily_large.stages, daily_empty_stages=daily_empty.stages)
        with memory.section("publish"):
            clock = time.perf_counter()
            publish_snapshot(large, folder / "bi" / large.name)
            seconds["publish"] = time.perf_counter() - clock
            clock = time.perf_counter()
            shutil.copyfile(large, folder / "copy.duckdb")
            seconds["copy"] = time.perf_counter() - clock
            # publishing also fsyncs the snapshot (a power cut must not publish an empty file)
            clock = time.perf_counter()
            shutil.copyfile(large, folder / "copy-synced.duckdb")
            _fsync(folder / "copy-synced.duckdb")
            seconds["copy_fsync"] = time.perf_counter() - clock
        with memory.section("backfill_requests"):
            requests = count_backfill_requests(preset, settings, folder / "backfill")
    results = {
        "preset": preset.name,
        "started_at": started.isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in load_average],
            "python": platform.python_version(),
            **_versions(),
        },
        "rows": {
            "prices": result.rows_loaded + result.rows_quarantined,
            "prices_quarantined": result.rows_quarantined,
            "tickers": preset.tickers,
            "years": preset.years,
            "chunk_tickers": preset.chunk_tickers,
            "history_end": HISTORY_END.isoformat(),
            "daily_run_date": RUN_DATE.isoformat(),
            "daily_prices": daily_large.report.dataset(PRICES.name).rows_extracted,
            "warehouse_mb": round(warehouse_mb, 1),
            **{f"history_{name}": n for name, n in side_rows.items()},
            "daily_holdings": daily_large.report.dataset(HOLDINGS.name).rows_extracted,
            "daily_constituent_quotes": daily_large.report.dataset(
                CONSTITUENT_QUOTES.name
            ).rows_extracted,
        },
        "seconds": _rounded(seconds),
        "ratios": {
            "validate_load_vs_floor": _ratio(seconds["validate_load"], seconds["floor"]),
            "ours_vs_dlt": _ratio(seconds["validate_load"], seconds["dlt_merge"]),
            "reload_vs_first": _ratio(seconds["reload"], seconds["load"]),
            "daily_large_vs_empty": _ratio(daily_large.seconds, daily_empty.seconds),
            "publish_vs_copy": _ratio(seconds["publish"], seconds["copy"]),
            # not a target: what a copy costs with the fsync every publish needs, so a power
            # cut cannot publish an empty file (the plain copy leaves its bytes in page cache)
            "publish_vs_copy_fsync": _ratio(seconds["publish"], seconds["copy_fsync"]),
        },
        "shares": {
            # done one after the other; validate_load overlaps them
            "validate_then_load": _shares(
                {"validate": seconds["validate"], "load": seconds["load"]}
            ),
            "daily_large": _shares(daily_large.stages),
            "daily_empty": _shares(daily_empty.stages),
        },
        # the pipeline's sections; floor and dlt are not ours
        "peak_rss_mb": max(v for k, v in memory.mb.items() if k not in ("floor", "dlt")),
        "peak_rss_mb_by_section": memory.mb,
        "requests": requests,
        # which path the daily runs' dbt build took (incremental on the loaded warehouse)
        "marts": {"daily_large": daily_large.report.marts, "daily_empty": daily_empty.report.marts},
    }
    results["targets"] = report.check_targets(results)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{preset.name}.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / f"{preset.name}.md").write_text(report.markdown(results))
    return results


def _rounded(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return round(value, 3) if isinstance(value, float) else value


def _shares(stages: dict[str, float]) -> dict[str, float]:
    total = sum(stages.values())
    return {name: round(s / total, 3) for name, s in stages.items()} if total else {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="small")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for <preset>.json/.md")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: /tmp)")
    args = parser.parse_args()
    results = run_preset(PRESETS[args.preset], out=args.out, work=args.work)
    print(report.markdown(results))


if __name__ == "__main__":
    main()
