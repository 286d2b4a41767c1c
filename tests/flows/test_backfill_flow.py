"""The backfill flow on the sample source: chunk progress in the run logs, ledger, resumption."""

import logging
from datetime import date

import duckdb
import pytest

from flows.backfill import backfill

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_api")]

START, END = date(2025, 11, 3), date(2026, 1, 30)


def test_backfill_flow_loads_chunks_logs_progress_and_resumes(tmp_path, caplog):
    path = tmp_path / "sample.duckdb"
    caplog.set_level(logging.INFO)

    first = backfill(
        START, END, tickers=["IWM", "SPY"], source="sample", warehouse=str(path)
    ).chunks
    second = backfill(
        START, END, tickers=["SPY", "IWM"], source="sample", warehouse=str(path)
    ).chunks

    assert [r.chunk.name for r in first] == [
        "prices/IWM+SPY",
        "fundamentals/IWM+SPY",
        "rates/DFF+DFEDTAR+DFEDTARU+DFEDTARL+DGS2+DGS10+T10Y2Y+BAMLH0A0HYM2",
    ]
    assert not any(r.skipped for r in first) and all(r.skipped for r in second)
    assert "backfill " in caplog.text and "3 chunks, at most 0 requests" in caplog.text
    assert "chunk 1/3 prices/IWM+SPY:" in caplog.text
    assert "chunk 3/3" in caplog.text and "already done" in caplog.text
    assert "prices SPY: ok (2/2, 0 failed)" in caplog.text  # one line per key
    assert "wrote the HTML report" in caplog.text
    assert (tmp_path / "reports" / "sample.html").is_file()
    with duckdb.connect(str(path), read_only=True) as con:
        runs = con.execute("select flow, status from audit.runs").fetchall()
        pe = con.execute("select count(*) from mart.pe_spread_daily").fetchall()[0][0]
    assert runs == [("backfill", "success")] * 2
    assert pe > 0
