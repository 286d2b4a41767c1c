"""A non-editable install (`pip install .`): the code in site-packages, the data never there.

The project is copied (without its virtualenv and data) and installed with pip into a target
folder, then run from another directory with that folder first on the path, as a user who ran
`pip install smallcap-etl` would: a short sample backfill (migrations, GX suites and the dbt
project all come from the installed package data) writes its warehouse under SMALLCAP_HOME,
and `smallcap serve`, which needs the checkout's prefect.yaml, refuses in one line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[1]
CLI = "import sys; from cli.main import main; sys.argv[0] = 'smallcap'; main()"
SKIP = shutil.ignore_patterns(
    ".venv", ".git", "warehouse", "build", "*.egg-info", "__pycache__", ".ruff_cache", "tests"
)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """site-packages of a non-editable install of a copy of this checkout."""
    folder = tmp_path_factory.mktemp("install")
    source, target = folder / "source", folder / "site-packages"
    shutil.copytree(ROOT, source, ignore=SKIP)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", target,
         str(source)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if built.returncode != 0 and "Could not find a version" in built.stderr:
        pytest.skip("no package index reachable to build the wheel with")
    assert built.returncode == 0, built.stderr
    return target


def _smallcap(installed: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("SMALLCAP_") or k.endswith("_DIR")
    }
    env |= {"PYTHONPATH": str(installed), "SMALLCAP_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-c", CLI, *args],
        cwd=home.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_a_non_editable_install_keeps_its_data_under_smallcap_home(
    installed: Path, tmp_path: Path
) -> None:
    home = tmp_path / "smallcap-home"

    result = _smallcap(
        installed, home, "backfill", "--sample", "--start", "2026-06-01", "--end", "2026-06-05"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert (home / "warehouse" / "sample.duckdb").is_file()
    assert (home / "warehouse" / "bi" / "sample.duckdb").is_file()
    assert not list(installed.rglob("*.duckdb"))
    assert not (installed / "warehouse" / "cache").exists()


def test_serve_from_a_non_editable_install_refuses_in_one_line(
    installed: Path, tmp_path: Path
) -> None:
    result = _smallcap(installed, tmp_path / "home", "serve")

    assert result.returncode == 1
    assert "no prefect.yaml" in result.stderr and "Traceback" not in result.stderr
