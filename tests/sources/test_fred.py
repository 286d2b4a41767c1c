"""FRED through the real fredapi against a loopback server replaying recorded XML."""

from __future__ import annotations

import logging
import time
import traceback
from datetime import date
from typing import TYPE_CHECKING

import pandas as pd
import pytest
from pydantic import SecretStr

from contracts.datasets import RATES
from contracts.errors import SourceError
from contracts.settings import Settings
from sources.fred import (
    SERIES_META_COLUMNS,
    extract_rates,
    fetch_series,
    fetch_series_meta,
    scrub,
)
from sources.retry import (
    NO_WAIT,
    PermanentSourceError,
    RateLimiter,
    RetryPolicy,
    TransientSourceError,
)

if TYPE_CHECKING:
    from fakes import FredStub

KEY = "zz9plural7alpha0key4leak2check"
OBS = "series/observations"
WINDOW = (date(2023, 1, 1), date(2023, 6, 6))


def settings_for(stub: FredStub, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "fred_base_url": stub.base_url,
        "fred_requests_per_second": 0,
        "fred_timeout_seconds": 5.0,
        "max_failure_ratio": 0.5,
    }
    return Settings(**{**values, **overrides})


def fetch(stub: FredStub, series_id: str = "DFF", **kwargs: object) -> pd.DataFrame:
    options: dict[str, object] = {"api_key": KEY, "base_url": stub.base_url, "retry": NO_WAIT}
    return fetch_series([series_id], *WINDOW, **{**options, **kwargs})  # type: ignore[arg-type]


def every_text(exc: BaseException) -> str:
    """Message, args, formatted traceback and the whole cause/context chain of ``exc``."""
    parts, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [str(current), repr(current.args), *traceback.format_exception(current)]
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


def test_fetch_series_parses_recorded_dff_observations(fred_server: FredStub) -> None:
    frame = fetch(fred_server)

    assert tuple(frame.columns) == RATES.columns
    assert len(frame) == 157
    assert frame["date"].dtype == "datetime64[ns]"
    assert frame.iloc[0].to_dict() == {
        "series_id": "DFF",
        "date": pd.Timestamp("2023-01-01"),
        "value": 4.33,
        "source": "fred",
    }
    assert frame["value"].iloc[-1] == 5.08
    query = fred_server.queries[0]
    assert query["observation_start"] == ["2023-01-01"]
    assert query["observation_end"] == ["2023-06-06"]


def test_fetch_series_keeps_fred_dot_as_null_not_zero(fred_server: FredStub) -> None:
    frame = fetch(fred_server, "GDP")

    assert frame["value"].iloc[:4].isna().all()
    assert (frame["value"] != 0).all()
    assert frame["value"].notna().sum() == 315 - frame["value"].isna().sum()
    assert frame.loc[frame["date"] == "1947-01-01", "value"].item() == pytest.approx(243.164)


def test_fetch_series_meta_reads_title_units_frequency(fred_server: FredStub) -> None:
    meta = fetch_series_meta(["DFF"], api_key=KEY, base_url=fred_server.base_url, retry=NO_WAIT)

    assert tuple(meta.columns) == SERIES_META_COLUMNS
    row = meta.iloc[0]
    assert (row["series_id"], row["title"]) == ("DFF", "Federal Funds Effective Rate")
    assert (row["units"], row["frequency"]) == ("Percent", "Daily, 7-Day")
    assert row["last_updated"] == pd.Timestamp("2024-06-26 20:17:50")  # -05 -> UTC
    assert (row["observation_start"], row["observation_end"]) == (
        pd.Timestamp("1954-07-01"),
        pd.Timestamp("2024-06-25"),
    )


def test_rate_limited_429_is_retried_then_succeeds(fred_server: FredStub) -> None:
    body = fred_server.body(OBS, "DFF")
    too_many = b'<error code="429" message="Too Many Requests.  Exceeded Rate Limit"/>'
    fred_server.script(OBS, "DFF", (429, too_many), (200, body))

    frame = fetch(fred_server)

    assert len(frame) == 157
    assert fred_server.count(OBS, "DFF") == 2


def test_server_error_forever_fails_after_bounded_retries(fred_server: FredStub) -> None:
    fred_server.script(OBS, "DFF", (500, b"<html>oops</html>"))
    began = time.monotonic()

    with pytest.raises(TransientSourceError, match=r"FRED DFF 2023-01-01\.\.2023-06-06: HTTP 500"):
        fetch(fred_server, retry=RetryPolicy(attempts=3, initial_wait=0, max_wait=0, jitter=0))

    assert fred_server.count(OBS, "DFF") == 3
    assert time.monotonic() - began < 2


def test_retry_waits_grow_exponentially_without_sleeping(fred_server: FredStub) -> None:
    fred_server.script(OBS, "DFF", (503, b""))
    waits: list[float] = []
    policy = RetryPolicy(attempts=4, initial_wait=1, max_wait=60, jitter=0, sleep=waits.append)

    with pytest.raises(TransientSourceError):
        fetch(fred_server, retry=policy)

    assert waits == [1, 2, 4]


def test_slow_server_times_out_as_transient(fred_server: FredStub) -> None:
    fred_server.script(OBS, "DFF", (200, fred_server.body(OBS, "DFF"), 2.0))
    began = time.monotonic()

    with pytest.raises(TransientSourceError, match=r"timeout 0\.5s"):
        fetch(fred_server, timeout=0.5, retry=RetryPolicy(attempts=1))

    assert time.monotonic() - began < 1.5


