"""BI tools read the published snapshot while the daily run writes: they are never blocked, never
see an error or an empty table, and the file opens in the DuckDB 1.4 that BI drivers bundle."""

import json
import os
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from contracts.settings import get_settings
from flows.daily import daily_etl

FIRST_DAY, SECOND_DAY = date(2026, 11, 24), date(2026, 11, 25)
MARTS = ("mart.pe_spread_daily", "mart.etf_flows_daily", "mart.size_rotation_daily")
DUCKDB_BI_SPEC = "duckdb==1.4.*"  # the lagging DuckDB line that BI drivers bundle

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_api")]

# one process holds one connection (a dashboard's pool), another reconnects in a loop
READER = textwrap.dedent(
    """
    import json, os, sys, time, duckdb
    mode, path, stop, out = sys.argv[1:5]
    QUERY = '''select (select count(*) from audit.runs),
                      (select count(*) from mart.pe_spread_daily),
                      (select count(*) from core.prices_daily),
                      (select cast(max(date) as varchar) from mart.pe_spread_daily)'''
    def observe(con):
        return list(con.sql(QUERY).fetchall()[0])
    seen = []
    held = duckdb.connect(path, read_only=True) if mode == "hold" else None
    print("ready", flush=True)
    while not os.path.exists(stop):
        try:
            if held is not None:
                seen.append(observe(held))
            else:
                with duckdb.connect(path, read_only=True) as con:
                    seen.append(observe(con))
        except Exception as exc:
            seen.append({"error": f"{type(exc).__name__}: {exc}"})
        time.sleep(0.05)
    final = None
    if held is not None:
        seen.append(observe(held))
        held.close()
        with duckdb.connect(path, read_only=True) as con:
            final = observe(con)
    with open(out, "w") as f:
        json.dump({"seen": seen, "final": final}, f)
    """
)


def _observe(path: Path) -> list:
    with duckdb.connect(str(path), read_only=True) as con:
        return list(
            con.sql(
                """select (select count(*) from audit.runs),
                          (select count(*) from mart.pe_spread_daily),
                          (select count(*) from core.prices_daily),
                          (select cast(max(date) as varchar) from mart.pe_spread_daily)"""
            ).fetchall()[0]
        )


def _start_reader(mode: str, bi: Path, stop: Path, out: Path) -> subprocess.Popen:
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, mode, str(bi), str(stop), str(out)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout.readline().strip() == "ready"
    return reader


@pytest.fixture(scope="module")
def across_a_run(tmp_path_factory):
    """Publish after a first run, then run again while two reader processes keep reading."""
    root = tmp_path_factory.mktemp("bi")
    path = root / "sample.duckdb"
    bi = get_settings(warehouse=path).bi_database_for(path)
    daily_etl(run_date=FIRST_DAY, source="sample", warehouse=str(path))
    old = _observe(bi)
    stop = root / "stop"
    readers = {m: _start_reader(m, bi, stop, root / f"{m}.json") for m in ("hold", "poll")}
    time.sleep(0.3)
    clock = time.monotonic()
    report = daily_etl(run_date=SECOND_DAY, source="sample", warehouse=str(path))
    run_seconds = time.monotonic() - clock
    stop.touch()
    for reader in readers.values():
        reader.wait(timeout=30)
    seen = {m: json.loads((root / f"{m}.json").read_text()) for m in readers}
    return {
        "path": path,
        "bi": bi,
        "old": old,
        "new": _observe(bi),
        "seen": seen,
        "report": report,
        "run_seconds": run_seconds,
    }


def test_the_second_run_completes_while_readers_hold_the_snapshot(across_a_run):
    report = across_a_run["report"]
    assert report.status == "success"
    assert across_a_run["new"] != across_a_run["old"]
    assert across_a_run["new"][0] == across_a_run["old"][0] + 1  # one more run in the ledger


def test_a_held_connection_sees_the_old_state_throughout_then_the_new_after_reconnect(
    across_a_run,
):
    held = across_a_run["seen"]["hold"]

    assert len(held["seen"]) > 5
    assert all(s == across_a_run["old"] for s in held["seen"]), held["seen"][:3]
    assert held["final"] == across_a_run["new"]


def test_reconnecting_readers_see_old_or_new_state_never_an_error_or_empty_table(across_a_run):
    seen = across_a_run["seen"]["poll"]["seen"]
    allowed = (across_a_run["old"], across_a_run["new"])

    assert len(seen) > 5
    assert [s for s in seen if s not in allowed] == []
    assert all(runs > 0 and spread > 0 and prices > 0 for runs, spread, prices, _ in seen)


def test_the_snapshot_records_the_run_as_finished_and_leaves_no_wal(across_a_run):
    bi, report = across_a_run["bi"], across_a_run["report"]
    with duckdb.connect(str(bi), read_only=True) as con:
        status = con.execute(
            "select status from audit.runs where run_id = ?", [report.run_id]
        ).fetchall()
    assert status == [("success",)]
    assert sorted(p.name for p in bi.parent.iterdir()) == [bi.name]


@pytest.fixture(scope="session")
def duckdb_bi_python(pytestconfig) -> Path:
    """Python of a separate venv with DuckDB 1.4 (installed once, then reused from the cache)."""
    cache = getattr(pytestconfig, "cache", None)
    base = Path(cache.mkdir("duckdb-1.4-venv")) if cache else Path("/tmp/smallcap-duckdb-1.4")
    python = base / "bin" / "python"
    ready = base / ".ready"
    if not ready.exists():
        steps = [
            [sys.executable, "-m", "venv", "--clear", str(base)],
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             DUCKDB_BI_SPEC],
        ]  # fmt: skip
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                tail = (done.stderr or done.stdout).strip().splitlines()[-1:]
                pytest.skip(f"cannot install {DUCKDB_BI_SPEC} into a separate venv: {tail}")
        ready.write_text(DUCKDB_BI_SPEC)
    return python


def test_published_snapshot_opens_in_duckdb_1_4(across_a_run, duckdb_bi_python):
    bi = across_a_run["bi"]
    script = (
        "import duckdb, json, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
        "print(json.dumps({'version': duckdb.__version__, 'rows': {t: con.sql("
        "f'select count(*) from {t}').fetchall()[0][0] for t in sys.argv[2:]}, "
        "'comment': con.sql(\"select comment from duckdb_columns() where schema_name = 'mart' "
        "and table_name = 'pe_spread_daily' and column_name = 'discount_pct'\").fetchall()}))"
    )

    done = subprocess.run(
        [str(duckdb_bi_python), "-c", script, str(bi), *MARTS],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": ""},
    )

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["version"].startswith("1.4.")
    with duckdb.connect(str(bi), read_only=True) as con:
        expected = {t: con.sql(f"select count(*) from {t}").fetchall()[0][0] for t in MARTS}
    assert result["rows"] == expected
    assert result["rows"]["mart.pe_spread_daily"] > 0
    assert "25 %" in result["comment"][0][0]  # the dbt docs reach 1.4 readers too


def test_a_default_duckdb_2_file_does_not_open_in_1_4_which_is_why_we_publish(
    tmp_path, duckdb_bi_python
):
    plain = tmp_path / "plain.duckdb"
    duckdb.connect(str(plain)).close()

    done = subprocess.run(
        [str(duckdb_bi_python), "-c", "import duckdb, sys; duckdb.connect(sys.argv[1])", plain],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode != 0
    assert "version" in done.stderr.lower()
