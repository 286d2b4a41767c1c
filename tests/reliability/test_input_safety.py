"""Input safety: tickers, series ids, table and dataset names and warehouse paths carrying SQL
metacharacters or path traversal, and absurd dates, are refused with one clear line before
anything runs; the warehouse they were aimed at is untouched. (That no SQL is built from such
strings at all is checked statically in tests/test_sql_safety.py.)
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest
from live_runs import RUN_DATE, UNIVERSE, read
from typer.testing import CliRunner

from cli.main import app, main
from contracts.errors import ConfigError
from contracts.settings import get_settings
from contracts.universe import load_universe
from pipeline import steps
from pipeline.backfill import plan_backfill
from sources.fred import fetch_series
from sources.yahoo import fetch_prices

INJECTION = "IWM'; drop table core.prices_daily; --"
TRAVERSAL = "../../etc/passwd"
SECRET = "mdtoken-must-not-echo-91x"


def smallcap(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str]:
    """The console script in-process: (exit code, everything it printed)."""
    monkeypatch.setattr(sys, "argv", ["smallcap", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    out = capsys.readouterr()
    return int(exited.value.code or 0), out.out + out.err


def toml_string(value: str) -> str:
    """``value`` as a TOML literal string (single quotes) or, if it holds one, a basic one."""
    return f"'{value}'" if "'" not in value else '"' + value.replace('"', '\\"') + '"'


def core_intact(path: Path, rows: int) -> bool:
    return read(path, "select count(*) from core.prices_daily") == [(rows,)]


@pytest.mark.parametrize("ticker", [INJECTION, TRAVERSAL, "iwm", "I W M", ""])
def test_a_universe_with_a_bad_ticker_is_refused_naming_it(tmp_path: Path, ticker: str) -> None:
    path = tmp_path / "universe.toml"
    path.write_text(UNIVERSE.replace('"IJR"', toml_string(ticker)))

    with pytest.raises(ConfigError, match=r"universe.toml: small: invalid ticker"):
        load_universe(path)


@pytest.mark.parametrize(
    "series_id", ["DFF; drop table core.rates_daily", TRAVERSAL, "DFF&api_key=x"]
)
def test_a_universe_with_a_bad_series_id_is_refused(tmp_path: Path, series_id: str) -> None:
    path = tmp_path / "universe.toml"
    path.write_text(UNIVERSE.replace('"DGS2"', toml_string(series_id)))

    with pytest.raises(ConfigError, match=r"universe.toml: fred_series: invalid FRED series id"):
        load_universe(path)


@pytest.mark.parametrize("ticker", [INJECTION, TRAVERSAL])
def test_backfill_refuses_a_bad_ticker_and_touches_nothing(
    capsys, monkeypatch, seeded: Path, ticker: str
) -> None:
    rows = read(seeded, "select count(*) from core.prices_daily")[0][0]

    code, printed = smallcap(
        capsys, monkeypatch, "backfill", "--start", "2025-01-02", "--end", "2025-01-31",
        "--tickers", ticker, "--warehouse", str(seeded),
    )  # fmt: skip

    assert code == 1
    assert "error: invalid tickers" in printed and len(printed.strip().splitlines()) == 1
    assert core_intact(seeded, rows)


def test_backfill_refuses_an_empty_ticker_list(capsys, monkeypatch, tmp_path: Path) -> None:
    code, printed = smallcap(
        capsys, monkeypatch, "backfill", "--start", "2025-01-02", "--end", "2025-01-31",
        "--tickers", ",", "--sample", "--warehouse", str(tmp_path / "w.duckdb"),
    )  # fmt: skip

    assert code == 1 and "error: no tickers given" in printed
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("export", "--to", "out", "--tables", "core.prices_daily; drop table core.prices_daily"),
         "no such table"),
        (("export", "--to", "out", "--tables", TRAVERSAL), "no such table"),
        (("quarantine", "show", "--dataset", "prices; drop table core.prices_daily"),
         "unknown dataset"),
        (("quarantine", "purge", "--dataset", TRAVERSAL, "--yes"), "unknown dataset"),
    ],
)  # fmt: skip
def test_table_and_dataset_names_only_select_from_the_closed_set(
    capsys, monkeypatch, seeded: Path, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    rows = read(seeded, "select count(*) from core.prices_daily")[0][0]

    code, printed = smallcap(capsys, monkeypatch, *args, "--warehouse", str(seeded))

    assert code == 1 and message in printed
    assert core_intact(seeded, rows)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize(
    ("warehouse", "message"),
    [
        (TRAVERSAL, "climbs out of its folder with '..'"),
        ("warehouse/../../../tmp/x.duckdb", "climbs out of its folder with '..'"),
        ("w'; drop table core.prices_daily; --.duckdb", "holds a quote, semicolon"),
        ("/tmp/a.duckdb\nattach", "control character"),
        ("warehouse/market.db", "must be a .duckdb file"),
        (f"md:smallcap?motherduck_token={SECRET}", "md:<database>"),
        ("md:smallcap", "MotherDuck (md:) warehouses are not supported yet"),
    ],
)
@pytest.mark.parametrize("command", [("status",), ("run", "--sample")])
def test_a_bad_warehouse_path_is_refused_in_one_line(
    capsys, monkeypatch, tmp_path: Path, warehouse: str, message: str, command: tuple[str, ...]
) -> None:
    monkeypatch.chdir(tmp_path)

    code, printed = smallcap(capsys, monkeypatch, *command, "--warehouse", warehouse)

    assert code == 1
    assert "SMALLCAP_WAREHOUSE" in printed and message in printed
    assert len(printed.strip().splitlines()) == 1 and "Traceback" not in printed
    assert SECRET not in printed
    assert list(tmp_path.iterdir()) == []  # no file, no folder was created


def test_a_bad_warehouse_in_the_environment_is_refused(capsys, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("SMALLCAP_WAREHOUSE", TRAVERSAL)

    code, printed = smallcap(capsys, monkeypatch, "status")

    assert code == 1 and "invalid setting SMALLCAP_WAREHOUSE" in printed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("run", "--sample", "--date", "1800-01-02"), "--date 1800-01-02 is outside 1990-01-02.."),
        (("run", "--sample", "--date", "3000-01-02"), "--date 3000-01-02 is outside 1990-01-02.."),
        (("run", "--date", "2999-12-31"), "is outside"),
        (("backfill", "--start", "2025-03-01", "--end", "2025-01-01", "--sample"),
         "start 2025-03-01 is after end 2025-01-01"),
        (("backfill", "--start", "1800-01-02", "--end", "2025-01-01", "--sample"),
         "start 1800-01-02 is outside"),
        (("backfill", "--start", "2025-01-02", "--end", "3000-01-01", "--sample"),
         "end 3000-01-01 is outside"),
    ],
)  # fmt: skip
def test_absurd_dates_are_refused_before_anything_runs(
    capsys, monkeypatch, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    target = tmp_path / "w.duckdb"

    code, printed = smallcap(capsys, monkeypatch, *args, "--warehouse", str(target))

    assert code == 1 and message in printed
    assert not target.exists()


def test_a_live_run_date_after_today_is_refused(capsys, monkeypatch, tmp_path: Path) -> None:
    tomorrow = date.fromordinal(date.today().toordinal() + 2)

    result = CliRunner().invoke(
        app, ["run", "--date", str(tomorrow), "--warehouse", str(tmp_path / "w.duckdb")]
    )

    assert result.exit_code == 1
    assert f"--date {tomorrow} is after today" in result.output


def test_the_pipeline_refuses_what_the_cli_refuses(tmp_path: Path, sources, settings) -> None:
    """Prefect parameters reach the same checks: the flows call these functions."""
    with pytest.raises(ConfigError, match="run date 1800-01-02 is outside"):
        steps.prepare(
            tmp_path / "w.duckdb", source="live", run_date=date(1800, 1, 2), settings=settings
        )
    with pytest.raises(ConfigError, match="after end"):
        plan_backfill(RUN_DATE, date(2025, 1, 2), settings=settings)
    with pytest.raises(ConfigError, match="invalid tickers"):
        plan_backfill(date(2025, 1, 2), RUN_DATE, settings=settings, tickers=[INJECTION])
    with pytest.raises(ConfigError, match="SMALLCAP_WAREHOUSE"):
        get_settings(warehouse=TRAVERSAL)  # what flows/daily.py does with its parameter
    assert not (tmp_path / "w.duckdb").exists()


def test_sources_refuse_keys_that_would_change_their_urls(sources) -> None:
    with pytest.raises(ConfigError, match="invalid tickers"):
        fetch_prices(["IWM/../v7/finance/quote"], date(2025, 6, 2), date(2025, 6, 6))
    with pytest.raises(ConfigError, match="invalid FRED series ids"):
        fetch_series(
            ["DFF&file_type=json"], date(2025, 6, 2), date(2025, 6, 6),
            api_key="k", base_url=sources.fred.base_url,
        )  # fmt: skip
    assert sources.yahoo.hits == [] and sources.fred.hits == []
