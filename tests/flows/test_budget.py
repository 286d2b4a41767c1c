"""Two processes extracting at once share one Yahoo request budget through Prefect's rate limit.

Each worker alone would send at the configured rate, so two with their own limiters would send
at twice it; the loopback Yahoo records when every request arrives, whoever sent it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from bisect import bisect_left
from pathlib import Path

import pytest
from fakes import yahoo_server
from prefect.settings import PREFECT_API_URL, PREFECT_HOME

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_api")]

RATE_PER_MINUTE = 120
BURST = 2
TICKERS = {
    "first": ["WA", "WB", "WC", "WD", "WE"],
    "second": ["XA", "XB", "XC", "XD", "XE"],
}
WORKER = Path(__file__).with_name("budget_worker.py")
TESTS = Path(__file__).resolve().parents[1]


def most_in_any_window(times: list[float], seconds: float) -> int:
    """The most requests that arrived within ``seconds`` of one another."""
    ordered = sorted(times)
    return max(bisect_left(ordered, first + seconds) - i for i, first in enumerate(ordered))


def allowed(seconds: float) -> float:
    """What the limit lets through in any window of ``seconds``: a full burst, then the rate."""
    return BURST + RATE_PER_MINUTE / 60 * seconds


def start_worker(name: str, port: int, tmp_path: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
        "PREFECT_HOME": str(PREFECT_HOME.value()),
        "SMALLCAP_YAHOO_REQUESTS_PER_MINUTE": str(RATE_PER_MINUTE),
        "SMALLCAP_REQUEST_BURST": str(BURST),
        "SMALLCAP_YAHOO_CACHE_DIR": str(tmp_path / name / "yfinance"),  # no shared tz cache
        "SMALLCAP_SOURCE_RETRY_WAIT_SECONDS": "0",
    }
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(port), ",".join(TICKERS[name])],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,  # Prefect's task-run log: shown only when the test fails
        text=True,
        env=env,
    )


def test_two_processes_extracting_at_once_stay_within_one_rate_together(tmp_path: Path) -> None:
    prices = {t: 50.0 + n for n, t in enumerate(TICKERS["first"] + TICKERS["second"])}
    with yahoo_server(prices) as server:
        workers = [start_worker(name, server.port, tmp_path) for name in TICKERS]
        try:
            for worker in workers:
                assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
            for worker in workers:
                assert worker.stdin is not None
                worker.stdin.write("go\n")
                worker.stdin.flush()
            outputs = [worker.communicate(timeout=120) for worker in workers]
        finally:
            for worker in workers:
                worker.kill()
        times = list(server.times)

    assert all(worker.returncode == 0 for worker in workers), [err for _, err in outputs]
    results = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert [r["failures"] for r in results] == [[], []]
    assert all(r["rows"] == 10 * len(TICKERS["first"]) for r in results)  # 10 sessions each
    first, second = results
    assert max(first["started"], second["started"]) < min(first["finished"], second["finished"])
    windows = {seconds: most_in_any_window(times, seconds) for seconds in (2.0, 5.0, 10.0, 60.0)}
    assert all(most <= allowed(seconds) for seconds, most in windows.items()), windows
    per_minute = (len(times) - BURST) / (max(times) - min(times)) * 60
    assert per_minute <= RATE_PER_MINUTE * 1.05
