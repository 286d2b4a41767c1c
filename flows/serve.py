"""`smallcap serve`: every prefect.yaml deployment served from one long-running process.

For a small box without a work pool: the schedules, parameters and concurrency limits come from
prefect.yaml (via flows.deployspec), so both ways of running share one definition. Job
variables (env) do not apply here; the serving process's own environment does.
"""

from prefect import serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.flows import load_flow_from_entrypoint
from prefect.schedules import Cron

from flows.deployspec import DeploymentSpec, load_deployment_specs


def to_runner_deployment(spec: DeploymentSpec) -> RunnerDeployment:
    flow = load_flow_from_entrypoint(f"{spec.module_path}:{spec.function_name}")
    limit = None
    if spec.concurrency_limit is not None:
        limit = ConcurrencyLimitConfig(
            limit=spec.concurrency_limit,
            collision_strategy=ConcurrencyLimitStrategy(spec.collision_strategy or "ENQUEUE"),
        )
    return flow.to_deployment(
        name=spec.name,
        description=spec.description,
        tags=spec.tags,
        parameters=spec.parameters,
        schedules=[Cron(s.cron, timezone=s.timezone) for s in spec.schedules],
        concurrency_limit=limit,
    )


def build_deployments(specs: list[DeploymentSpec] | None = None) -> list[RunnerDeployment]:
    return [to_runner_deployment(s) for s in specs or load_deployment_specs()]


def serve_all(limit: int | None = None) -> None:
    """Block serving every deployment; ``limit`` caps concurrent flow runs of this process."""
    serve(*build_deployments(), limit=limit)
