"""Disk and file faults: a full disk during a load and during a publish, a read-only warehouse
folder, a corrupted warehouse file, and the documented recovery (`smallcap restore`).

A full disk is a file-size limit (RLIMIT_FSIZE) on a child process that ignores SIGXFSZ, so
writes past it fail with EFBIG exactly where they would on a full volume. Each case checks a
clear error, the warehouse's stored tables unchanged, and the previous BI snapshot intact.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from helpers import warehouse_checksums
from typer.testing import CliRunner

from cli.main import app
from warehouse.publish import publish_snapshot

pytestmark = pytest.mark.integration

QUARANTINE_TABLES = """
    select table_name from duckdb_columns()
    where schema_name = 'quarantine' and column_name = 'quarantine_id'"""

# the child: a file-size limit, then one load (60,000 new bars) or a publish
CHILD = """
import resource, signal, sys
from collections.abc import Iterator
from pathlib import Path
import pandas as pd
from contracts.datasets import PRICES
from contracts.errors import SmallcapError
from contracts.settings import get_settings
from warehouse.connection import warehouse
from warehouse.loader import load_batch
from warehouse.publish import publish_bi

path, what, limit = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
settings = get_settings(warehouse=path)
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
try:
    if what == "load":
        days = pd.bdate_range("2000-01-03", periods=1500)
        bars = pd.DataFrame([(f"T{n}", day) for n in range(40) for day in days],
                            columns=["ticker", "date"])
        bars = bars.assign(open=10.0, high=11.0, low=9.0, close=10.5, adj_close=10.5,
                           volume=1000, dividends=0.0, stock_splits=0.0, source="sample")
        with warehouse(path) as con:
            load_batch(con, PRICES, bars[list(PRICES.columns)], bars.iloc[:0].assign(reason=""),
                       run_id="disk-full")
    else:
        publish_bi(path, settings)
except SmallcapError as exc:
    print(f"refused: {exc}")
    sys.exit(1)
except Exception as exc:
    print(f"error: {type(exc).__name__}: {exc}")
    sys.exit(2)
print("done")
"""


def _child(path: Path, what: str, limit: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CHILD, str(path), what, str(limit)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "SMALLCAP_DATA_DOCS_DIR": ""},
    )


def test_a_full_disk_during_a_load_fails_it_and_keeps_the_stored_tables(published) -> None:
    path, snapshot = published
    before, snapshot_bytes = warehouse_checksums(path), snapshot.read_bytes()

    child = _child(path, "load", 256 * 1024)  # the WAL fills up first

    assert child.returncode == 1, child.stdout + child.stderr
    assert child.stdout.startswith("refused: prices: not loaded"), child.stdout
    assert "Traceback" not in child.stderr
    assert warehouse_checksums(path) == before
    assert snapshot.read_bytes() == snapshot_bytes


def test_a_full_disk_during_a_publish_keeps_the_previous_snapshot(published) -> None:
    path, snapshot = published
    before, snapshot_bytes = warehouse_checksums(path), snapshot.read_bytes()

    child = _child(path, "publish", snapshot.stat().st_size // 3)

    assert child.returncode == 1, child.stdout + child.stderr
    assert child.stdout.startswith("refused:"), child.stdout
    assert snapshot.read_bytes() == snapshot_bytes
    assert warehouse_checksums(path) == before
    assert [p.name for p in snapshot.parent.iterdir()] == ["market.duckdb"]  # no temp file left


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nobody may write into: a chmod for a user, sysfs for root (which ignores modes)."""
    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    if os.access("/sys", os.W_OK) and Path("/sys").stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("no read-only folder available to root here")
    yield Path("/sys/smallcap-read-only")


@pytest.mark.parametrize("command", [["migrate"], ["run", "--sample"], ["restore"]])
def test_a_read_only_warehouse_folder_is_one_clear_line(
    read_only_folder: Path, command: list[str]
) -> None:
    path = read_only_folder / "m.duckdb"

    result = CliRunner().invoke(app, [*command, "--warehouse", str(path)])

    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(read_only_folder) in errors[0], result.output
    assert "Traceback" not in result.output


def test_a_corrupted_warehouse_is_one_clear_line_and_restore_brings_it_back(published) -> None:
    path, _ = published
    stored = _stored(warehouse_checksums(path))
    path.write_bytes(os.urandom(4096) + path.read_bytes()[4096:])  # a damaged header

    broken = CliRunner().invoke(app, ["migrate", "--warehouse", str(path)])
    restored = CliRunner().invoke(app, ["restore", "--warehouse", str(path), "--json"])

    assert broken.exit_code == 1
    assert broken.output.startswith("error:") and "Traceback" not in broken.output
    assert restored.exit_code == 0, restored.output
    assert _stored(warehouse_checksums(path)) == stored
    kept = [p for p in path.parent.iterdir() if p.name.startswith("market.duckdb.damaged-")]
    assert len(kept) == 1  # moved aside, never deleted
    with duckdb.connect(str(path), read_only=True) as con:
        flows = con.sql("select flow, status from audit.runs where flow = 'restore'").fetchall()
        marts = con.sql("select count(*) from mart.pe_spread_daily").fetchall()[0][0]
    assert flows == [("restore", "success")]
    assert marts > 0


def test_new_quarantine_rows_after_a_restore_get_new_ids(published) -> None:
    path, snapshot = published
    with duckdb.connect(str(path)) as con:  # three quarantined rows, ids from the sequence
        con.execute(
            "insert into quarantine.prices (ticker, reason, run_id, quarantined_at) "
            "select 'IWM', 'test', 'r', now() from range(3)"
        )
    publish_snapshot(path, snapshot)
    path.unlink()  # a lost volume: only the snapshot is left

    result = CliRunner().invoke(app, ["restore", "--warehouse", str(path)])

    assert result.exit_code == 0, result.output
    with duckdb.connect(str(path)) as con:
        tables = [name for (name,) in con.sql(QUARANTINE_TABLES).fetchall()]
        union = " union all ".join(f"select quarantine_id from quarantine.{t}" for t in tables)
        highest = con.sql(f"select max(quarantine_id) from ({union})").fetchall()[0][0]
        fresh = con.sql("select nextval('quarantine.row_id_seq')").fetchall()[0][0]
    assert highest is not None and fresh > highest


def test_restore_without_a_snapshot_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "market.duckdb"
    path.write_bytes(b"damaged")

    result = CliRunner().invoke(app, ["restore", "--warehouse", str(path)])

    assert result.exit_code == 1
    assert "no BI snapshot" in result.output
    assert path.read_bytes() == b"damaged"


def _stored(checksums: dict) -> dict:
    """Checksums of the stored tables (marts are rebuilt, audit gains the restore's run)."""
    return {k: v for k, v in checksums.items() if str(k).split(".")[0] in {"core", "quarantine"}}
