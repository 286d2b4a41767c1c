"""One request budget per source for every process and machine that extracts through Prefect.

Each process's own limiter would give every worker (threads, Dask workers, Prefect workers,
a second deployment) the whole rate, so scaling out is the fastest way to get blocked. When a
Prefect API is configured, each HTTP request to a source instead takes one slot of a Prefect
rate limit, ``smallcap-<source>-requests``: size ``SMALLCAP_REQUEST_BURST``, slots decaying at
the source's configured rate. Without one (a temporary server serves only its own process)
the in-process limiter is just as global and costs no API call per request.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prefect.concurrency.sync import rate_limit
from prefect.settings import PREFECT_API_URL

from contracts.settings import Settings
from flows.limits import ensure_limit
from sources.budget import RequestBudget, budgets


def request_limit_name(source: str) -> str:
    return f"smallcap-{source}-requests"


class PrefectRateLimit:
    """A request budget drawn from a Prefect rate limit (the server decides who goes next)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def acquire(self) -> float:
        """Block until the limit has a free slot; returns the seconds waited."""
        started = time.monotonic()
        rate_limit(self.name, occupy=1, strict=True)  # strict: a missing limit is a bug here
        return time.monotonic() - started


def rates_per_second(settings: Settings) -> dict[str, float]:
    """Each live source's configured request rate; 0 or less means no limit."""
    return {
        "yahoo": settings.yahoo_requests_per_minute / 60.0,
        "fred": settings.fred_requests_per_second,
    }


@contextmanager
def shared_request_budgets(settings: Settings) -> Iterator[None]:
    """Inside a task that extracts: draw every source request from the Prefect rate limits
    when a Prefect API is configured (created or updated to the settings on first use)."""
    if not PREFECT_API_URL.value():
        yield
        return
    shared: dict[str, RequestBudget] = {
        source: PrefectRateLimit(
            ensure_limit(
                request_limit_name(source),
                limit=settings.request_burst,
                slot_decay_per_second=rate,
            )
        )
        for source, rate in rates_per_second(settings).items()
        if rate > 0
    }
    with budgets(shared):
        yield
