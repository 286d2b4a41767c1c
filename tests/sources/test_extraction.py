"""Per-key isolation, the circuit breaker and the give-up on an unreachable source."""

from __future__ import annotations

import pandas as pd
import pytest

from contracts.errors import SourceError
from sources.extraction import failed_batch, isolate, merge
from sources.retry import (
    PermanentSourceError,
    RetryPolicy,
    TransientSourceError,
    UnreachableError,
    with_retries,
)


def fetcher(failing: dict[str, Exception], asked: list[str]):
    def fetch_one(key: str) -> dict[str, pd.DataFrame]:
        asked.append(key)
        if key in failing:
            raise failing[key]
        return {"rows": pd.DataFrame({"key": [key]})}

    return fetch_one


def test_two_unreachable_keys_before_any_success_give_up_without_asking_the_rest() -> None:
    asked: list[str] = []
    down = {k: UnreachableError(f"{k}: cannot reach host") for k in "ABCDE"}

    with pytest.raises(SourceError, match=r"rates: source unreachable.*2 of 5 keys.*B: cannot"):
        isolate("rates", "ABCDE", fetcher(down, asked), max_failure_ratio=0.5)

    assert asked == ["A", "B"]


def test_unreachable_key_after_a_success_is_isolated_like_any_failure() -> None:
    asked: list[str] = []
    failing = {"B": UnreachableError("B down"), "C": UnreachableError("C down")}

    result = isolate("prices", "ABCDE", fetcher(failing, asked), max_failure_ratio=0.5)

    assert asked == list("ABCDE")
    assert [f.key for f in result.failures] == ["B", "C"]
    assert list(result.frames["rows"]["key"]) == ["A", "D", "E"]


def test_other_errors_between_unreachable_ones_reset_the_streak() -> None:
    asked: list[str] = []
    failing = {
        "A": UnreachableError("A down"),
        "B": PermanentSourceError("B unknown"),
        "C": UnreachableError("C down"),
    }

    result = isolate("prices", "ABCDEFG", fetcher(failing, asked), max_failure_ratio=0.5)

    assert len(asked) == 7 and len(result.failures) == 3


def test_unreachable_host_is_retried_fewer_times_than_other_transient_errors() -> None:
    waits: list[float] = []
    policy = RetryPolicy(attempts=4, initial_wait=1, jitter=0, sleep=waits.append)
    calls = {"unreachable": 0, "transient": 0}

    def fail(kind: str, error: type[Exception]):
        def call() -> None:
            calls[kind] += 1
            raise error(kind)

        return call

    with pytest.raises(UnreachableError):
        with_retries(fail("unreachable", UnreachableError), policy=policy, what="x")
    with pytest.raises(TransientSourceError):
        with_retries(fail("transient", TransientSourceError), policy=policy, what="x")

    assert calls == {"unreachable": 2, "transient": 4}
    assert waits == [1, 1, 2, 4]


def test_batches_merge_into_the_extraction_one_call_would_give() -> None:
    asked: list[str] = []
    failing = {"C": PermanentSourceError("C unknown")}
    whole = isolate("prices", "ABCDE", fetcher(failing, asked), max_failure_ratio=0.5)
    parts = [
        isolate("prices", keys, fetcher(failing, asked), max_failure_ratio=2.0)
        for keys in ("AB", "CD", "E")
    ]

    merged = merge(parts, dataset="prices", max_failure_ratio=0.5)

    assert merged.frames["rows"].equals(whole.frames["rows"])
    assert merged.failures == whole.failures and merged.keys_attempted == whole.keys_attempted == 5


def test_a_failed_batch_fails_only_its_keys_with_its_error() -> None:
    ok = isolate("prices", "ABCD", fetcher({}, []), max_failure_ratio=2.0)
    lost = failed_batch("prices", ["E", "F"], SourceError("prices: source unreachable\nmore"))

    merged = merge([ok, lost], dataset="prices", max_failure_ratio=0.5)

    assert list(merged.frames["rows"]["key"]) == list("ABCD")
    assert [(f.key, f.error_class, f.message) for f in merged.failures] == [
        ("E", "SourceError", "prices: source unreachable"),
        ("F", "SourceError", "prices: source unreachable"),
    ]


def test_the_breaker_judges_the_merged_group_not_each_batch() -> None:
    failing = {k: PermanentSourceError(f"{k} unknown") for k in "ABC"}
    parts = [
        isolate("prices", keys, fetcher(failing, []), max_failure_ratio=2.0)
        for keys in ("AB", "CD")
    ]

    with pytest.raises(SourceError, match=r"prices: 3 of 4 keys failed \(circuit breaker"):
        merge(parts, dataset="prices", max_failure_ratio=0.5)
