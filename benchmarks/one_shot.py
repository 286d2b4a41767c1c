"""What a one-shot `smallcap run --sample` costs beyond the pipeline's own work (issue 12).

Runs the console script as a user would, in a fresh PREFECT_HOME and warehouse: once with
Prefect's temporary server, then `smallcap server start` and twice reusing that server, then
`smallcap server stop`. Each run's wall time is set against its own stage seconds
(audit.runs.stage_seconds: prepare, extract_validate_load, transform, data_docs, publish,
report).

    .venv/bin/python -m benchmarks.one_shot [--port 4317] [--out benchmarks/results/one_shot.json]

The machine is shared, so compare the ratios of one invocation, not seconds across days.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

SMALLCAP = Path(sys.executable).with_name("smallcap")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _smallcap(env: dict[str, str], *args: str) -> tuple[float, float, subprocess.CompletedProcess]:
    """The command's start (epoch seconds), its wall seconds, and its result."""
    launched, began = time.time(), time.perf_counter()
    done = subprocess.run(
        [str(SMALLCAP), *args], env=env, capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        raise RuntimeError(f"smallcap {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return launched, time.perf_counter() - began, done


def _ledger(warehouse: Path, run_id: str) -> tuple[dict[str, float], float]:
    """The run's stage seconds and when its ledger row opened (epoch seconds)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        stages, opened = con.execute(
            "select stage_seconds, epoch(started_at) from audit.runs where run_id = ?", [run_id]
        ).fetchone()
    return (json.loads(stages) if isinstance(stages, str) else dict(stages)), opened


def _run(env: dict[str, str], warehouse: Path, label: str) -> dict[str, Any]:
    """``until_ledger``: from launch to the run's ledger row (imports, the Prefect API, the flow
    run, prepare); ``after_stages``: what the stages leave out (closing the flow run, exit)."""
    launched, wall, done = _smallcap(env, "run", "--sample", "--json")
    stages, opened = _ledger(warehouse, json.loads(done.stdout)["run_id"])
    own = sum(stages.values())
    until_ledger = opened - launched
    return {
        "run": label,
        "wall_seconds": round(wall, 2),
        "stage_seconds": round(own, 2),
        "wall_over_stages": round(wall / own, 2),
        "until_ledger_seconds": round(until_ledger, 2),
        "after_stages_seconds": round(wall - until_ledger - own + stages.get("prepare", 0), 2),
        "stages": {k: round(v, 2) for k, v in stages.items()},
    }


def measure(port: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="smallcap-one-shot-"))
    warehouse = folder / "sample.duckdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {
        "PREFECT_HOME": str(folder / "prefect"),
        "SMALLCAP_WAREHOUSE": str(warehouse),
        "SMALLCAP_DATA_DOCS_DIR": str(folder / "docs"),
    }
    runs = [_run(env, warehouse, "temporary server")]
    try:
        _, started, _ = _smallcap(env, "server", "start", "--port", str(port))
        runs += [_run(env, warehouse, f"reused server #{n}") for n in (1, 2)]
    finally:
        _smallcap(env, "server", "stop")
        shutil.rmtree(folder, ignore_errors=True)
    return {"server_start_seconds": round(started, 2), "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=None, help="default: a free port")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = parser.parse_args()
    result = measure(args.port or _free_port())
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
