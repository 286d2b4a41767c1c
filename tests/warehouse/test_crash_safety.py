"""kill -9 during a sample backfill, again and again: the warehouse must open, hold no duplicate
key, and end with the contents of a clean run (per-table checksums).

`smallcap backfill` imports GX, pandas and DuckDB before it does any work (~5-10 s), so paying
that for each of a dozen launches would make the test minutes long. The first kill and the
final run go through the real `smallcap` executable; the kills in between hit processes forked
from a "zygote" that imported everything once and then runs the same Typer command. Each one is
a separate process, killed with SIGKILL mid-work, exactly like a machine losing power.
"""

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from helpers import ledger_matches_core_rows

from contracts.datasets import DATASETS
from contracts.settings import get_settings
from pipeline.backfill import plan_backfill, run_backfill
from warehouse.checksums import table_checksums
from warehouse.connection import warehouse

pytestmark = pytest.mark.integration

START, END = date(2024, 1, 1), date(2025, 12, 31)
ARGS = ["backfill", "--start", str(START), "--end", str(END), "--sample"]
SMALLCAP = Path(sys.executable).with_name("smallcap")
KILLS = 12
SEED = 20261129

ZYGOTE = r"""
import json, os, sys
import pipeline.backfill, cli.main, warehouse.changes  # the slow imports, once

for line in sys.stdin:
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        if job.get("kill_in_merge"):
            real_write, merges = warehouse.changes.write, []

            def merge_then_die(*args, **kwargs):
                changed = real_write(*args, **kwargs)
                merges.append(1)
                if len(merges) == job["kill_in_merge"]:
                    os.kill(os.getpid(), 9)
                return changed

            warehouse.changes.write = merge_then_die
        try:
            cli.main.app(args=job["args"], prog_name="smallcap")
        except SystemExit as exc:
            os._exit(exc.code if isinstance(exc.code, int) else 1)
        os._exit(0)
    print(pid, flush=True)
    print(os.waitpid(pid, 0)[1], flush=True)
"""


class Zygote:
    """Forks a pre-imported `smallcap` per job; reports each child's pid, then its wait status."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )

    def start(self, args: list[str], kill_in_merge: int = 0) -> int:
        job = {"args": args, "kill_in_merge": kill_in_merge}
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def wait(self) -> int:
        return int(self.proc.stdout.readline())


def _killed(status: int) -> bool:
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


@pytest.fixture(scope="module")
def env() -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("SMALLCAP_")}
    return {**keep, "DO_NOT_TRACK": "1"}


@pytest.fixture(scope="module")
def zygote(env) -> Iterator[Zygote]:
    """Started first, so its imports overlap with the reference run."""
    zygote = Zygote(env)
    yield zygote
    zygote.proc.stdin.close()
    zygote.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, zygote) -> tuple[Path, float]:
    """A clean single backfill, and how long its chunks took: the kill points are spread over
    them (the mart rebuild after them takes longer than all the loads together)."""
    path = tmp_path_factory.mktemp("clean") / "a.duckdb"
    settings = get_settings(warehouse=path)
    clock = time.monotonic()
    finished: list[float] = []
    run_backfill(
        path,
        plan_backfill(START, END, settings=settings, source="sample"),
        run_id="clean",
        settings=settings,
        on_chunk=lambda result: finished.append(time.monotonic()),
    )
    return path, finished[-1] - clock


def _parts_done(path: Path) -> int:
    with warehouse(path, read_only=True) as con:
        return con.execute("select count(*) from audit.backfill_chunks").fetchall()[0][0]


def _kill_real_cli_mid_work(target: Path, env: dict[str, str], delay: float) -> None:
    """Launch the real executable; it prints its plan line once the imports are done."""
    proc = subprocess.Popen(
        [str(SMALLCAP), *ARGS, "--warehouse", str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        while not proc.stdout.readline().startswith("backfill "):
            assert proc.poll() is None, "smallcap backfill exited before starting work"
        time.sleep(delay)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def test_backfill_killed_twelve_times_ends_equal_to_a_clean_run(reference, zygote, env, tmp_path):
    clean, work_seconds = reference
    target = tmp_path / "b.duckdb"
    rng = random.Random(SEED)
    plan = plan_backfill(START, END, settings=get_settings(), source="sample")
    parts = sum(len(chunk.datasets) for chunk in plan.chunks)

    startup = 0.0  # a relaunch's own start-up before its first chunk, learnt from the kills

    def delay(done: int) -> float:
        """A random point within the expected remaining work (each relaunch resumes), plus a
        little, so kills also land in the mart rebuild and in runs with nothing left to load;
        after the start-up a relaunch needs on this machine (the reference ran warm)."""
        remaining = work_seconds * (1 - done / parts)
        return startup + rng.uniform(0.1, 0.6) * remaining + rng.uniform(0.0, 0.05) * work_seconds

    delays = [delay(0)]
    _kill_real_cli_mid_work(target, env, delays[0])
    progress, kills = [_parts_done(target)], 1
    while kills < KILLS and len(delays) < 2 * KILLS:
        pid = zygote.start([*ARGS, "--warehouse", str(target)])
        delays.append(delay(progress[-1]))
        time.sleep(delays[-1])
        with contextlib.suppress(ProcessLookupError):  # it finished first: nothing to kill
            os.kill(pid, signal.SIGKILL)
        kills += _killed(zygote.wait())
        progress.append(_parts_done(target))
        if progress[-1] == progress[-2] < parts:  # killed before it loaded anything: start later
            startup += 0.25 * work_seconds
    final = subprocess.run(
        [str(SMALLCAP), *ARGS, "--warehouse", str(target)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,  # includes a dbt build (a full parse when the kills left no target)
    )

    print(f"\n{kills} kills after {[round(d, 2) for d in delays]}s; parts done: {progress}")
    assert final.returncode == 0, final.stderr
    assert kills >= 10
    assert len(set(progress)) >= 3, "the kills should land at different stages of the backfill"
    with warehouse(target) as con:  # opens read-write, i.e. recovers its WAL
        for ds in DATASETS.values():
            dupes = con.execute(
                f"select count(*) from (select {', '.join(ds.key)} from {ds.table} "
                "group by all having count(*) > 1)"
            ).fetchall()
            assert dupes == [(0,)], ds.table
        got = table_checksums(con)
        statuses = con.execute("select status from audit.runs order by started_at").fetchall()
    with warehouse(clean, read_only=True) as con:
        want = table_checksums(con)
    assert got == want
    assert statuses[-1] == ("success",)
    assert ("running",) not in statuses
    assert ledger_matches_core_rows(target)


def test_kill_inside_a_load_transaction_leaves_no_partial_chunk(zygote, tmp_path):
    target = tmp_path / "c.duckdb"
    # merges 1-2 load the two price chunks; the 3rd (the first fundamentals) dies mid-load
    zygote.start([*ARGS, "--warehouse", str(target)], kill_in_merge=3)

    assert _killed(zygote.wait())
    with warehouse(target) as con:
        ledger = con.execute(
            "select chunk, dataset from audit.backfill_chunks order by chunk"
        ).fetchall()
        fundamentals = con.execute("select count(*) from core.fundamentals_daily").fetchall()
    assert ledger == [
        ("prices/DES+IJR+IVV+IWM+QQQ", "prices"),
        ("prices/SPY+VB+^GSPC+^RUT+^SP600", "prices"),
    ]
    assert fundamentals == [(0,)]
    assert ledger_matches_core_rows(target)
