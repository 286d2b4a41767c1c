"""Which task runner fans out extraction and validation: threads by default, Dask to scale out.

Only extraction and validation are submitted to the runner; loads run in the flow process one
after another, so the warehouse keeps a single writer whichever runner is chosen.
"""

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from contracts.errors import ConfigError
from contracts.settings import Settings


def build_task_runner(settings: Settings) -> TaskRunner:
    """ThreadPoolTaskRunner, or a DaskTaskRunner on ``settings.dask_address`` (an existing
    cluster) or on a local cluster of ``settings.dask_workers`` worker processes."""
    if settings.task_runner == "threads":
        return ThreadPoolTaskRunner(max_workers=settings.task_workers)
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as exc:
        raise ConfigError(
            "SMALLCAP_TASK_RUNNER=dask needs prefect-dask: pip install -e '.[dask]'"
        ) from exc
    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    # processes, not threads: GX validation and pandas are GIL-bound
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": settings.dask_workers,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
        }
    )
