"""prefect.yaml stays true to the code: every entrypoint imports, its parameters exist in the
flow's signature, and `smallcap serve` builds the same schedules and parameters from it."""

import inspect

import pytest
from prefect.flows import load_flow_from_entrypoint

from flows.deployspec import load_deployment_specs
from flows.serve import build_deployments

SPECS = load_deployment_specs()


def test_prefect_yaml_declares_daily_reconcile_and_backfill():
    assert [s.name for s in SPECS] == ["daily", "reconcile", "backfill"]
    assert all(s.concurrency_limit == 1 for s in SPECS)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_entrypoint_imports_and_yaml_parameters_match_the_flow_signature(spec):
    flow = load_flow_from_entrypoint(f"{spec.module_path}:{spec.function_name}")
    params = inspect.signature(flow.fn).parameters
    required = {n for n, p in params.items() if p.default is inspect.Parameter.empty}

    assert set(spec.parameters) <= set(params), f"unknown parameters in {spec.name}"
    if spec.schedules:  # a scheduled run has nobody to supply missing parameters
        assert required <= set(spec.parameters)


def test_backfill_is_unscheduled_and_asks_for_its_range():
    backfill = next(s for s in SPECS if s.name == "backfill")
    flow = load_flow_from_entrypoint(f"{backfill.module_path}:{backfill.function_name}")

    assert backfill.schedules == []
    assert list(inspect.signature(flow.fn).parameters)[:2] == ["start", "end"]


def test_serve_builds_the_yaml_schedules_and_parameters_without_serving():
    deployments = {d.name: d for d in build_deployments()}

    assert set(deployments) == {"daily", "reconcile", "backfill"}
    daily, reconcile = deployments["daily"], deployments["reconcile"]
    assert daily.flow_name == "daily-etl"
    assert daily.parameters == {"source": "live"}
    assert [(s.schedule.cron, s.schedule.timezone) for s in daily.schedules] == [
        ("30 18 * * 1-5", "America/New_York")
    ]
    assert reconcile.parameters == {"days": 20, "source": "live"}
    assert [(s.schedule.cron, s.schedule.timezone) for s in reconcile.schedules] == [
        ("0 9 * * 6", "America/New_York")
    ]
    assert deployments["backfill"].schedules == []
    assert all(d.concurrency_limit == 1 for d in deployments.values())
    assert daily.concurrency_options.collision_strategy.value == "ENQUEUE"
