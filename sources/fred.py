"""FRED rates through fredapi, with a timeout, retries and an API key that never leaks.

fredapi 0.5 reads XML with ``urllib.request.urlopen`` and no timeout, and appends the key to
the URL, so an ``HTTPError`` (and its traceback) carries the key. ``_TimedFred`` replaces its one
fetch helper: same URL and XML parsing, plus a per-request timeout, the rate limit, and errors
rebuilt from status code and FRED's own message, raised ``from None`` and scrubbed.

Mapping (FRED -> column):
    observation ``date``           -> rates.date (datetime64[ns], midnight)
    observation ``value`` ('.')    -> rates.value (float; '.' = no observation -> NULL)
    series ``id/title/units/frequency/last_updated`` -> series_meta.* (last_updated in UTC)
    series ``observation_start/observation_end``     -> series_meta.* (the series' range on FRED)
"""

from __future__ import annotations

import http.client
import socket
import xml.etree.ElementTree as ET
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import date
from typing import TypeVar
from urllib.error import HTTPError, URLError
from urllib.parse import quote, quote_plus
from urllib.request import urlopen

import pandas as pd
from fredapi import Fred
from pydantic import SecretStr

from contracts.datasets import RATES
from contracts.errors import SourceError
from contracts.inputs import check_keys
from contracts.settings import Settings, get_settings
from contracts.universe import SERIES_RE
from sources.budget import RequestBudget, budget_for
from sources.extraction import Extraction, isolate
from sources.retry import (
    PermanentSourceError,
    RetryPolicy,
    TransientSourceError,
    UnreachableError,
    parse_retry_after,
    with_retries,
)

SOURCE = "fred"
DEFAULT_BASE_URL = "https://api.stlouisfed.org/fred"
KEY_HELP = "https://fred.stlouisfed.org/docs/api/api_key.html"
SERIES_META_COLUMNS = (
    "series_id",
    "title",
    "units",
    "frequency",
    "last_updated",
    "observation_start",
    "observation_end",
    "source",
)
# FRED's own default observation_start: a window from it asks for a series' whole history
FULL_HISTORY = date(1776, 7, 4)
# the root elements of FRED's XML answers fredapi reads (observations, series info)
_DATA_ROOTS = frozenset({"observations", "seriess"})

ApiKey = str | SecretStr
T = TypeVar("T")


def scrub(text: str, key: ApiKey | None) -> str:
    """``text`` with every occurrence of the key (plain or URL-quoted) replaced by ``***``."""
    secret = key.get_secret_value() if isinstance(key, SecretStr) else key
    if not secret:
        return text
    for form in sorted({secret, quote(secret), quote_plus(secret)}, key=len, reverse=True):
        text = text.replace(form, "***")
    return text


def _missing_key_error() -> SourceError:
    return SourceError(
        "FRED: no API key. Set FRED_API_KEY in the environment or .env (or configure "
        f"SMALLCAP_FRED_SECRET_BLOCK for a Prefect Secret block); get a free key at {KEY_HELP}"
    )


class _TimedFred(Fred):
    """fredapi with a timeout, a rate limit and key-free, classified errors.

    The key is held as a SecretStr and unwrapped only inline, so no frame local or attribute
    repr shows it; errors are raised outside the ``except`` so no ``__context__`` keeps the
    original (key-bearing) exception.
    """

    def __init__(
        self, api_key: SecretStr, root_url: str, timeout: float, limiter: RequestBudget | None
    ) -> None:
        super().__init__(api_key="***")  # fredapi insists on a key; ours stays in _secret
        self._secret = api_key
        self.root_url = root_url.rstrip("/")
        self._timeout = timeout
        self._limiter = limiter

    def _Fred__fetch_data(self, url: str) -> ET.Element:  # replaces fredapi's private helper
        if self._limiter is not None:
            self._limiter.acquire()
        error: SourceError
        try:
            with urlopen(
                url + "&api_key=" + self._secret.get_secret_value(), timeout=self._timeout
            ) as response:
                return _data_root(response.read())
        except HTTPError as exc:
            error = _http_error(exc.code, exc.read(), exc.headers.get("Retry-After"))
        except ET.ParseError as exc:
            error = TransientSourceError(f"malformed XML from FRED ({exc})")
        except (TimeoutError, URLError, http.client.HTTPException, ConnectionError) as exc:
            reason = exc.reason if isinstance(exc, URLError) else exc
            text = f"network error ({type(reason).__name__}: {reason}); timeout {self._timeout}s"
            if isinstance(reason, socket.gaierror | ConnectionRefusedError):
                error = UnreachableError(text + "; cannot reach FRED: check the network or proxy")
            else:
                error = TransientSourceError(text)
        raise error


