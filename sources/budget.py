"""Request budgets: every HTTP request to a source takes one permit from that source's budget.

yfinance sends one to three HTTP requests per call (time-zone probe, cookie and crumb, the
data itself), so limiting calls would let the real request rate drift with yfinance's
internals. ``meter`` therefore wraps the session itself, and a budget counts requests.

Which budget a request draws from is decided by the caller's context, not by the session: the
orchestration layer (``flows/``, the only one that knows about Prefect) scopes a budget shared
by every process with ``budgets({...})``; outside such a scope each source uses its in-process
limiter (``sources.retry.shared_limiter``), which is what one-shot CLI runs and plain tests get.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

import requests

from sources.retry import shared_limiter

S = TypeVar("S")


class RequestBudget(Protocol):
    """Something that blocks until one more request may go out (``RateLimiter`` and the flows'
    Prefect rate limit both are)."""

    def acquire(self) -> float:
        """Block until a permit is free; returns the seconds waited."""
        ...


_scoped: ContextVar[Mapping[str, RequestBudget]] = ContextVar(
    "smallcap_budgets", default=MappingProxyType({})
)
_charged: ContextVar[RequestBudget | None] = ContextVar("smallcap_charged", default=None)
_METERED = "_smallcap_metered"


@contextmanager
def budgets(by_source: Mapping[str, RequestBudget]) -> Iterator[None]:
    """Use these budgets (by source name: ``yahoo``, ``fred``) for extractions in this context,
    instead of the in-process limiters; a source not named keeps its default."""
    token = _scoped.set({**_scoped.get(), **by_source})
    try:
        yield
    finally:
        _scoped.reset(token)


def budget_for(source: str, rate_per_second: float) -> RequestBudget:
    """The budget a scope gave ``source``, else the process-wide limiter at this rate."""
    return _scoped.get().get(source) or shared_limiter(source, rate_per_second)


@contextmanager
def charging(budget: RequestBudget | None) -> Iterator[None]:
    """Requests sent through a metered session in this context take a permit from ``budget``
    (none when it is None: a caller that asked for no limit)."""
    token = _charged.set(budget)
    try:
        yield
    finally:
        _charged.reset(token)


def meter(session: S) -> S:
    """Make ``session`` take a permit for every HTTP request it sends (idempotent).

    A ``requests.Session`` is wrapped at ``send``, which also sends each redirect hop; a
    curl_cffi session (yfinance's default) at ``request``, below which curl follows redirects
    itself. The permit comes from the budget ``charging`` set in the sending thread's context.
    """
    if getattr(session, _METERED, False):
        return session
    name = "send" if isinstance(session, requests.Session) else "request"
    send: Callable[..., Any] = getattr(session, name)

    def metered(*args: Any, **kwargs: Any) -> Any:
        budget = _charged.get()
        if budget is not None:
            budget.acquire()
        return send(*args, **kwargs)

    setattr(session, name, metered)
    setattr(session, _METERED, True)
    return session
