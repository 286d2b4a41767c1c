"""A failed or partial run posts what failed to the notification block named in settings."""

import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from fakes import Bar
from prefect.blocks.notifications import CustomWebhookNotificationBlock

from contracts.calendar import trading_days
from flows.daily import daily_etl
from pipeline.report import RunFailed

RUN_DATE = date(2026, 11, 25)
LIVE_DATE = date(2023, 6, 6)  # the recorded DFF observations the fake FRED serves end here
BLOCK = "smallcap-test-alerts"

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_api")]


@pytest.fixture
def webhook(monkeypatch) -> Iterator[list[dict]]:
    """A loopback HTTP endpoint behind a CustomWebhookNotificationBlock; yields posted bodies."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    CustomWebhookNotificationBlock(
        name="smallcap",
        url=f"http://127.0.0.1:{server.server_port}/hook",
        json_data={"subject": "{{subject}}", "body": "{{body}}"},
        allow_private_urls=True,
    ).save(BLOCK, overwrite=True)
    monkeypatch.setenv("SMALLCAP_NOTIFY_BLOCK", f"custom-webhook/{BLOCK}")
    try:
        yield received
    finally:
        server.shutdown()
        server.server_close()


def _live(tmp_path, monkeypatch, yahoo, small: list[str], fred_url: str) -> str:
    """A live run's settings: Yahoo answered by the fake (IWM, SPY and the Fed funds futures
    known), FRED at fred_url."""
    universe = tmp_path / "universe.toml"
    universe.write_text(
        f"[baskets]\nsmall = {small!r}\nlarge = ['SPY']\npairs = [['IWM', 'SPY']]\n"
        "[fred]\nseries = ['DFF']\n".replace("'", '"')
    )
    for name, value in {
        "SMALLCAP_UNIVERSE": str(universe),
        "FRED_API_KEY": "dummy",
        "SMALLCAP_FRED_BASE_URL": fred_url,
        "SMALLCAP_YAHOO_REQUESTS_PER_MINUTE": "0",
        "SMALLCAP_FRED_REQUESTS_PER_SECOND": "0",
        "SMALLCAP_SOURCE_RETRY_WAIT_SECONDS": "0",
    }.items():
        monkeypatch.setenv(name, value)
    days = trading_days(date(2023, 5, 1), LIVE_DATE)
    for ticker in ("IWM", "SPY"):
        yahoo.bars(ticker, [Bar(day=d, close=100.0 + i / 10) for i, d in enumerate(days)])
        yahoo.fundamentals(ticker, recorded_as="QQQ")
    yahoo.fed_funds_futures(LIVE_DATE, days)
    yahoo.unknown("NOPE")
    return str(tmp_path / "market.duckdb")


def test_failed_run_posts_the_report_naming_the_failed_dataset(
    webhook, monkeypatch, tmp_path, yahoo, closed_port
):
    warehouse = _live(tmp_path, monkeypatch, yahoo, ["IWM"], f"http://127.0.0.1:{closed_port}/fred")

    with pytest.raises(RunFailed):
        daily_etl(run_date=LIVE_DATE, source="live", warehouse=warehouse)

    assert len(webhook) == 1
    assert "failed" in webhook[0]["subject"]
    assert "rates:" in webhook[0]["body"] and "unreachable" in webhook[0]["body"]


def test_partial_run_posts_the_dataset_with_failed_keys(
    webhook, monkeypatch, tmp_path, yahoo, fred_server
):
    warehouse = _live(tmp_path, monkeypatch, yahoo, ["IWM", "NOPE"], fred_server.base_url)

    state = daily_etl(run_date=LIVE_DATE, source="live", warehouse=warehouse, return_state=True)

    assert state.is_completed() and "partial" in state.message
    assert len(webhook) == 1
    assert "partial" in webhook[0]["subject"]
    assert "| prices |" in webhook[0]["body"] and "partial" in webhook[0]["body"]


def test_successful_run_sends_nothing(webhook, tmp_path):
    daily_etl(run_date=RUN_DATE, source="sample", warehouse=str(tmp_path / "w.duckdb"))

    assert webhook == []
