"""`smallcap server start|stop|status`: the local Prefect server one-shot runs reuse.

Opt-in and explicit: a one-shot `smallcap run` never leaves a server behind unless one was
started here (or SMALLCAP_KEEP_PREFECT_SERVER=true); see flows/local_server.py for the choice.
"""

from typing import Annotated

import typer

from cli.common import EXIT_FAILED, JsonOpt, fail, note, out, print_json, quiet_prefect
from contracts.errors import SmallcapError

server_app = typer.Typer(
    no_args_is_help=True,
    help="A local Prefect server that `smallcap run` reuses instead of starting a temporary one.",
)


@server_app.command()
def start(
    port: Annotated[
        int, typer.Option("--port", help="Port to serve the API and UI on (Prefect's default).")
    ] = 4200,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for the server's health check.")
    ] = 240.0,
) -> None:
    """Start `prefect server start` in the background (log in PREFECT_HOME) and wait until it
    answers; `smallcap run` then reuses it until `smallcap server stop`."""
    quiet_prefect()
    from flows import local_server

    try:
        server, started = local_server.start(host=host, port=port, timeout=timeout)
    except SmallcapError as exc:
        fail(str(exc))
    configured = local_server.configured_api()
    if configured:
        note(f"PREFECT_API_URL is set ({configured}): runs use that server, not this one")
    verb = "started" if started else "already running:"
    out.print(
        f"Prefect server {verb} {server.url} (pid {server.pid}, log {server.log}); UI at "
        f"{server.url.removesuffix('/api')}",
        highlight=False,
        soft_wrap=True,
    )


@server_app.command()
def stop() -> None:
    """Stop the server `smallcap server start` started (nothing to do when none runs)."""
    quiet_prefect()
    from flows import local_server

    try:
        server = local_server.stop()
    except SmallcapError as exc:
        fail(str(exc))
    if server is None:
        out.print("no local Prefect server was running", highlight=False)
        return
    out.print(f"stopped the Prefect server at {server.url} (pid {server.pid})", highlight=False)


@server_app.command()
def status(as_json: JsonOpt = False) -> None:
    """Whether the local server runs and answers (exit 0), or not (exit 1); a stale record is
    removed."""
    quiet_prefect()
    from flows import local_server

    server, message = local_server.running()
    configured = local_server.configured_api()
    doc = {
        "running": server is not None,
        "url": server.url if server else None,
        "pid": server.pid if server else None,
        "log": server.log if server else None,
        "started_at": server.started_at if server else None,
        "state_file": str(local_server.state_path()),
        "prefect_api_url": configured,
    }
    if message:
        note(message)
    if as_json:
        print_json(doc)
    elif server is None:
        out.print("no local Prefect server running (`smallcap server start` starts one)")
    else:
        out.print(
            f"Prefect server running at {server.url} (pid {server.pid}, since "
            f"{server.started_at}, log {server.log})",
            highlight=False,
            soft_wrap=True,
        )
    if configured and not as_json:
        note(f"PREFECT_API_URL is set ({configured}): runs use that server")
    if server is None:
        raise typer.Exit(EXIT_FAILED)
