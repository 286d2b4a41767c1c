"""The deployments declared in prefect.yaml, read as plain data.

prefect.yaml is the one place schedules, parameters and limits are written down; `smallcap
serve` and the tests read them from here instead of repeating them in Python.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from contracts.errors import ConfigError
from contracts.settings import CODE_ROOT

# prefect.yaml's entrypoints are paths relative to it, so it is read next to the code
PREFECT_YAML = CODE_ROOT / "prefect.yaml"


@dataclass(frozen=True)
class CronSchedule:
    cron: str
    timezone: str | None = None


@dataclass(frozen=True)
class DeploymentSpec:
    name: str
    entrypoint: str
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    schedules: list[CronSchedule] = field(default_factory=list)
    concurrency_limit: int | None = None
    collision_strategy: str | None = None

    @property
    def module_path(self) -> Path:
        return CODE_ROOT / self.entrypoint.split(":", 1)[0]

    @property
    def function_name(self) -> str:
        return self.entrypoint.split(":", 1)[1]


def _limit(raw: Any) -> tuple[int | None, str | None]:
    if isinstance(raw, dict):
        return raw.get("limit"), raw.get("collision_strategy")
    return raw, None


def _schedules(name: str, raw: list[dict[str, Any]] | None) -> list[CronSchedule]:
    schedules = []
    for item in raw or []:
        if "cron" not in item:
            raise ConfigError(f"prefect.yaml deployment {name!r}: only cron schedules are used")
        schedules.append(CronSchedule(cron=item["cron"], timezone=item.get("timezone")))
    return schedules


def load_deployment_specs(path: Path = PREFECT_YAML) -> list[DeploymentSpec]:
    """Every deployment in ``path`` (YAML anchors resolved), in file order."""
    if not path.is_file():
        raise ConfigError(
            f"no prefect.yaml at {path}: deployments are served from a source checkout "
            "(git clone, then `pip install -e .`); a non-editable install runs `smallcap run` "
            "and `smallcap backfill` only"
        )
    try:
        doc = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read deployments from {path}: {exc}") from exc
    specs = []
    for raw in doc.get("deployments") or []:
        limit, strategy = _limit(raw.get("concurrency_limit"))
        specs.append(
            DeploymentSpec(
                name=raw["name"],
                entrypoint=raw["entrypoint"],
                description=raw.get("description"),
                tags=list(raw.get("tags") or []),
                parameters=dict(raw.get("parameters") or {}),
                schedules=_schedules(raw["name"], raw.get("schedules")),
                concurrency_limit=limit,
                collision_strategy=strategy,
            )
        )
    return specs
