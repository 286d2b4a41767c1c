"""`smallcap server start|status|stop` and one-shot runs reusing that server (issue 12).

Everything runs as a user would: the console script in subprocesses, a real `prefect server
start` on a free loopback port, a PREFECT_HOME of the test's own and no PREFECT_API_URL (the
test session's own Prefect server is not configured in these processes).
"""

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from fakes import free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SMALLCAP = Path(sys.executable).with_name("smallcap")


def _env(home: Path, warehouse: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return env | {
        "PREFECT_HOME": str(home),
        "SMALLCAP_WAREHOUSE": str(warehouse),
        "SMALLCAP_DATA_DOCS_DIR": "",
    }


def smallcap(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SMALLCAP), *args], env=env, capture_output=True, text=True, timeout=600
    )


def _errors(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], int]]:
    """One `smallcap server start` for the module; stopped (and checked gone) at its end."""
    folder = tmp_path_factory.mktemp("local-server")
    env, port = _env(folder / "prefect", folder / "sample.duckdb"), free_port()
    started = smallcap(env, "server", "start", "--port", str(port))
    assert started.returncode == 0, started.stderr
    try:
        yield env, port
    finally:
        smallcap(env, "server", "stop")


def _status(env: dict[str, str]) -> dict:
    result = smallcap(env, "server", "status", "--json")
    return json.loads(result.stdout) | {"exit": result.returncode}


def test_status_names_the_running_server_and_start_again_reuses_it(server):
    env, port = server

    status = _status(env)
    again = smallcap(env, "server", "start", "--port", str(port))

    assert status["running"] and status["exit"] == 0
    assert status["url"] == f"http://127.0.0.1:{port}/api"
    assert Path(status["state_file"]) == Path(env["PREFECT_HOME"]) / "smallcap-server.json"
    assert requests.get(f"{status['url']}/health", timeout=10).json() is True
    assert again.returncode == 0 and "already running" in again.stdout
    assert f"pid {status['pid']}" in again.stdout


def test_a_one_shot_run_records_its_flow_run_on_the_started_server(server):
    env, port = server

    result = smallcap(env, "run", "--sample", "--json")

    assert result.returncode == 0, result.stderr
    run_id = json.loads(result.stdout)["run_id"]
    reply = requests.get(f"http://127.0.0.1:{port}/api/flow_runs/{run_id}", timeout=10)
    assert reply.status_code == 200
    assert reply.json()["state_type"] == "COMPLETED"
    assert "temporary" not in result.stderr


def test_a_busy_port_is_one_line(server, tmp_path):
    _, port = server
    other = _env(tmp_path / "prefect", tmp_path / "w.duckdb")

    result = smallcap(other, "server", "start", "--port", str(port))

    assert result.returncode == 1
    assert _errors(result) == [
        f"error: port {port} on 127.0.0.1 is in use (another Prefect server?): pass --port, or "
        "point PREFECT_API_URL at the server that is there"
    ]
    assert not (tmp_path / "prefect" / "smallcap-server.json").exists()


def test_stop_ends_the_server_and_status_says_so(server):
    env, port = server
    pid = _status(env)["pid"]

    stopped = smallcap(env, "server", "stop")
    status = _status(env)
    again = smallcap(env, "server", "stop")

    assert stopped.returncode == 0 and f"pid {pid}" in stopped.stdout
    assert not status["running"] and status["exit"] == 1
    assert again.returncode == 0 and "no local Prefect server was running" in again.stdout
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not Path(f"/proc/{pid}").exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/api/health", timeout=5)


def test_a_stale_record_is_removed_and_the_run_uses_a_temporary_server(tmp_path):
    env = _env(tmp_path / "prefect", tmp_path / "sample.duckdb")
    gone = subprocess.Popen(["true"])
    gone.wait()
    state = tmp_path / "prefect" / "smallcap-server.json"
    state.parent.mkdir()
    url = f"http://127.0.0.1:{free_port()}/api"
    state.write_text(json.dumps({"pid": gone.pid, "url": url, "log": "x", "started_at": "x"}))

    result = smallcap(env, "run", "--sample")

    assert result.returncode == 0, result.stderr
    assert not state.exists()
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert notes == [
        f"note: the local Prefect server recorded at {url} (pid {gone.pid}) is no longer "
        "running; removed its record; using a temporary server"
    ]
