"""What a shell user expects of `smallcap`: --version, output formats that pipe well, the
effective configuration with its origins, shell completion, --json documents, exit code 2."""

import json
import shlex
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from contracts.settings import PROJECT_ROOT, Settings
from contracts.version import code_version
from warehouse.connection import warehouse

runner = CliRunner()
SMALLCAP = str(Path(sys.executable).with_name("smallcap"))


@pytest.fixture
def empty_warehouse(tmp_path) -> Path:
    path = tmp_path / "w.duckdb"
    with warehouse(path):
        pass
    return path


def test_version_names_the_package_version_and_the_git_revision():
    result = runner.invoke(app, ["--version"])

    assert result.exit_code == 0
    assert result.output.strip() == f"smallcap-etl {version('smallcap-etl')} (git {code_version()})"


def test_sql_piped_into_cat_prints_the_header_then_the_row(empty_warehouse):
    command = f"{SMALLCAP} sql 'select 1 as a' --warehouse {shlex.quote(str(empty_warehouse))}"

    result = subprocess.run(f"{command} | cat", shell=True, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["a", "1"]


def test_sql_formats_json_and_markdown_and_writes_to_a_file(empty_warehouse, tmp_path):
    query = "select 1 as a, date '2025-01-02' as d, 'x|y' as s union all select 2, null, null"
    args = [query, "--warehouse", str(empty_warehouse)]

    as_json = runner.invoke(app, ["sql", *args, "--format", "json"])
    markdown = runner.invoke(app, ["sql", *args, "--format", "markdown"])
    to_file = runner.invoke(app, ["sql", *args, "--output", str(tmp_path / "out.csv")])

    assert json.loads(as_json.stdout) == [
        {"a": 1, "d": "2025-01-02", "s": "x|y"},
        {"a": 2, "d": None, "s": None},
    ]
    assert markdown.stdout.splitlines() == [
        "| a | d | s |",
        "|---|---|---|",
        "| 1 | 2025-01-02 | x\\|y |",
        "| 2 |  |  |",
    ]
    assert to_file.exit_code == 0 and to_file.stdout == ""
    assert (tmp_path / "out.csv").read_text().splitlines() == ["a,d,s", "1,2025-01-02,x|y", "2,,"]


def test_an_unknown_format_is_a_usage_error_exit_2(empty_warehouse):
    result = runner.invoke(app, ["sql", "select 1", "--format", "xml"])

    assert result.exit_code == 2


def test_config_names_each_origin_and_masks_the_secret(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("SMALLCAP_HISTORY_YEARS=7\nSMALLCAP_TASK_WORKERS=2\n")
    monkeypatch.setitem(Settings.model_config, "env_file", env_file)
    monkeypatch.setenv("FRED_API_KEY", "not-a-real-key-123")
    monkeypatch.setenv("SMALLCAP_TASK_WORKERS", "3")  # the environment beats .env

    result = runner.invoke(app, ["config", "--json", "--warehouse", str(tmp_path / "w.duckdb")])

    assert result.exit_code == 0, result.output
    assert "not-a-real-key-123" not in result.output
    rows = {r["variable"]: r for r in json.loads(result.stdout)["settings"]}
    assert rows["SMALLCAP_WAREHOUSE"] == {
        "setting": "warehouse",
        "variable": "SMALLCAP_WAREHOUSE",
        "value": str(tmp_path / "w.duckdb"),
        "origin": "flag",
    }
    assert (rows["FRED_API_KEY"]["value"], rows["FRED_API_KEY"]["origin"]) == (
        "********",
        "environment",
    )
    assert (rows["SMALLCAP_TASK_WORKERS"]["value"], rows["SMALLCAP_TASK_WORKERS"]["origin"]) == (
        "3",
        "environment",
    )
    assert (rows["SMALLCAP_HISTORY_YEARS"]["value"], rows["SMALLCAP_HISTORY_YEARS"]["origin"]) == (
        "7",
        ".env",
    )
    assert rows["SMALLCAP_LOCK_TIMEOUT_SECONDS"]["origin"] == "default"


def test_the_env_file_is_the_project_root_one_from_any_directory(tmp_path):
    result = subprocess.run(
        [SMALLCAP, "config", "--json"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["env_file"] == str(PROJECT_ROOT / ".env")


def test_shell_completion_completes_commands_and_prints_its_script():
    asking = {
        "_SMALLCAP_COMPLETE": "complete_bash",
        "COMP_WORDS": "smallcap qua",
        "COMP_CWORD": "1",
    }
    complete = subprocess.run([SMALLCAP], env=asking, capture_output=True, text=True, timeout=60)
    script = subprocess.run(
        [SMALLCAP, "--show-completion", "bash"], capture_output=True, text=True, timeout=60
    )

    assert complete.stdout.split() == ["quarantine"]
    assert "_SMALLCAP_COMPLETE=complete_bash" in script.stdout


def test_bad_quarantine_ids_are_a_usage_error_exit_2(quarantined_warehouse):
    result = runner.invoke(
        app, ["quarantine", "release", "--ids", "x1", "--warehouse", str(quarantined_warehouse)]
    )

    assert result.exit_code == 2
    assert "must be integers" in result.output


def test_quarantine_list_json_counts_rows_per_reason(quarantined_warehouse):
    result = runner.invoke(
        app, ["quarantine", "list", "--json", "--warehouse", str(quarantined_warehouse)]
    )

    assert result.exit_code == 0, result.output
    assert [(r["dataset"], r["reason"], r["rows"]) for r in json.loads(result.stdout)] == [
        ("prices", "old_suite_rule(close)", 2)
    ]


def test_backfill_json_is_one_document_with_the_status_and_the_report(tmp_path, small_universe):
    path = tmp_path / "b.duckdb"
    args = ["backfill", "--start", "2025-12-01", "--end", "2025-12-31", "--sample", "--json"]

    result = runner.invoke(app, [*args, "--warehouse", str(path)])

    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["status"] == "success"
    assert doc["loaded"]["prices"] == doc["datasets"]["prices"]["rows_loaded"] > 0
    assert Path(doc["html_report"]) == path.parent / "reports" / "b.html"
    assert Path(doc["html_report"]).is_file()
