"""HTTP fault matrix: every fault on one key of Yahoo (prices, fundamentals) and FRED, in a
live run over a warehouse that already holds a week of history.

For each fault: the retries are bounded (request count and wall time), the key is recorded in
audit.extract_failures with a classified error, the other keys load, the run ends `partial`
(`failed` when the whole source is down), nothing raises, and the rows loaded before are intact.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fakes import Reply, observations_xml
from live_runs import (
    ATTEMPTS,
    KEY,
    RUN_DATE,
    SEED_DATE,
    SERIES,
    TICKERS,
    TIMEOUT,
    fred_value,
    read,
    run_daily,
)

if TYPE_CHECKING:
    from live_runs import Sources

    from contracts.settings import Settings

CHART_ERROR = json.dumps(
    {"chart": {"result": None, "error": {"code": "Internal Server Error", "description": "oops"}}}
).encode()
FRED_ERROR = (
    b'<?xml version="1.0" encoding="utf-8" ?>\n'
    b'<error code="400" message="Bad Request.  Variable api_key is not registered."/>\n'
)
HTML = b"<html><head><title>Error</title></head><body>Will be back soon</body></html>"
FRED_429 = b'<error code="429" message="Too Many Requests.  Exceeded Rate Limit"/>'

T, P = "TransientSourceError", "PermanentSourceError"


@dataclass(frozen=True)
class Fault:
    """One fault, as Yahoo's chart and quoteSummary and FRED's observations serve it (None:
    that source stays healthy), and how the failed key's error is classified."""

    yahoo: Reply | None
    fred: Reply | None
    kind: str = T
    fundamentals: bool = True  # yfinance's info takes no timeout (fixed 30 s): no slow case


FAULTS: dict[str, Fault] = {
    "429": Fault(Reply(status=429, body=b"Too Many Requests"), Reply(status=429, body=FRED_429)),
    # FRED's Retry-After is waited (1 s x 2); yfinance drops a 429's headers, so Yahoo backs off
    "429-retry-after": Fault(
        Reply(status=429, headers={"Retry-After": "1"}),
        Reply(status=429, body=FRED_429, headers={"Retry-After": "1"}),
    ),
    # an hour is longer than the run waits (SMALLCAP_SOURCE_RETRY_MAX_WAIT_SECONDS): no retry
    "429-retry-after-too-long": Fault(None, Reply(status=429, headers={"Retry-After": "3600"})),
    "500": Fault(Reply(status=500, body=CHART_ERROR), Reply(status=500, body=b"oops")),
    "503": Fault(Reply(status=503, body=HTML), Reply(status=503, body=HTML)),
    "connection-reset": Fault(Reply(reset=True), Reply(reset=True)),
    "dropped-mid-body": Fault(
        Reply(body=b'{"chart": {"result": [{"me', cut=True),
        Reply(body=b"<observations><observ", cut=True),
    ),
    "slower-than-timeout": Fault(
        Reply(delay=2 * TIMEOUT, body=b"{}"), Reply(delay=2 * TIMEOUT), fundamentals=False
    ),
    "truncated-body": Fault(
        Reply(body=b'{"chart": {"result": [{"meta": {"curr'),
        Reply(body=b'<observations><observation date="2025-06-'),
    ),
    "html-page-200": Fault(Reply(body=HTML), Reply(body=HTML)),
    "empty-body": Fault(Reply(body=b""), Reply(body=b"")),
    # FRED's own error document, with its 400 and wrapped in a 200 (fredapi read it as no rows)
    "xml-error-400": Fault(None, Reply(status=400, body=FRED_ERROR), kind=P),
    "xml-error-200": Fault(None, Reply(body=FRED_ERROR), kind=P),
}
# one key per source fails; with three keys each, the circuit breaker (50%) stays closed
BROKEN = {"prices": "IWM", "fundamentals": "IJR", "rates": "DGS2"}
KEY_COLUMN = {
    "core.prices_daily": ("ticker", "date"),
    "core.fundamentals_daily": ("ticker", "asof_date"),
    "core.rates_daily": ("series_id", "date"),
}


def rows_of(path: Path, table: str, key: str) -> list[tuple]:
    """Every stored row of one key, run bookkeeping included."""
    column = KEY_COLUMN[table][0]
    return read(path, f"select * from {table} where {column} = ? order by all", [key])


def latest(path: Path, table: str) -> dict[str, date]:
    column, day = KEY_COLUMN[table]
    return dict(read(path, f"select {column}, max({day}) from {table} group by 1"))