def _data_root(body: bytes) -> ET.Element:
    """The parsed answer, if it is data. FRED can send its ``<error code=.. message=..>`` with
    status 200, and a proxy an HTML page: fredapi would read either as a series with no rows."""
    root = ET.fromstring(body)
    if root.tag == "error":
        code = root.get("code", "")
        raise _http_error(int(code) if code.isdigit() else 400, body, None)
    if root.tag not in _DATA_ROOTS:
        raise TransientSourceError(
            f"FRED answered with <{root.tag}> instead of data (an error page from a proxy or "
            "maintenance?)"
        )
    return root


def _http_error(status: int, body: bytes, retry_after: str | None) -> SourceError:
    try:
        message = ET.fromstring(body).get("message") or ""
    except ET.ParseError:
        message = ""
    text = f"HTTP {status} {message}".strip()
    if status == 429 or status >= 500:
        wait = parse_retry_after(retry_after)
        suffix = "" if wait is None else f" (Retry-After {wait:.0f}s)"
        return TransientSourceError(text + suffix, retry_after=wait)
    if "api_key" in message:
        text += f" (check FRED_API_KEY; see {KEY_HELP})"
    return PermanentSourceError(text)


def _secret(api_key: ApiKey | None) -> SecretStr:
    secret = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
    if not secret or not secret.strip():
        raise _missing_key_error()
    return SecretStr(secret.strip())


def _client(
    api_key: ApiKey | None, base_url: str | None, timeout: float, limiter: RequestBudget | None
) -> _TimedFred:
    return _TimedFred(_secret(api_key), base_url or DEFAULT_BASE_URL, timeout, limiter)


def _call(fn: Callable[[], T], what: str, key: SecretStr) -> T:
    """Run one fredapi call; any error comes out as a scrubbed SourceError naming ``what``.

    The new error is raised outside the ``except`` so it chains to nothing.
    """
    error: SourceError
    try:
        return fn()
    except TransientSourceError as exc:
        error = type(exc)(scrub(f"FRED {what}: {exc}", key), retry_after=exc.retry_after)
    except SourceError as exc:
        error = type(exc)(scrub(f"FRED {what}: {exc}", key))
    except Exception as exc:  # fredapi raises bare ValueError/KeyError on bad data
        error = PermanentSourceError(
            scrub(f"FRED {what}: unexpected response ({type(exc).__name__}: {exc})", key)
        )
    raise error


def normalize_series(series_id: str, observations: pd.Series) -> pd.DataFrame:
    """fredapi's date-indexed Series -> rows of RATES (NaN stays NULL, never 0)."""
    dates = pd.to_datetime(pd.Index(observations.index)).as_unit("ns")
    frame = pd.DataFrame(
        {
            "series_id": series_id,
            "date": dates.normalize(),
            "value": pd.to_numeric(observations.to_numpy(), errors="coerce").astype("float64"),
            "source": SOURCE,
        }
    )
    return frame.loc[:, list(RATES.columns)].sort_values("date", ignore_index=True)


