"""`smallcap backfill`: a plan line, a summary, resumption on re-run, and one-line errors."""

import pytest
from typer.testing import CliRunner

from cli.main import app

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
    ],
)
def test_bad_backfill_arguments_fail_with_one_line(tmp_path, args, message, code):
    result = _backfill(*args, "--sample", "--warehouse", str(tmp_path / "x.duckdb"))

    assert result.exit_code == code
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
