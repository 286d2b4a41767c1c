"""`smallcap docs` writes dbt's self-contained docs site for the warehouse and prints its path."""

from typer.testing import CliRunner

from cli.main import app
from warehouse.connection import warehouse

runner = CliRunner()


def test_docs_writes_one_html_file_with_the_models_and_prints_its_path(tmp_path):
    path = tmp_path / "market.duckdb"
    with warehouse(path):
        pass
    out = tmp_path / "site"

    result = runner.invoke(app, ["docs", "--warehouse", str(path), "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("index.html")
    html = (out / "index.html").read_text()
    assert "pe_spread_daily" in html and "fraction, 0.25 = 25 %" in html


def test_docs_of_a_missing_warehouse_is_one_error_line(tmp_path):
    result = runner.invoke(app, ["docs", "--warehouse", str(tmp_path / "none.duckdb")])

    assert result.exit_code != 0
    assert "does not exist" in result.output