def test_malformed_xml_is_reported_not_parsed(fred_server: FredStub) -> None:
    fred_server.script(OBS, "DFF", (200, b"<observations><observation date="))

    with pytest.raises(TransientSourceError, match="malformed XML"):
        fetch(fred_server)


def test_bad_series_id_is_permanent_and_not_retried(fred_server: FredStub) -> None:
    with pytest.raises(PermanentSourceError, match=r"NOPE.*series does not exist"):
        fetch(fred_server, "NOPE")

    assert fred_server.count(OBS, "NOPE") == 1


def test_no_network_fails_fast_with_a_clear_message(closed_port: int) -> None:
    began = time.monotonic()

    with pytest.raises(TransientSourceError, match=r"network error.*(refused|Errno)"):
        fetch_series(
            ["DFF"],
            *WINDOW,
            api_key=KEY,
            base_url=f"http://127.0.0.1:{closed_port}/fred",
            retry=NO_WAIT,
        )

    assert time.monotonic() - began < 3


def test_extract_rates_isolates_one_bad_series(fred_server: FredStub) -> None:
    windows = {"DFF": WINDOW, "GDP": (date(2020, 1, 1), date(2024, 7, 1)), "NOPE": WINDOW}

    result = extract_rates(windows, api_key=KEY, settings=settings_for(fred_server), retry=NO_WAIT)

    assert set(result.frames["rates"]["series_id"]) == {"DFF", "GDP"}
    assert list(result.frames["series_meta"]["series_id"]) == ["DFF", "GDP"]
    assert [(f.key, f.error_class) for f in result.failures] == [("NOPE", "PermanentSourceError")]
    assert result.keys_attempted == 3


def test_extract_rates_fetches_metadata_only_for_the_series_asked(fred_server: FredStub) -> None:
    windows = {"DFF": WINDOW, "GDP": (date(2020, 1, 1), date(2024, 7, 1))}

    result = extract_rates(
        windows, api_key=KEY, settings=settings_for(fred_server), retry=NO_WAIT, meta_series=["GDP"]
    )

    assert set(result.frames["rates"]["series_id"]) == {"DFF", "GDP"}
    assert list(result.frames["series_meta"]["series_id"]) == ["GDP"]
    assert (fred_server.count("series", "DFF"), fred_server.count("series", "GDP")) == (0, 1)


def test_extract_rates_trips_the_breaker_on_mass_failure(fred_server: FredStub) -> None:
    windows = {"DFF": WINDOW, "BAD1": WINDOW, "BAD2": WINDOW}

    with pytest.raises(SourceError, match=r"2 of 3 keys failed.*circuit breaker"):
        extract_rates(windows, api_key=KEY, settings=settings_for(fred_server), retry=NO_WAIT)


def test_api_key_never_leaks_into_logs_errors_or_frames(
    fred_server: FredStub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fred_server.script(OBS, "GDP", (500, b""))
    windows = {"DFF": WINDOW, "GDP": WINDOW, "NOPE": WINDOW}
    settings = settings_for(fred_server, max_failure_ratio=1.0)

    result = extract_rates(windows, api_key=SecretStr(KEY), settings=settings, retry=NO_WAIT)
    with pytest.raises(SourceError) as raised:
        fetch(fred_server, "NOPE")

    assert all(fred_server.queries[i]["api_key"] == [KEY] for i in range(3))  # it was sent
    logged = "\n".join(r.getMessage() + str(r.exc_text) + str(r.args) for r in caplog.records)
    assert caplog.records and KEY not in logged
    assert KEY not in repr(result.failures)
    for frame in result.frames.values():
        assert KEY not in frame.to_csv()
    assert KEY not in every_text(raised.value)
    assert raised.value.__cause__ is None and raised.value.__context__ is None


def test_scrub_removes_plain_and_url_quoted_key() -> None:
    text = "api_key=a b/c&x=1, quoted a+b%2Fc or a%20b/c"
    assert scrub(text, SecretStr("a b/c")) == "api_key=***&x=1, quoted *** or ***"
    assert scrub("nothing", None) == "nothing"


def test_missing_key_names_fred_api_key_and_where_to_get_one() -> None:
    with pytest.raises(SourceError, match="FRED_API_KEY") as raised:
        fetch_series(["DFF"], *WINDOW, api_key=None)
    assert "https://fred.stlouisfed.org/docs/api/api_key.html" in str(raised.value)

    with pytest.raises(SourceError, match="FRED_API_KEY"):
        extract_rates({"DFF": WINDOW}, api_key="  ", settings=Settings())


def test_rate_limiter_spaces_requests_evenly_across_calls() -> None:
    now = [100.0]
    slept: list[float] = []
    limiter = RateLimiter(2.0, clock=lambda: now[0], sleep=slept.append)

    waits = [limiter.acquire() for _ in range(3)]
    now[0] += 5
    later = limiter.acquire()

    assert waits == [0.0, 0.5, 1.0]
    assert slept == [0.5, 1.0]
    assert later == 0.0
    assert RateLimiter(0).acquire() == 0.0


def test_each_fred_request_goes_through_the_rate_limiter(fred_server: FredStub) -> None:
    slept: list[float] = []
    limiter = RateLimiter(2.0, clock=lambda: 0.0, sleep=slept.append)

    fetch(fred_server, limiter=limiter)
    fetch_series_meta(["DFF"], api_key=KEY, base_url=fred_server.base_url, limiter=limiter)

    assert slept == [0.5]
