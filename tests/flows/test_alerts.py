"""A failed or partial run posts what failed to the notification block named in settings."""

import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from prefect.blocks.notifications import CustomWebhookNotificationBlock

from flows.daily import RunFailed, daily_etl
from smallcap.errors import SourceError
from sources import dispatch
from sources.extraction import KeyFailure

RUN_DATE = date(2026, 11, 25)
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


def test_failed_run_posts_the_report_naming_the_failed_dataset(webhook, monkeypatch, tmp_path):
    def unreachable(*args, **kwargs):
        raise SourceError("FRED unreachable for DFF 2026-10-26..2026-11-25; retry later")

    monkeypatch.setattr(dispatch, "extract_rates", unreachable)

    with pytest.raises(RunFailed):
        daily_etl(run_date=RUN_DATE, source="sample", warehouse=str(tmp_path / "w.duckdb"))

    assert len(webhook) == 1
    assert "failed" in webhook[0]["subject"]
    assert "rates: FRED unreachable for DFF" in webhook[0]["body"]


def test_partial_run_posts_the_dataset_with_failed_keys(webhook, monkeypatch, tmp_path):
    real = dispatch.extract_prices

    def one_ticker_lost(*args, **kwargs):
        extraction = real(*args, **kwargs)
        extraction.failures.append(KeyFailure("prices", "DES", "SourceError", "no data"))
        return extraction

    monkeypatch.setattr(dispatch, "extract_prices", one_ticker_lost)

    state = daily_etl(
        run_date=RUN_DATE, source="sample", warehouse=str(tmp_path / "w.duckdb"), return_state=True
    )

    assert state.is_completed() and "partial" in state.message
    assert len(webhook) == 1
    assert "partial" in webhook[0]["subject"]
    assert "| prices |" in webhook[0]["body"] and "partial" in webhook[0]["body"]


def test_successful_run_sends_nothing(webhook, tmp_path):
    daily_etl(run_date=RUN_DATE, source="sample", warehouse=str(tmp_path / "w.duckdb"))

    assert webhook == []
