"""yfinance set-up and error classification shared by the Yahoo price and fundamentals fetchers.

yfinance 1.7 keeps process-wide state: sqlite caches (tz, cookie, ISIN) that raise "database is
locked" under threads unless they live in a folder of ours, a response cache (an ``lru_cache`` on
``YfData.cache_get``) that would hand a retry the same failed response, and a ``hide_exceptions``
switch that by default turns network errors into "possibly delisted". We set all three here.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
from collections.abc import Callable
from json import JSONDecodeError
from pathlib import Path
from typing import TypeVar

import requests
import yfinance as yf
from curl_cffi.curl import CurlError
from urllib3.exceptions import NewConnectionError
from yfinance.data import YfData
from yfinance.exceptions import (
    YFDataException,
    YFPricesMissingError,
    YFRateLimitError,
    YFTickerMissingError,
)

from contracts.errors import SourceError
from contracts.settings import Settings
from sources.budget import RequestBudget, charging, meter
from sources.retry import (
    EmptyResultError,
    PermanentSourceError,
    TransientSourceError,
    UnreachableError,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

_configured: Path | None = None
_configure_lock = threading.Lock()

# Yahoo's chart errors that mean "this symbol/window has no data", not "try again".
_PERMANENT_REASON = re.compile(r"not found|delisted|doesn't exist|does not exist|invalid", re.I)


def configure_yfinance(cache_dir: Path | None = None) -> Path:
    """Once per process (first call wins): caches under ``cache_dir``, errors raised, no retries.

    yfinance cannot move a cache it has already opened, so later calls with another folder
    only log a warning.
    """
    global _configured
    with _configure_lock:
        if cache_dir is None and _configured is not None:
            return _configured
        target = Path(cache_dir or Settings().yahoo_cache_dir)
        if _configured is None:
            target.mkdir(parents=True, exist_ok=True)
            yf.set_tz_cache_location(str(target))  # moves tz, cookie and ISIN caches together
            yf.config.debug.hide_exceptions = False  # raise network errors instead of logging
            yf.config.network.retries = 0  # we retry transient errors ourselves, with backoff
            _configured = target
        elif target != _configured:
            log.warning("yfinance caches already in %s; ignoring %s", _configured, target)
        return _configured


def forget_responses() -> None:
    """Drop yfinance's in-memory response cache so a retry really asks Yahoo again."""
    YfData.cache_get.cache_clear()


# curl: couldn't resolve proxy, couldn't resolve host, couldn't connect
_UNREACHABLE_CURL_CODES = frozenset({5, 6, 7})


def _status(exc: BaseException) -> int | None:
    """The HTTP status of the response an error carries; curl_cffi reports 0 for "no response"."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) and status > 0 else None


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception it wraps (cause, context, args, urllib3's ``reason``)."""
    found: list[BaseException] = []
    stack = [exc]
    while stack:
        current = stack.pop()
        if any(current is seen for seen in found):
            continue
        found.append(current)
        linked = (current.__cause__, current.__context__, getattr(current, "reason", None))
        stack += [e for e in (*linked, *current.args) if isinstance(e, BaseException)]
    return found


def is_unreachable(exc: BaseException) -> bool:
    """DNS failure or refused connection (requests/urllib3 or curl_cffi), directly or wrapped."""
    for cause in _causes(exc):
        if isinstance(cause, NewConnectionError | ConnectionRefusedError | socket.gaierror):
            return True
        if isinstance(cause, CurlError) and getattr(cause, "code", None) in _UNREACHABLE_CURL_CODES:
            return True
    return False


def as_source_error(exc: BaseException, what: str) -> SourceError:
    """Map a yfinance/HTTP failure to a transient or permanent SourceError naming ``what``."""
    if isinstance(exc, SourceError):
        return exc
    prefix = f"Yahoo {what}"
    if isinstance(exc, YFRateLimitError):
        return TransientSourceError(f"{prefix}: rate limited by Yahoo (HTTP 429); try later")
    if isinstance(exc, YFPricesMissingError) and exc.yahoo_reason is None:
        return EmptyResultError(f"{prefix}: Yahoo returned no bars ({exc})")
    if isinstance(exc, YFTickerMissingError):
        reason = getattr(exc, "rationale", str(exc))
        if isinstance(exc, YFPricesMissingError) and not _PERMANENT_REASON.search(reason):
            return TransientSourceError(f"{prefix}: Yahoo error: {reason}")
        return PermanentSourceError(
            f"{prefix}: {exc}; check the symbol in the universe file on finance.yahoo.com"
        )
    if is_unreachable(exc):
        return UnreachableError(
            f"{prefix}: network error, cannot reach Yahoo ({type(exc).__name__}: {exc}); check the "
            "network, DNS or proxy"
        )
    status = _status(exc)
    if status is not None:
        text = f"{prefix}: HTTP {status} ({type(exc).__name__})"
        if status == 429 or status >= 500:
            return TransientSourceError(text)
        return PermanentSourceError(text + "; check the symbol")
    # requests raises its own JSONDecodeError (built on simplejson's when that is installed)
    if isinstance(exc, JSONDecodeError | requests.exceptions.InvalidJSONError):
        return TransientSourceError(f"{prefix}: malformed (non-JSON) response: {exc}")
    if isinstance(exc, YFDataException) and "DOWN" in str(exc):
        return TransientSourceError(f"{prefix}: Yahoo Finance is down")
    if isinstance(exc, OSError):  # requests/curl_cffi errors, timeouts, resets, refused
        return TransientSourceError(
            f"{prefix}: network error ({type(exc).__name__}: {exc}); check the connection"
        )
    if isinstance(exc, KeyError | ValueError | TypeError):  # yfinance parsing a broken body
        return PermanentSourceError(
            f"{prefix}: malformed response, a field is missing or not a number "
            f"({type(exc).__name__}: {exc}); Yahoo may have changed its format"
        )
    return PermanentSourceError(f"{prefix}: unexpected {type(exc).__name__}: {exc}")


def call_yahoo(
    fn: Callable[[], T],
    what: str,
    limiter: RequestBudget | None,
    session: requests.Session | None = None,
) -> T:
    """One yfinance call, each of its HTTP requests under ``limiter``, with a fresh response
    cache and mapped errors.

    ``session`` is the one ``fn`` hands yfinance; None means yfinance's own (whatever its
    process-wide ``YfData`` holds at this moment: the default curl_cffi session, or the one a
    test fixture put there), so that one is metered.
    """
    meter(session if session is not None else YfData()._session)
    forget_responses()
    try:
        with charging(limiter):
            return fn()
    except Exception as exc:
        raise as_source_error(exc, what) from exc
