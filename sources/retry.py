"""Retry and request-rate limits shared by the live sources (Yahoo, FRED).

Only transient failures (rate limits, 5xx, timeouts, dropped connections) are worth a second
try; a 4xx or an unknown symbol will fail the same way again, so those surface at once. Sleeps
and the clock are injectable so the tests run the real retry loop without waiting.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    wait_exponential_jitter,
)

from contracts.errors import SourceError
from contracts.settings import Settings, get_settings

log = logging.getLogger(__name__)
T = TypeVar("T")


class TransientSourceError(SourceError):
    """A failure that may pass on its own (HTTP 429/5xx, timeout, reset): retried with backoff.

    ``retry_after`` is the server's own Retry-After in seconds, when it sent one: the next try
    waits at least that long, and none at all if it is longer than the policy's ``max_wait``.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UnreachableError(TransientSourceError):
    """The host could not be reached at all (DNS failure, connection refused).

    Usually the machine is offline or a proxy/firewall is in the way, so it is retried only
    ``RetryPolicy.unreachable_attempts`` times, and ``sources.extraction.isolate`` gives up on
    the whole source when the first keys all fail this way.
    """


class PermanentSourceError(SourceError):
    """A failure that will repeat (unknown symbol or series, other 4xx): never retried."""


class EmptyResultError(PermanentSourceError):
    """The source answered without rows for a window that has sessions (often a silent block)."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter: waits ~initial, 2*initial, ... capped at ``max_wait``.

    An unreachable host gets fewer attempts than other transient errors: a DNS or routing
    blip clears within one short wait, an offline machine never does.
    """

    attempts: int = 4
    initial_wait: float = 2.0
    max_wait: float = 60.0
    jitter: float = 1.0
    unreachable_attempts: int = 2
    sleep: Callable[[float], None] = time.sleep

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> RetryPolicy:
        """Policy from ``source_retry_attempts`` and ``source_retry_wait_seconds``, so an
        end-to-end test can make retries instant through the environment."""
        settings = settings or get_settings()
        wait = settings.source_retry_wait_seconds
        return cls(
            attempts=settings.source_retry_attempts,
            initial_wait=wait,
            max_wait=settings.source_retry_max_wait_seconds,
            jitter=cls.jitter if wait > 0 else 0.0,
        )

    def attempts_for(self, exc: BaseException | None) -> int:
        """How many attempts a call that failed with ``exc`` gets in all (at least one)."""
        limit = self.attempts
        if isinstance(exc, UnreachableError):
            limit = min(limit, self.unreachable_attempts)
        return max(1, limit)

    def waits_too_long(self, exc: BaseException | None) -> bool:
        """The server asked for a pause longer than any wait this policy allows: retrying
        sooner would only be refused again, so the key fails now and the next run retries."""
        asked = getattr(exc, "retry_after", None)
        return asked is not None and asked > self.max_wait


NO_WAIT = RetryPolicy(attempts=3, initial_wait=0.0, max_wait=0.0, jitter=0.0)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from an HTTP Retry-After header (delta-seconds or an HTTP date), or None
    when it is absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def with_retries(call: Callable[[], T], *, policy: RetryPolicy, what: str) -> T:
    """Run ``call``; retry it on :class:`TransientSourceError` only, then re-raise the last one.

    Waits back off exponentially, but never less than the server's Retry-After; a Retry-After
    beyond ``policy.max_wait`` ends the retries at once (bounded: a run never sleeps longer)."""
    backoff = wait_exponential_jitter(
        initial=policy.initial_wait, max=policy.max_wait, jitter=policy.jitter
    )

    def _wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return max(backoff(state), getattr(exc, "retry_after", None) or 0.0)

    def _stop(state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        if policy.waits_too_long(exc):
            log.warning(
                "%s: the source asks to retry after %.0fs, longer than the %.0fs this run waits "
                "(SMALLCAP_SOURCE_RETRY_MAX_WAIT_SECONDS); giving up on it until the next run",
                what,
                getattr(exc, "retry_after", 0.0),
                policy.max_wait,
            )
            return True
        return state.attempt_number >= policy.attempts_for(exc)

    def _log_retry(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "%s: attempt %d/%d failed (%s); retrying in %.1fs",
            what,
            state.attempt_number,
            policy.attempts_for(exc),
            exc,
            wait,
        )

    retrying = Retrying(
        stop=_stop,
        wait=_wait,
        retry=retry_if_exception_type(TransientSourceError),
        before_sleep=_log_retry,
        sleep=policy.sleep,
        reraise=True,
    )
    return retrying(call)


class RateLimiter:
    """At most ``rate`` calls per second across threads, spaced evenly (no bursts).

    Each caller reserves the next free slot under the lock and sleeps outside it, so threads
    queue fairly. A rate of 0 or less disables the limit (tests, replays).
    """

    def __init__(
        self,
        rate_per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / rate_per_second if rate_per_second > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = float("-inf")

    def acquire(self) -> float:
        """Block until a slot is free; returns the seconds waited."""
        if self.interval <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return wait


_limiters: dict[tuple[str, float], RateLimiter] = {}
_limiters_lock = threading.Lock()


def shared_limiter(source: str, rate_per_second: float) -> RateLimiter:
    """One limiter per (source, rate) per process, so concurrent tasks share a budget."""
    with _limiters_lock:
        key = (source, rate_per_second)
        if key not in _limiters:
            _limiters[key] = RateLimiter(rate_per_second)
        return _limiters[key]
