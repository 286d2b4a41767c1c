"""How many requests a 20-year live backfill issues, counted at the network edge.

``pipeline.backfill.run_backfill`` runs for real on the live source (yfinance and fredapi
parsing, validation, loads, ledger) while the tests' network-edge fakes answer: Yahoo through
``responses`` on yfinance's session, FRED on a loopback server. Each Yahoo chart request gets one
bar inside the window it asked for. yfinance parses ~0.1 s per request, so the prices are
counted for the first ``backfill_tickers`` tickers and scaled to the universe (every ticker's
chunk issues the same requests); the FRED series are counted in full. The
cookie/crumb handshake yfinance repeats against the fake is not counted: against Yahoo it
happens once per session.
"""

import re
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses
from pydantic import SecretStr
from requests import PreparedRequest

from benchmarks.presets import HISTORY_END, Preset
from contracts.calendar import trading_days
from contracts.settings import Settings
from pipeline.backfill import plan_backfill, run_backfill
from pipeline.steps import history_start

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import fakes  # the network-edge fakes live with the tests

_CHART = re.compile(r"https://query2\.finance\.yahoo\.com/v8/finance/chart/.+")
_DUMMY_KEY = SecretStr("bench-not-a-key")


def _chart_reply(request: PreparedRequest) -> tuple[int, dict, str]:
    """The tz probe, or one bar on the first session of the requested window."""
    parts = urlsplit(request.url or "")
    ticker, query = parts.path.rsplit("/", 1)[-1], parse_qs(parts.query)
    if "period1" not in query:
        return 200, {}, fakes.tz_probe_body(ticker)
    start, end = (
        datetime.fromtimestamp(int(query[p][0]), UTC).date() for p in ("period1", "period2")
    )
    first = trading_days(start, end)[0]
    return 200, {}, fakes.chart_body(ticker, [fakes.Bar(first, 10.0)])


def _observations(start: date, end: date) -> dict[date, str]:
    """One observation a year: a series has rows in any window of a year or more."""
    return {date(year, 1, 2): "1.00" for year in range(start.year, end.year + 1)}


def count_backfill_requests(preset: Preset, settings: Settings, folder: Path) -> dict[str, Any]:
    """Requests of a ``preset.backfill_years`` backfill, per source; see the module docstring."""
    if not fakes.YAHOO_BODIES.is_dir():
        return {"skipped": "../shared/fixtures/real is absent (the fakes answer with it)"}
    universe = settings.universe
    tickers = universe.tickers[: preset.backfill_tickers]
    start = history_start(HISTORY_END, preset.backfill_years)
    path = folder / "backfill.duckdb"
    with fakes.yahoo_mock() as yahoo, fakes.fred_stub() as fred:
        yahoo.rm.add_callback(responses.GET, _CHART, callback=_chart_reply)
        for series_id in universe.fred_series:
            fred.observations(series_id, _observations(start, HISTORY_END))
            fred.serve_file("series", series_id, "DFF_series_info.xml")
        live = settings.model_copy(
            update={
                "warehouse": path,
                "fred_base_url": fred.base_url,
                "yahoo_requests_per_minute": 1e9,
                "fred_requests_per_second": 1e9,
                "yahoo_cache_dir": folder / "yfinance-cache",
            }
        )
        plan = plan_backfill(start, HISTORY_END, settings=live, tickers=tickers, source="live")
        run = run_backfill(path, plan, run_id="bench-backfill", settings=live, api_key=_DUMMY_KEY)
        yahoo_requests = sum(1 for c in yahoo.rm.calls if _CHART.match(c.request.url or ""))
        fred_requests = len(fred.hits)
    per_ticker = yahoo_requests / len(tickers)
    total = round(per_ticker * len(universe.tickers)) + fred_requests
    return {
        "years": preset.backfill_years,
        "tickers": len(universe.tickers),
        "fred_series": len(universe.fred_series),
        "counted_tickers": len(tickers),
        "yahoo_counted": yahoo_requests,
        "yahoo_per_ticker": per_ticker,
        "fred": fred_requests,
        "total": total,
        "target": 2 * len(universe.tickers) + len(universe.fred_series),
        "status": run.report.status,
    }
