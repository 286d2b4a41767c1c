"""`smallcap backfill`: a plan line, a summary, resumption on re-run, one-line errors, and a
rates-only backfill of decades of real FRED history while Yahoo is unreachable."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import pytest
import requests
from fakes import REAL, real_file, yfinance_session
from helpers import FED_TARGET_UNIVERSE
from typer.testing import CliRunner

from cli.main import app

if TYPE_CHECKING:
    from fakes import FredStub

runner = CliRunner()


def _backfill(*args: str):
    return runner.invoke(app, ["backfill", *args], env={"COLUMNS": "200"})


def test_backfill_twice_loads_once_then_resumes_with_every_chunk_done(tmp_path, small_universe):
    path = str(tmp_path / "b.duckdb")
    args = ("--start", "2025-12-01", "--end", "2026-01-31", "--sample", "--warehouse", path)

    first, second = _backfill(*args), _backfill(*args, "--tickers", "spy,iwm")

    assert first.exit_code == 0, first.output
    assert "3 chunks (0 already done), at most 0 requests" in first.output
    assert "backfill done: loaded" in first.output and "prices" in first.output
    assert second.exit_code == 0, second.output
    assert "3 chunks (3 already done)" in second.output
    assert "loaded nothing new" in second.output


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        # a value that does not parse is a usage error (2), like Click's own
        (("--start", "2025-02-30", "--end", "2025-03-01"), "--start '2025-02-30' is not a date", 2),
        (("--start", "2025-03-01", "--end", "2025-01-01"), "start 2025-03-01 is after end", 1),
        (
            ("--start", "2025-01-01", "--end", "2025-03-01", "--tickers", "I W M"),
            "invalid tickers",
            1,
        ),
        (
            ("--start", "2025-01-01", "--end", "2025-03-01", "--datasets", "rates,bonds"),
            "bonds",
            1,
        ),
    ],
)
def test_bad_backfill_arguments_fail_with_one_line(tmp_path, args, message, code):
    result = _backfill(*args, "--sample", "--warehouse", str(tmp_path / "x.duckdb"))

    assert result.exit_code == code
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def serve_real_history(stub: FredStub, series_id: str) -> None:
    """The recorded FRED download of ``series_id``, served like the FRED API (windowed)."""
    frame = pd.read_csv(real_file(REAL / "rates" / f"{series_id}_fredgraph.csv"), dtype=str)
    days = pd.to_datetime(frame["observation_date"]).dt.date
    stub.observations(series_id, dict(zip(days, frame[series_id], strict=True)))
    stub.series_info(series_id, days.iloc[0], days.iloc[-1])


@pytest.mark.integration
def test_rates_backfill_over_live_fred_finds_every_cycle_while_yahoo_is_down(
    tmp_path, fred_server: FredStub, closed_port, monkeypatch
):
    universe = tmp_path / "universe.toml"
    universe.write_text(FED_TARGET_UNIVERSE)
    for name, value in {
        "SMALLCAP_UNIVERSE": str(universe),
        "FRED_API_KEY": "backfill-test-key",
        "SMALLCAP_FRED_BASE_URL": fred_server.base_url,
        "SMALLCAP_FRED_REQUESTS_PER_SECOND": "0",
        "SMALLCAP_SOURCE_RETRY_WAIT_SECONDS": "0",
    }.items():
        monkeypatch.setenv(name, value)
    for series_id in ("DFEDTAR", "DFEDTARU", "DFEDTARL"):
        serve_real_history(fred_server, series_id)
    refused = requests.Session()  # any Yahoo request would go to a proxy nobody listens on
    refused.trust_env = False
    refused.proxies = dict.fromkeys(("http", "https"), f"http://127.0.0.1:{closed_port}")
    path = tmp_path / "market.duckdb"

    with yfinance_session(refused):
        result = _backfill(
            "--start", "1994-01-01", "--end", "2025-12-10", "--datasets", "rates",
            "--warehouse", str(path),
        )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "1 chunks (0 already done), at most 3 requests" in result.output  # whole range
    with duckdb.connect(str(path), read_only=True) as con:
        cycles = con.sql(
            "select cycle_start, history_complete from mart.rate_cut_cycles order by all"
        ).fetchall()
        groups = con.sql("select distinct dataset from audit.backfill_chunks").fetchall()
        prices = con.sql("select count(*) from core.prices_daily").fetchall()
    assert cycles == [
        (date(1995, 7, 6), True),
        (date(1998, 9, 29), True),
        (date(2001, 1, 3), True),
        (date(2007, 9, 18), True),
        (date(2019, 8, 1), True),
        (date(2024, 9, 19), True),
    ]
    assert groups == [("rates",)] and prices == [(0,)]
    assert [fred_server.count("series", s) for s in ("DFEDTAR", "DFEDTARU", "DFEDTARL")] == [0] * 3
