"""`smallcap run` (live source) end to end, with fakes only at the network edge.

Yahoo is answered by ``responses`` (real yfinance parsing of synthetic chart bodies built on the
recorded chart, and the recorded QQQ quoteSummary for every fund, whose top 10 holdings are
then quoted in one batch); FRED by the loopback server (recorded DFF XML). One ticker and one
series are unknown, so the run ends `partial`.
"""

from __future__ import annotations

import logging
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest
import requests
from fakes import Bar, yfinance_session
from typer.testing import CliRunner

from cli.main import app
from contracts.calendar import trading_days

if TYPE_CHECKING:
    from click.testing import Result
    from fakes import FredStub, YahooMock

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_api")]

RUN_DATE = date(2023, 6, 6)  # the recorded DFF observations end on this day
KEY = "fredkey-Zq8vX3-never-leak-7Rk2"
FUNDS = ("IWM", "SPY", "QQQ")
# QQQ's top 10 in the recorded quoteSummary: every fund's holdings here (no issuer file)
TOP_10 = ("AAPL", "MSFT", "NVDA", "AMZN", "AVGO", "META", "TSLA", "GOOGL", "GOOG", "COST")
UNIVERSE = """
[baskets]
small = ["IWM", "NOPE"]
large = ["SPY", "QQQ"]
pairs = [["IWM", "SPY"]]

[fred]
series = ["DFF", "DGS10", "NOPESERIES"]
"""


