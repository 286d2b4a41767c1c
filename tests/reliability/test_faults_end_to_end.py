"""The fault matrix's promise end to end: `smallcap run` (Prefect flow, real task runner) over a
warehouse with history, one Yahoo ticker reset mid-connection and FRED answering one series with
its XML error document under status 200. The matrix itself drives the same steps without
Prefect (test_http_faults.py); this proves the flow wires them the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fakes import Reply
from live_runs import ATTEMPTS, KEY, RUN_DATE, SEED_DATE, TIMEOUT, UNIVERSE, read
from typer.testing import CliRunner

from cli.main import app

if TYPE_CHECKING:
    from live_runs import Sources

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_api")]

FRED_ERROR = b'<error code="400" message="Bad Request.  Variable api_key is not registered."/>'


def test_smallcap_run_ends_partial_with_the_faulty_keys_recorded_and_history_intact(
    sources: Sources, seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    universe = tmp_path / "universe.toml"
    universe.write_text(UNIVERSE)
    for name, value in {
        "SMALLCAP_UNIVERSE": str(universe),
        "FRED_API_KEY": KEY,
        "SMALLCAP_FRED_BASE_URL": sources.fred.base_url,
        "SMALLCAP_YAHOO_TIMEOUT_SECONDS": str(TIMEOUT),
        "SMALLCAP_FRED_TIMEOUT_SECONDS": str(TIMEOUT),
        "SMALLCAP_SOURCE_RETRY_ATTEMPTS": str(ATTEMPTS),
        "SMALLCAP_SOURCE_RETRY_WAIT_SECONDS": "0",
        "SMALLCAP_YAHOO_REQUESTS_PER_MINUTE": "0",
        "SMALLCAP_FRED_REQUESTS_PER_SECOND": "0",
        "SMALLCAP_HISTORY_YEARS": "1",
    }.items():
        monkeypatch.setenv(name, value)
    sources.yahoo.fault("chart", "IWM", Reply(reset=True))
    sources.fred.script("series/observations", "DGS2", Reply(body=FRED_ERROR))
    iwm = "select * from core.prices_daily where ticker = 'IWM' order by all"
    dgs2 = "select * from core.rates_daily where series_id = 'DGS2' order by all"
    before = read(seeded, iwm), read(seeded, dgs2)

    result = CliRunner().invoke(
        app, ["run", "--date", str(RUN_DATE), "--warehouse", str(seeded)], env={"COLUMNS": "200"}
    )

    assert result.exit_code == 3, result.output  # partial
    assert "failed prices key IWM (TransientSourceError)" in result.output
    assert "failed rates key DGS2 (PermanentSourceError)" in result.output
    runs = read(seeded, "select flow, status from audit.runs order by started_at")
    assert runs == [("daily-etl", "success"), ("daily-etl", "partial")]
    failures = read(  # the look-through's constituents are not served here
        seeded,
        "select dataset, key, error_class from audit.extract_failures "
        "where dataset in ('prices', 'fundamentals', 'rates', 'futures')",
    )
    assert sorted(failures) == [
        ("prices", "IWM", "TransientSourceError"),
        ("rates", "DGS2", "PermanentSourceError"),
    ]
    assert (read(seeded, iwm), read(seeded, dgs2)) == before
    assert read(seeded, "select max(date) from core.prices_daily where ticker = 'IWM'") == [
        (SEED_DATE,)
    ]
    assert read(seeded, "select max(date) from core.prices_daily where ticker = 'SPY'") == [
        (RUN_DATE,)
    ]
    assert sources.yahoo.count("chart", "IWM") <= 2 * ATTEMPTS
    assert sources.fred.count("series/observations", "DGS2") == 1
