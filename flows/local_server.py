"""A local Prefect server that one-shot commands reuse, so they skip the temporary server's start.

Without ``PREFECT_API_URL`` every one-shot ``smallcap run`` makes Prefect start a temporary API
server in a subprocess (17 s of a 35 s sample run on a busy 2-core machine) and stop it again.
``smallcap server start`` instead launches ``prefect server start`` detached, with its own log
file, and records its pid and URL in ``$PREFECT_HOME/smallcap-server.json``; one-shot commands
use that server while its pid is alive and its /health answers within a few seconds, and fall
back to the temporary server otherwise (removing a stale record, with a note).

A configured API (``PREFECT_API_URL`` in the environment or the active profile) always wins:
Prefect already uses it, and a user who set it chose their server. Nothing is left running
unless asked for: ``smallcap server start``, or ``SMALLCAP_KEEP_PREFECT_SERVER=true``, with
which a run that finds no server starts the recorded one and leaves it for the next run.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import psutil
from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

from contracts.errors import SmallcapError

STATE_FILE = "smallcap-server.json"
LOG_FILE = "smallcap-server.log"
DEFAULT_HOST = "127.0.0.1"
# Prefect's own default port, so the UI is where Prefect users look for it
DEFAULT_PORT = 4200
# a cold start on a busy 2-core machine (migrations, UI build) takes far longer than Prefect's 20 s
START_TIMEOUT_SECONDS = 240.0
# reuse only a server that answers quickly; a hung one costs less than a temporary server
HEALTH_TIMEOUT_SECONDS = 3.0
STOP_TIMEOUT_SECONDS = 30.0
# the server is on this machine: an HTTP(S)_PROXY from the environment must not route the check
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerError(SmallcapError):
    """The local server could not be started or stopped; the message is one line."""


@dataclass(frozen=True)
class LocalServer:
    """What ``smallcap server start`` recorded: enough to find, check and stop the server."""

    pid: int
    url: str
    log: str
    started_at: str


def state_path() -> Path:
    return Path(PREFECT_HOME.value()) / STATE_FILE


def configured_api() -> str | None:
    """The API URL Prefect itself would use (environment, profile, .env), if any."""
    return PREFECT_API_URL.value() or None


def recorded() -> LocalServer | None:
    """The state file's server, or None when there is none or it cannot be read."""
    try:
        return LocalServer(**json.loads(state_path().read_text()))
    except (OSError, ValueError, TypeError):
        return None


def forget() -> None:
    state_path().unlink(missing_ok=True)


def healthy(url: str, timeout: float = HEALTH_TIMEOUT_SECONDS) -> bool:
    """True when the API at ``url`` answers its health check within ``timeout`` seconds."""
    try:
        with _DIRECT.open(f"{url}/health", timeout=timeout) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def alive(pid: int) -> bool:
    """Whether ``pid`` runs a Prefect server; reaps it when it is our own exited child (tests
    start it in-process), and never takes a reused pid of another program for ours."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return False
    except ChildProcessError:
        pass
    try:
        return "prefect" in " ".join(psutil.Process(pid).cmdline())
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # exists, owned by someone else: its command line is hidden
        return True


def running(timeout: float = HEALTH_TIMEOUT_SECONDS) -> tuple[LocalServer | None, str | None]:
    """The recorded server when it is alive and healthy; else None, and a note when a stale
    record was removed (its process gone or not answering)."""
    server = recorded()
    if server is None:
        if state_path().exists():
            forget()
            return None, f"removed an unreadable local Prefect server record {state_path()}"
        return None, None
    if alive(server.pid) and healthy(server.url, timeout):
        return server, None
    forget()
    why = "not answering" if alive(server.pid) else "no longer running"
    return None, (
        f"the local Prefect server recorded at {server.url} (pid {server.pid}) is {why}; "
        "removed its record"
    )


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _last_line(log: Path) -> str:
    try:
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no output"
    return lines[-1].strip() if lines else "no output"


def _terminate(pid: int, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
    """SIGTERM to the server's process group (uvicorn and its services), SIGKILL if it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not alive(pid):
                return
            time.sleep(0.2)


def start(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    timeout: float = START_TIMEOUT_SECONDS,
) -> tuple[LocalServer, bool]:
    """Start ``prefect server start`` detached (its own session, so closing the terminal or a
    Ctrl-C there does not stop it) and wait for its health check; returns the server and
    whether it was started now (False: the recorded one was already running)."""
    server, _ = running()
    if server is not None:
        return server, False
    if not _port_free(host, port):
        raise ServerError(
            f"port {port} on {host} is in use (another Prefect server?): pass --port, or point "
            "PREFECT_API_URL at the server that is there"
        )
    home = Path(PREFECT_HOME.value())
    home.mkdir(parents=True, exist_ok=True)
    log = home / LOG_FILE
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env |= {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", host]
    with log.open("ab") as output:
        process = subprocess.Popen(
            [*command, "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    server = LocalServer(
        pid=process.pid,
        url=f"http://{host}:{port}/api",
        log=str(log),
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    state_path().write_text(json.dumps(asdict(server)))
    deadline = time.monotonic() + timeout
    while not healthy(server.url, timeout=2.0):
        if process.poll() is not None:
            forget()
            raise ServerError(f"the Prefect server exited at start ({_last_line(log)}); see {log}")
        if time.monotonic() > deadline:
            _terminate(process.pid)
            forget()
            raise ServerError(
                f"the Prefect server did not answer within {timeout:.0f}s; stopped it (see "
                f"{log}); pass a longer --timeout on a busy machine"
            )
        time.sleep(0.5)
    return server, True


def stop() -> LocalServer | None:
    """Stop the recorded server and remove its record; None when none was running."""
    server = recorded()
    forget()
    if server is None or not alive(server.pid):
        return None
    _terminate(server.pid)
    if alive(server.pid):
        raise ServerError(f"the Prefect server (pid {server.pid}) did not stop; kill it by hand")
    return server


@contextmanager
def one_shot_api(keep_server: bool = False) -> Iterator[str | None]:
    """The API a one-shot command's flow run uses; yields a note to show, or None.

    A configured API is left alone. Else the recorded local server, when healthy, is used for
    this command, in Prefect's settings and in the environment that child processes (Dask
    workers) inherit; with ``keep_server`` a missing one is started and left running. Else
    Prefect starts its temporary server as usual."""
    if configured_api():
        yield None
        return
    server, message = running()
    if server is None and keep_server:
        server, _ = start()
        message = f"started a local Prefect server at {server.url}; `smallcap server stop` stops it"
    if server is None:
        yield message and f"{message}; using a temporary server"
        return
    before = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = server.url
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.url}):
            yield message
    finally:
        if before is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = before
