"""Flow hooks that tell a human when a run failed or only partly loaded.

The notification target is a Prefect notification block named in settings
(``SMALLCAP_NOTIFY_BLOCK=slack-webhook/ops`` or ``custom-webhook/ops``), so the channel and its
URL live in Prefect, not in the code or the environment. A notification that cannot be sent is
logged and swallowed: alerting must never change a run's outcome.
"""

import logging
from typing import Any

from prefect.blocks.core import Block
from prefect.client.schemas.objects import FlowRun
from prefect.states import State

from contracts.settings import get_settings
from pipeline.report import RunReport
from warehouse.audit import OpenRun

logger = logging.getLogger(__name__)


def notify(subject: str, body: str) -> bool:
    """Send through the configured block; False when none is configured or sending failed."""
    name = get_settings().notify_block
    if not name:
        return False
    try:
        Block.load(name).notify(body=body, subject=subject)  # type: ignore[attr-defined]
    except Exception:  # a broken alert channel must not fail or mask the run
        logger.exception("could not send the run notification through block %r", name)
        return False
    return True


def _report_of(state: State) -> RunReport | None:
    """The run's report: the return value of a completed run, or carried by RunFailed."""
    value = state.result(raise_on_failure=False)
    if isinstance(value, RunReport):
        return value
    return getattr(value, "report", None)


def on_completion(flow: Any, flow_run: FlowRun, state: State) -> None:
    """A completed run that lost some keys (status partial) still deserves a look."""
    report = _report_of(state)
    if report is not None and report.status != "success":
        notify(f"smallcap {flow.name} {report.status} ({report.run_date})", report.to_markdown())


def on_failure(flow: Any, flow_run: FlowRun, state: State) -> None:
    """Failed or crashed: send the report when there is one, else Prefect's error message."""
    report = _report_of(state)
    if report is not None:
        notify(f"smallcap {flow.name} failed ({report.run_date})", report.to_markdown())
        return
    notify(
        f"smallcap {flow.name} {state.type.value.lower()} (flow run {flow_run.name})",
        f"Flow run {flow_run.name} ({flow_run.id}) ended {state.name}: {state.message}",
    )


def notify_abandoned(runs: list[OpenRun]) -> None:
    """Runs whose process was killed outright (no hook ran) are failed runs too."""
    for run in runs:
        notify(
            f"smallcap {run.flow} failed ({run.run_date}): abandoned",
            f"Run {run.run_id} ({run.flow}, started {run.started_at}) was abandoned: its process "
            f"{run.pid} on {run.host} ended without closing it. Closed as failed.",
        )