@pytest.fixture
def live_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings for a live run into tmp_path: no waits, no rate limits, a small universe."""
    universe = tmp_path / "universe.toml"
    universe.write_text(UNIVERSE)
    for name, value in {
        "SMALLCAP_UNIVERSE": str(universe),
        "FRED_API_KEY": KEY,
        "SMALLCAP_YAHOO_REQUESTS_PER_MINUTE": "0",
        "SMALLCAP_FRED_REQUESTS_PER_SECOND": "0",
        "SMALLCAP_SOURCE_RETRY_WAIT_SECONDS": "0",
        "SMALLCAP_YAHOO_CACHE_DIR": str(tmp_path / "yfinance"),
    }.items():
        monkeypatch.setenv(name, value)
    return tmp_path / "market.duckdb"


def run_cli(path: Path) -> Result:
    return CliRunner().invoke(app, ["run", "--date", str(RUN_DATE), "--warehouse", str(path)])


def serve_sources(yahoo: YahooMock, fred: FredStub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMALLCAP_FRED_BASE_URL", fred.base_url)
    days = trading_days(date(2023, 5, 1), RUN_DATE)
    for n, ticker in enumerate(FUNDS):
        yahoo.bars(ticker, [Bar(day=d, close=100.0 + n + i / 10) for i, d in enumerate(days)])
        yahoo.fundamentals(ticker, recorded_as="QQQ")
    yahoo.unknown("NOPE")
    yahoo.fed_funds_futures(RUN_DATE, days)
    yahoo.batch_quotes({symbol: {} for symbol in TOP_10})
    fred.observations("DGS10", {date(2023, 6, 1): "3.61", date(2023, 6, 2): ".", RUN_DATE: "3.69"})
    fred.serve_file("series", "DGS10", "DFF_series_info.xml")  # any series' metadata will do


def read(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(sql).fetchall()


def varchar_columns(path: Path) -> list[tuple[str, str, str]]:
    return read(
        path,
        "select table_schema, table_name, column_name from information_schema.columns "
        "where data_type in ('VARCHAR', 'JSON') and table_catalog = current_database()",
    )


def test_live_run_loads_yahoo_and_fred_and_ends_partial_on_one_bad_key(
    live_env: Path, yahoo: YahooMock, fred_server: FredStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_sources(yahoo, fred_server, monkeypatch)

    result = run_cli(live_env)

    assert result.exit_code == 3, result.output  # partial
    assert read(live_env, "select status from audit.runs") == [("partial",)]
    loaded = read(
        live_env,
        "select 'prices', ticker, source, count(*) from core.prices_daily group by all union all "
        "select 'funds', ticker, source, count(*) from core.fundamentals_daily group by all "
        "union all select 'rates', series_id, source, count(*) from core.rates_daily group by all "
        "order by all",
    )
    days = len(trading_days(date(2023, 5, 1), RUN_DATE))
    assert loaded == [
        ("funds", "IWM", "yahoo", 1), ("funds", "QQQ", "yahoo", 1), ("funds", "SPY", "yahoo", 1),
        ("prices", "IWM", "yahoo", days), ("prices", "QQQ", "yahoo", days),
        ("prices", "SPY", "yahoo", days),
        ("rates", "DFF", "fred", 157), ("rates", "DGS10", "fred", 3),
    ]  # fmt: skip
    failures = read(live_env, "select dataset, key, error_class from audit.extract_failures")
    assert sorted(failures) == [
        ("fundamentals", "NOPE", "PermanentSourceError"),
        ("holdings", "NOPE", "PermanentSourceError"),
        ("prices", "NOPE", "PermanentSourceError"),
        ("rates", "NOPESERIES", "PermanentSourceError"),
    ]
    assert read(live_env, "select count(*) from core.rates_daily where value is null") == [(1,)]
    assert read(live_env, "select count(*) from mart.pe_spread_daily") == [(1,)]
    # Yahoo's top 10 only: quoted, counted, and too small a part of a fund for a forward P/E
    assert read(
        live_env,
        "select fund, partial, constituents, unquoted, forward_pe from mart.fund_valuation_daily "
        "order by fund",
    ) == [(f, True, 10, 0, None) for f in sorted(FUNDS)]


def test_fred_key_appears_in_no_log_output_prefect_record_or_warehouse_value(
    live_env: Path,
    yahoo: YahooMock,
    fred_server: FredStub,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from prefect.client.orchestration import get_client

    caplog.set_level(logging.DEBUG)
    serve_sources(yahoo, fred_server, monkeypatch)

    result = run_cli(live_env)

    assert [KEY] in [q.get("api_key") for q in fred_server.queries]  # the key was really sent
    logged = "\n".join(f"{r.getMessage()} {r.args} {r.exc_text or ''}" for r in caplog.records)
    captured = capsys.readouterr()
    assert caplog.records and KEY not in logged
    assert KEY not in captured.out + captured.err + result.output
    assert result.exception is None or KEY not in repr(result.exception)
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs()
        prefect_text = "\n".join(
            [repr(r.parameters) + repr(r.state) for r in runs]
            + [repr(a.data) + repr(a.description) for a in client.read_artifacts()]
            + [log.message for log in client.read_logs()]
        )
    assert runs and KEY not in prefect_text
    columns = varchar_columns(live_env)
    assert len(columns) > 20
    with duckdb.connect(str(live_env), read_only=True) as con:
        leaks = [
            f"{s}.{t}.{c}"
            for s, t, c in columns
            if con.sql(
                f'select count(*) from "{s}"."{t}" where contains("{c}"::varchar, ?)',
                params=[KEY],
            ).fetchall()[0][0]
        ]
    assert leaks == []
    errors = read(live_env, "select message from audit.extract_failures where key = 'NOPESERIES'")
    assert errors and "series does not exist" in errors[0][0]


def test_no_network_fails_each_source_within_seconds_and_leaves_the_warehouse_valid(
    live_env: Path, monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    monkeypatch.setenv("SMALLCAP_FRED_BASE_URL", f"http://127.0.0.1:{closed_port}/fred")
    monkeypatch.setenv("SMALLCAP_SOURCE_RETRY_WAIT_SECONDS", "0.5")
    refused = requests.Session()  # every Yahoo request goes to a proxy nobody listens on
    refused.trust_env = False
    refused.proxies = dict.fromkeys(("http", "https"), f"http://127.0.0.1:{closed_port}")
    began = time.monotonic()

    with yfinance_session(refused):
        result = run_cli(live_env)

    elapsed = time.monotonic() - began
    assert result.exit_code != 0
    assert elapsed < 60
    lines = [line for line in result.output.splitlines() if "source unreachable" in line]
    for dataset in ("prices", "fundamentals", "rates"):
        assert any(line.startswith(f"error: {dataset}:") for line in lines), result.output
    assert read(live_env, "select status from audit.runs") == [("failed",)]
    assert read(live_env, "select count(*) > 0 from audit.schema_migrations") == [(True,)]
    assert read(live_env, "select count(*) from core.prices_daily") == [(0,)]


def test_a_batch_that_cannot_reach_yahoo_fails_only_its_keys(
    live_env: Path, yahoo: YahooMock, fred_server: FredStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Prices in batches of 3 (IWM, SPY, QQQ | DOWNA, DOWNB): the second batch's connections are
    refused, so it gives up as a whole; its keys fail and the first batch loads."""
    universe = live_env.parent / "batches.toml"
    universe.write_text(
        UNIVERSE.replace(
            'small = ["IWM", "NOPE"]', 'small = ["IWM"]\nindex = ["DOWNA", "DOWNB"]'
        ).replace(', "NOPESERIES"', "")
    )
    monkeypatch.setenv("SMALLCAP_UNIVERSE", str(universe))
    monkeypatch.setenv("SMALLCAP_EXTRACT_BATCH_SIZE", "3")
    serve_sources(yahoo, fred_server, monkeypatch)
    refused = requests.ConnectionError(ConnectionRefusedError(111, "Connection refused"))
    for ticker in ("DOWNA", "DOWNB"):
        yahoo.chart(ticker, (200, refused))

    result = run_cli(live_env)

    assert result.exit_code == 3, result.output  # partial
    prices = read(live_env, "select ticker, count(*) from core.prices_daily group by 1 order by 1")
    days = len(trading_days(date(2023, 5, 1), RUN_DATE))
    assert prices == [("IWM", days), ("QQQ", days), ("SPY", days)]
    failures = read(
        live_env, "select dataset, key, error_class, message from audit.extract_failures"
    )
    assert sorted(f[:3] for f in failures) == [
        ("prices", "DOWNA", "SourceError"),
        ("prices", "DOWNB", "SourceError"),
    ]
    assert all("source unreachable" in f[3] for f in failures)
