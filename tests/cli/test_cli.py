"""The CLI's contract: one clear error line and a non-zero exit, never a traceback."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli.main import app
from contracts.datasets import RATES
from warehouse.connection import warehouse
from warehouse.loader import load_batch

runner = CliRunner()


def _seed(path) -> None:
    rates = pd.DataFrame(
        {
            "series_id": ["DFF"],
            "date": pd.to_datetime(["2025-01-02"]),
            "value": [4.33],
            "source": ["sample"],
        }
    )
    with warehouse(path) as con:
        load_batch(con, RATES, rates, rates.iloc[:0].assign(reason=""), run_id="r1")


def test_bad_date_is_one_line_and_usage_exit_2():
    result = runner.invoke(app, ["run", "--sample", "--date", "2026-13-01"])

    assert result.exit_code == 2
    assert "is not a date" in result.output
    assert "Traceback" not in result.output


def test_invalid_universe_fails_before_anything_runs(tmp_path, monkeypatch):
    bad = tmp_path / "u.toml"
    bad.write_text('[baskets]\nsmall = ["iwm"]\nlarge = ["SPY"]\n[fred]\nseries = ["DFF"]\n')
    monkeypatch.setenv("SMALLCAP_UNIVERSE", str(bad))

    result = runner.invoke(app, ["run", "--sample", "--warehouse", str(tmp_path / "w.duckdb")])

    assert result.exit_code == 1
    assert "invalid ticker 'iwm'" in result.output
    assert not (tmp_path / "w.duckdb").exists()


def test_sql_prints_rows_and_refuses_writes(tmp_path):
    path = tmp_path / "w.duckdb"
    _seed(path)

    ok = runner.invoke(
        app, ["sql", "select series_id, value from core.rates_daily", "--warehouse", str(path)]
    )
    write = runner.invoke(app, ["sql", "delete from core.rates_daily", "--warehouse", str(path)])

    assert ok.exit_code == 0 and "DFF" in ok.output and "4.33" in ok.output
    assert write.exit_code == 1 and "read-only" in write.output.lower()


def test_status_json_reports_latest_dates_and_bi_database(tmp_path):
    path = tmp_path / "w.duckdb"
    _seed(path)

    result = runner.invoke(app, ["status", "--json", "--warehouse", str(path)])

    doc = json.loads(result.output)
    assert result.exit_code == 0
    assert doc["datasets"]["rates"] == [
        {"key": "DFF", "first_date": "2025-01-02", "last_date": "2025-01-02", "rows": 1}
    ]
    assert doc["bi_database"].endswith("bi/w.duckdb")


def test_status_on_a_missing_warehouse_says_how_to_create_it(tmp_path):
    result = runner.invoke(app, ["status", "--warehouse", str(tmp_path / "none.duckdb")])

    assert result.exit_code == 1
    assert "smallcap run" in result.output


def test_dask_runner_without_prefect_dask_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("SMALLCAP_TASK_RUNNER", "dask")
    monkeypatch.setitem(sys.modules, "prefect_dask", None)  # not installed
    monkeypatch.delitem(sys.modules, "flows.daily", raising=False)

    result = runner.invoke(app, ["run", "--sample", "--warehouse", str(tmp_path / "w.duckdb")])

    assert result.exit_code == 1
    assert "needs prefect-dask" in result.output
    assert "Traceback" not in result.output


def test_console_script_turns_an_unhandled_config_error_into_one_line(tmp_path):
    env = {**os.environ, "SMALLCAP_HISTORY_YEARS": "three"}
    result = subprocess.run(
        [sys.executable, "-c", "from cli.main import main; main()", "status"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip

    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: invalid setting SMALLCAP_HISTORY_YEARS")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "1", "did not start within 1s"),
        ("PREFECT_API_URL", "http://127.0.0.1:{port}/api", "cannot reach the Prefect API"),
    ],
)
def test_an_unreachable_prefect_api_is_one_line_naming_the_setting(
    setting, value, named, tmp_path, closed_port
):
    """A temporary server slower than its start-up timeout, or an API URL nobody answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    warehouse = str(tmp_path / "w.duckdb")
    env |= {setting: value.format(port=closed_port), "SMALLCAP_WAREHOUSE": warehouse}
    # a home of its own: a local server `smallcap server start` left in ~/.prefect would be reused
    env["PREFECT_HOME"] = str(tmp_path / "prefect")
    result = subprocess.run(
        [sys.executable, "-c", "from cli.main import main; main()", "run", "--sample"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip

    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and named in errors[0] and setting in errors[0]
    assert "Traceback" not in result.stderr