@pytest.mark.parametrize("name", FAULTS)
def test_fault_fails_only_its_key_and_keeps_its_history(
    name: str, sources: Sources, seeded: Path, settings: Settings
) -> None:
    fault = FAULTS[name]
    broken = {"rates": BROKEN["rates"]} if fault.fred else {}
    if fault.yahoo:
        sources.yahoo.fault("chart", BROKEN["prices"], fault.yahoo)
        broken["prices"] = BROKEN["prices"]
        if fault.fundamentals:
            sources.yahoo.fault("quoteSummary", BROKEN["fundamentals"], fault.yahoo)
            broken["fundamentals"] = BROKEN["fundamentals"]
    if fault.fred:
        sources.fred.script("series/observations", BROKEN["rates"], fault.fred)
    tables = dict(zip(BROKEN, KEY_COLUMN, strict=True))
    before = {d: rows_of(seeded, tables[d], key) for d, key in broken.items()}

    began = time.monotonic()
    report = run_daily(seeded, settings, RUN_DATE)  # raises nothing, whatever the fault
    elapsed = time.monotonic() - began

    assert report.status == "partial", report.to_markdown()
    assert read(seeded, "select status from audit.runs where run_id = ?", [report.run_id]) == [
        ("partial",)
    ]
    failures = read(
        seeded,
        "select dataset, key, error_class, message from audit.extract_failures where run_id = ?",
        [report.run_id],
    )
    assert sorted((d, k, c) for d, k, c, _ in failures) == sorted(
        (d, k, fault.kind) for d, k in broken.items()
    )
    assert all(k in message and KEY not in message for _, k, _, message in failures)
    # bounded: our attempts, each at most twice (yfinance re-asks once after an HTTP error)
    once = fault.kind == P or name.endswith("too-long")
    assert sources.fred.count("series/observations", "DGS2") == (1 if once else ATTEMPTS)
    assert sources.yahoo.count("chart", "IWM") <= 2 * ATTEMPTS
    assert elapsed < 60  # no unbounded wait (the request counts above bound the retries)
    for dataset, key in broken.items():
        assert rows_of(seeded, tables[dataset], key) == before[dataset]  # history intact
    for dataset, table in tables.items():
        keys = SERIES if dataset == "rates" else TICKERS
        expected = {k: SEED_DATE if broken.get(dataset) == k else RUN_DATE for k in keys}
        assert latest(seeded, table) == expected  # every other key loaded the new days


def test_fred_retry_after_is_honoured_then_the_series_loads(
    sources: Sources, seeded: Path, settings: Settings
) -> None:
    days = [SEED_DATE - timedelta(days=40) + timedelta(days=n) for n in range(48)]
    healthy = observations_xml({day: fred_value("DGS2")(day) for day in days})
    sources.fred.script(
        "series/observations",
        "DGS2",
        Reply(status=429, body=FRED_429, headers={"Retry-After": "1"}),
        Reply(body=healthy),
    )

    began = time.monotonic()
    report = run_daily(seeded, settings, RUN_DATE)

    assert report.status == "success", report.to_markdown()
    assert time.monotonic() - began >= 1.0  # waited what FRED asked, not the 0.01 s backoff
    assert sources.fred.count("series/observations", "DGS2") == 2
    assert read(seeded, "select max(date) from core.rates_daily where series_id = 'DGS2'") == [
        (RUN_DATE,)
    ]


def test_yahoo_down_for_every_ticker_fails_prices_and_keeps_everything(
    sources: Sources, seeded: Path, settings: Settings
) -> None:
    for ticker in TICKERS:
        sources.yahoo.fault("chart", ticker, Reply(status=503, body=HTML))
    before = read(seeded, "select * from core.prices_daily order by all")

    report = run_daily(seeded, settings, RUN_DATE)

    assert report.status == "failed"
    assert "circuit breaker" in report.dataset("prices").error
    assert read(seeded, "select status from audit.runs where run_id = ?", [report.run_id]) == [
        ("failed",)
    ]
    assert read(seeded, "select * from core.prices_daily order by all") == before
    # the other sources still loaded in the same run
    assert read(seeded, "select max(date) from core.rates_daily") == [(RUN_DATE,)]
    assert read(seeded, "select max(asof_date) from core.fundamentals_daily") == [(RUN_DATE,)]


def test_fred_down_for_every_series_fails_rates_and_keeps_everything(
    sources: Sources, seeded: Path, settings: Settings
) -> None:
    for series_id in SERIES:
        sources.fred.script("series/observations", series_id, Reply(reset=True))
    before = read(seeded, "select * from core.rates_daily order by all")

    report = run_daily(seeded, settings, RUN_DATE)

    assert report.status == "failed"
    assert "rates" in report.errors[0] and KEY not in report.errors[0]
    assert read(seeded, "select * from core.rates_daily order by all") == before
    assert read(seeded, "select max(date) from core.prices_daily") == [(RUN_DATE,)]


def test_seed_holds_a_year_of_every_key(seed_file: Path) -> None:
    """The history the faults must leave intact is really there."""
    prices = read(seed_file, "select ticker, count(*) from core.prices_daily group by 1")
    # a series new to the warehouse comes with more than the configured year (its history)
    rates = read(seed_file, "select series_id, min(date) from core.rates_daily group by 1")
    assert {t for t, n in prices if n > 240} == set(TICKERS)
    assert set(dict(rates)) == set(SERIES)
    assert all(first <= date(2024, 6, 6) for first in dict(rates).values())
