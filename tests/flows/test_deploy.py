"""prefect.yaml really deploys: a real Prefect server on loopback, a process work pool,
`prefect deploy --all`, one `daily` run picked up by `prefect worker start --run-once`.

Everything runs in subprocesses against a temporary PREFECT_HOME (SQLite), so the session's
test harness is untouched; every process is bounded by a timeout and torn down.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest

from flows.writer import writer_limit_name

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POOL = "smallcap-process"  # the work pool named in prefect.yaml
DUMMY_KEY = "dummy-fred-key-must-not-leak"
RUN_DATE = "2026-11-25"

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(home: Path, api_url: str) -> dict[str, str]:
    """The caller's environment without any Prefect/smallcap settings, pointed at our server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SMALLCAP_"))}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=api_url,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_CLI_PROMPT="false",
        SMALLCAP_DATA_DOCS_DIR=str(home / "data_docs"),
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def _stop(proc: subprocess.Popen) -> None:
    """Terminate the process group we started (a worker's flow-run child, a server's workers)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _run(args: list[str], env: dict[str, str], timeout: float = 60) -> str:
    proc = subprocess.Popen(
        args,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(proc)
        pytest.fail(f"{args} did not finish within {timeout:.0f} s")
    assert proc.returncode == 0, f"{args} failed:\n{out[-3000:]}\n{err[-3000:]}"
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[str, dict[str, str]]]:
    """`prefect server start` on a free loopback port; yields (api_url, env for children)."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = _env(home, api_url)
    log = (home / "server.log").open("w")
    command = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port"]
    proc = subprocess.Popen(
        [*command, str(port), "--no-ui", "--no-services"],
        cwd=home,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (home / "server.log").read_text()[-3000:]
            try:
                if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "prefect server did not become healthy in 90 s"
            time.sleep(0.5)
        yield api_url, env
    finally:
        _stop(proc)
        log.close()


@pytest.fixture(scope="module")
def deployed(server, tmp_path_factory):
    """Pool, Secret block and `prefect --no-prompt deploy --all`, as a user would."""
    api_url, env = server
    prefect = str(BIN / "prefect")
    _run([prefect, "work-pool", "create", POOL, "--type", "process"], env)
    _run(
        [
            sys.executable,
            "-c",
            "from prefect.blocks.system import Secret; "
            f"Secret(value={DUMMY_KEY!r}).save('fred-api-key', overwrite=True)",
        ],
        env,
    )
    warehouse = tmp_path_factory.mktemp("deployed") / "deployed.duckdb"
    slot = writer_limit_name(warehouse)
    output = _run([prefect, "--no-prompt", "deploy", "--all"], env, timeout=120)
    return api_url, env, warehouse, slot, output


def _deployment(api_url: str, name: str) -> dict:
    response = httpx.get(f"{api_url}/deployments/name/{name}", timeout=10)
    response.raise_for_status()
    return response.json()


def test_deploy_all_creates_every_prefect_yaml_deployment_with_its_schedule(deployed):
    api_url = deployed[0]

    daily = _deployment(api_url, "daily-etl/daily")
    reconcile = _deployment(api_url, "reconcile/reconcile")

    assert [s["schedule"]["cron"] for s in daily["schedules"]] == ["30 18 * * 1-5"]
    assert daily["schedules"][0]["schedule"]["timezone"] == "America/New_York"
    assert [s["schedule"]["cron"] for s in reconcile["schedules"]] == ["0 9 * * 6"]
    assert reconcile["parameters"] == {"days": 20, "source": "live"}
    assert daily["global_concurrency_limit"]["limit"] == 1
    assert daily["concurrency_options"]["collision_strategy"] == "ENQUEUE"
    assert daily["work_pool_name"] == POOL
    assert daily["pull_steps"][0]["prefect.deployments.steps.set_working_directory"] == {
        "directory": str(REPO)
    }


def test_deployments_hold_the_secret_block_name_never_the_key(deployed):
    api_url = deployed[0]

    for name in ("daily-etl/daily", "reconcile/reconcile"):
        deployment = _deployment(api_url, name)
        assert DUMMY_KEY not in json.dumps(deployment)
        env = deployment["job_variables"]["env"]
        assert env["SMALLCAP_FRED_SECRET_BLOCK"] == "fred-api-key"


def test_worker_runs_the_daily_deployment_on_the_sample_source_into_the_warehouse(deployed):
    api_url, env, warehouse, slot, _ = deployed
    daily = _deployment(api_url, "daily-etl/daily")
    response = httpx.post(
        f"{api_url}/deployments/{daily['id']}/create_flow_run",
        json={
            "parameters": {"source": "sample", "warehouse": str(warehouse), "run_date": RUN_DATE}
        },
        timeout=10,
    )
    response.raise_for_status()
    run_id = response.json()["id"]

    _run([str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--run-once"], env, timeout=180)

    run = httpx.get(f"{api_url}/flow_runs/{run_id}", timeout=10).json()
    assert run["state"]["type"] == "COMPLETED", run["state"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        prices = con.sql("select count(*), max(date) from core.prices_daily").fetchall()[0]
        marts = con.sql("select count(*) from mart.pe_spread_daily").fetchall()[0][0]
        ledger = con.sql("select run_id, status from audit.runs").fetchall()
    assert prices[0] > 0 and str(prices[1]) == RUN_DATE
    assert marts > 0
    assert ledger == [(run_id, "success")]
    limit = httpx.get(f"{api_url}/v2/concurrency_limits/{slot}", timeout=10).json()
    assert limit["limit"] == 1  # created by the run itself: no setup step for users
    assert limit["active_slots"] == 0  # the writer slot was released at the end of the run
