"""Every run kind shares one lifecycle: when the BI publish fails the data stays loaded, the run
ends `partial` with the reason in audit.runs, and readers keep the previous snapshot."""

from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pytest
from helpers import SMALL_UNIVERSE, copy_published
from typer.testing import CliRunner

from cli.main import app
from flows.backfill import backfill
from flows.daily import daily_etl
from flows.reconcile import reconcile

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_api", "small_universe")]

RUN_DATE = date(2026, 1, 30)


def _daily(path: Path) -> None:
    daily_etl(run_date=RUN_DATE, source="sample", warehouse=str(path))


def _reconcile(path: Path) -> None:
    reconcile(days=3, source="sample", warehouse=str(path))


def _backfill_flow(path: Path) -> None:
    backfill(date(2026, 1, 5), RUN_DATE, source="sample", warehouse=str(path))


def _backfill_cli(path: Path) -> None:
    args = ["backfill", "--start", "2026-01-05", "--end", str(RUN_DATE), "--sample"]
    result = CliRunner().invoke(app, [*args, "--warehouse", str(path)])
    assert result.exit_code in (0, 3), result.output


RUN_KINDS: dict[str, tuple[Callable[[Path], None], str]] = {
    "daily": (_daily, "daily-etl"),
    "reconcile": (_reconcile, "reconcile"),
    "backfill flow": (_backfill_flow, "backfill"),
    "backfill cli": (_backfill_cli, "backfill"),
}


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A first, published daily run on SMALL_UNIVERSE (once for the module; tests copy it)."""
    folder = tmp_path_factory.mktemp("first-run")
    universe = folder / "universe.toml"
    universe.write_text(SMALL_UNIVERSE)
    path = folder / "sample.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SMALLCAP_UNIVERSE", str(universe))
        _daily(path)
    return path


@pytest.mark.parametrize("kind", RUN_KINDS)
def test_a_failed_publish_ends_the_run_partial_and_keeps_the_previous_snapshot(
    kind, first_run, tmp_path, monkeypatch
):
    run, flow = RUN_KINDS[kind]
    path = tmp_path / first_run.name
    snapshot = copy_published(first_run, path)
    before = snapshot.read_bytes()

    monkeypatch.setenv("SMALLCAP_BI_STORAGE_VERSION", "v99.0.0")  # DuckDB refuses to write it
    run(path)

    with duckdb.connect(str(path), read_only=True) as con:
        status, message = con.execute(
            "select status, message from audit.runs where flow = ? order by started_at desc",
            [flow],
        ).fetchall()[0]
        loaded = con.execute("select count(*) from core.prices_daily").fetchall()[0][0]
    assert status == "partial"
    assert "BI snapshot not published" in message
    assert loaded > 0
    assert snapshot.read_bytes() == before
