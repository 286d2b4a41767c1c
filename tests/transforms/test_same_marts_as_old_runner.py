"""Before/after: the dbt build gives the same marts as the SQL runner it replaced (commit
f0099fd) on the same sample core data. A mart changed on purpose later leaves MARTS."""

import importlib.util
import shutil
import subprocess
import tarfile
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest

from contracts.settings import Settings
from pipeline import backfill as bf
from warehouse.checksums import table_checksum
from warehouse.connection import warehouse

REPO = Path(__file__).resolve().parents[2]
OLD_COMMIT = "f0099fd"
# changed on purpose since: pe_spread_daily (P/E provenance, the look-through forward view),
# etf_flows_daily and size_rotation_daily (stale AUM, splits, gaps, coverage)
MARTS = (
    "mart.rate_cut_cycles",
    "mart.size_returns_after_cuts",
)
UNIVERSE = """
[baskets]
small = ["IWM", "IJR"]
large = ["SPY"]
index = ["^RUT"]
pairs = [["IWM", "SPY"], ["IJR", "SPY"]]

[fred]
series = ["DFF", "DFEDTARU"]
"""


def _old_runner(tmp_path: Path):
    """transforms/runner.py and its models as of OLD_COMMIT, imported from a temp folder."""
    try:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", OLD_COMMIT, "transforms"],
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip(f"git or commit {OLD_COMMIT} is not available")
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(tmp_path / "old", filter="data")
    spec = importlib.util.spec_from_file_location(
        "old_runner", tmp_path / "old" / "transforms" / "runner.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _checksums(path: Path) -> dict:
    with warehouse(path, read_only=True) as con:
        return {mart: table_checksum(con, mart) for mart in MARTS}


@pytest.mark.slow
def test_dbt_marts_equal_the_old_runners_on_the_sample_warehouse(tmp_path):
    old_runner = _old_runner(tmp_path)
    universe = tmp_path / "universe.toml"
    universe.write_text(UNIVERSE)
    settings = Settings(SMALLCAP_UNIVERSE=universe)
    new = tmp_path / "new.duckdb"
    plan = bf.plan_backfill(
        date(2024, 6, 3), date(2025, 3, 31), settings=settings, source="sample", batch_size=4
    )
    bf.run_backfill(new, plan, run_id="bf", settings=settings)  # ends with the dbt build
    old = tmp_path / "old.duckdb"
    shutil.copy(new, old)
    with warehouse(old) as con:
        old_runner.run_models(con)

    dbt_marts, old_marts = _checksums(new), _checksums(old)

    assert dbt_marts["mart.size_returns_after_cuts"].rows > 0
    assert dbt_marts["mart.rate_cut_cycles"].rows > 0
    assert dbt_marts == old_marts