def normalize_series_info(info: pd.Series) -> pd.DataFrame:
    """fredapi's series-info Series -> one row for core.series_meta."""
    updated = pd.to_datetime(info.get("last_updated"), utc=True, errors="coerce")
    row = {
        "series_id": info.get("id"),
        "title": info.get("title"),
        "units": info.get("units"),
        "frequency": info.get("frequency"),
        "last_updated": updated.tz_convert(None) if pd.notna(updated) else pd.NaT,
        "observation_start": pd.to_datetime(info.get("observation_start"), errors="coerce"),
        "observation_end": pd.to_datetime(info.get("observation_end"), errors="coerce"),
        "source": SOURCE,
    }
    frame = pd.DataFrame([row], columns=list(SERIES_META_COLUMNS))
    for column in ("last_updated", "observation_start", "observation_end"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame


def _fetch_each(
    series_ids: Iterable[str],
    request: Callable[[Fred, str], pd.Series],
    normalize: Callable[[str, pd.Series], pd.DataFrame],
    describe: Callable[[str], str],
    *,
    api_key: ApiKey | None,
    base_url: str | None,
    timeout: float,
    retry: RetryPolicy | None,
    limiter: RequestBudget | None,
) -> pd.DataFrame:
    """One retried, key-scrubbed request per series, normalized and stacked."""
    ids = check_keys(series_ids, SERIES_RE, what="FRED series ids", example="DFF or DGS10")
    key = _secret(api_key)
    fred = _client(key, base_url, timeout, limiter)
    policy = retry or RetryPolicy()
    frames = []
    for series_id in ids:  # checked: fredapi puts them into the URL unquoted
        what = describe(series_id)

        def call(sid: str = series_id, what: str = what) -> pd.Series:
            return _call(lambda: request(fred, sid), what, key)

        frames.append(normalize(series_id, with_retries(call, policy=policy, what=f"FRED {what}")))
    return pd.concat(frames, ignore_index=True)


def fetch_series(
    series_ids: Iterable[str],
    start: date,
    end: date,
    *,
    api_key: ApiKey | None,
    base_url: str | None = None,
    timeout: float = 30.0,
    retry: RetryPolicy | None = None,
    limiter: RequestBudget | None = None,
) -> pd.DataFrame:
    """Observations for [start, end] (inclusive) per series, columns exactly RATES.columns."""
    return _fetch_each(
        series_ids,
        lambda fred, sid: fred.get_series(sid, start, end),
        normalize_series,
        lambda sid: f"{sid} {start}..{end}",
        api_key=api_key, base_url=base_url, timeout=timeout, retry=retry, limiter=limiter,
    )  # fmt: skip


def fetch_series_meta(
    series_ids: Iterable[str],
    *,
    api_key: ApiKey | None,
    base_url: str | None = None,
    timeout: float = 30.0,
    retry: RetryPolicy | None = None,
    limiter: RequestBudget | None = None,
) -> pd.DataFrame:
    """Title, units, frequency and last update per series (for core.series_meta)."""
    return _fetch_each(
        series_ids,
        lambda fred, sid: fred.get_series_info(sid),
        lambda _sid, info: normalize_series_info(info),
        lambda sid: f"{sid} info",
        api_key=api_key, base_url=base_url, timeout=timeout, retry=retry, limiter=limiter,
    )  # fmt: skip


def extract_rates(
    windows: Mapping[str, tuple[date, date]],
    *,
    api_key: ApiKey | None,
    settings: Settings | None = None,
    retry: RetryPolicy | None = None,
    meta_series: Collection[str] | None = None,
) -> Extraction:
    """Rates, isolated per series; the breaker trips on mass failure. Series metadata costs a
    request of its own, so it is fetched only for ``meta_series`` (default: every series)."""
    settings = settings or get_settings()
    key = _secret(api_key)
    policy = retry or RetryPolicy.from_settings(settings)
    limiter = budget_for(SOURCE, settings.fred_requests_per_second)
    base_url, timeout = settings.fred_base_url, settings.fred_timeout_seconds

    def fetch_one(series_id: str) -> dict[str, pd.DataFrame]:
        start, end = windows[series_id]
        rates = fetch_series(
            [series_id], start, end, api_key=key, base_url=base_url, timeout=timeout,
            retry=policy, limiter=limiter,
        )  # fmt: skip
        if meta_series is not None and series_id not in meta_series:
            return {"rates": rates}
        meta = fetch_series_meta(
            [series_id], api_key=key, base_url=base_url, timeout=timeout,
            retry=policy, limiter=limiter,
        )  # fmt: skip
        return {"rates": rates, "series_meta": meta}

    extraction = isolate(
        "rates",
        windows.keys(),
        fetch_one,
        max_failure_ratio=settings.max_failure_ratio,
        scrub=lambda text: scrub(text, key),
    )
    extraction.frames.setdefault("rates", pd.DataFrame(columns=list(RATES.columns)))
    extraction.frames.setdefault("series_meta", pd.DataFrame(columns=list(SERIES_META_COLUMNS)))
    return extraction
