"""Per-key isolation and the circuit breaker, shared by every source.

One ticker or series failing must not cost the others; most of them failing at once means a
block or an outage, and then nothing should load. When the very first keys cannot even reach the
host, the rest would only repeat the wait, so the source is given up at once.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from contracts.errors import SourceError, first_line
from sources.progress import KeyDone, key_done
from sources.retry import UnreachableError

# Give up on a source when this many keys in a row, before any success, could not reach it.
UNREACHABLE_AFTER = 2


@dataclass(frozen=True)
class KeyFailure:
    dataset: str
    key: str
    error_class: str
    message: str


@dataclass
class Extraction:
    """Frames by dataset name (e.g. ``prices``), plus the keys that failed."""

    frames: dict[str, pd.DataFrame]
    failures: list[KeyFailure] = field(default_factory=list)
    keys_attempted: int = 0


def isolate(
    dataset: str,
    keys: Iterable[str],
    fetch_one: Callable[[str], dict[str, pd.DataFrame]],
    *,
    max_failure_ratio: float,
    scrub: Callable[[str], str] = str,
) -> Extraction:
    """Call ``fetch_one`` per key, collect failures, and trip when too many keys fail.

    ``scrub`` cleans error text (e.g. removes an API key) before it is kept anywhere.
    """
    keys = list(keys)
    parts: dict[str, list[pd.DataFrame]] = {}
    failures: list[KeyFailure] = []
    unreachable_streak, succeeded = 0, False
    for done, key in enumerate(keys, start=1):
        try:
            frames = fetch_one(key)
        except Exception as exc:  # isolation is the point; the class is recorded
            failures.append(KeyFailure(dataset, key, type(exc).__name__, scrub(str(exc))[:500]))
            key_done(KeyDone(dataset, key, False, done, len(keys), len(failures)))
            unreachable_streak = unreachable_streak + 1 if isinstance(exc, UnreachableError) else 0
            if not succeeded and unreachable_streak >= min(UNREACHABLE_AFTER, len(keys)):
                raise SourceError(
                    f"{dataset}: source unreachable: {unreachable_streak} keys in a row could not "
                    f"connect and none succeeded (no network, DNS, proxy or firewall?); gave up "
                    f"after {len(failures)} of {len(keys)} keys, nothing loaded. "
                    f"{failures[-1].key}: {failures[-1].message}"
                ) from None
            continue
        succeeded = True
        key_done(KeyDone(dataset, key, True, done, len(keys), len(failures)))
        for name, frame in frames.items():
            parts.setdefault(name, []).append(frame)
    check_failure_ratio(dataset, failures, len(keys), max_failure_ratio)
    frames = {
        name: pd.concat(chunks, ignore_index=True) for name, chunks in parts.items() if chunks
    }
    return Extraction(frames=frames, failures=failures, keys_attempted=len(keys))


def check_failure_ratio(
    dataset: str, failures: Sequence[KeyFailure], keys: int, max_failure_ratio: float
) -> None:
    """The circuit breaker: raise when the failed share of ``keys`` reaches the ratio."""
    if failures and len(failures) / max(keys, len(failures)) >= max_failure_ratio:
        sample = "; ".join(f"{f.key}: {f.error_class}: {f.message}" for f in failures[:3])
        raise SourceError(
            f"{dataset}: {len(failures)} of {keys} keys failed (circuit breaker at "
            f"{max_failure_ratio:.0%}): looks like a block or an outage, nothing loaded. "
            f"First errors: {sample}"
        )


def failed_batch(dataset: str, keys: Iterable[str], exc: BaseException) -> Extraction:
    """A batch whose extraction raised as a whole, as one failure per key it held, so the other
    batches of its group still load."""
    message = first_line(exc)[:500]
    failures = [KeyFailure(dataset, key, type(exc).__name__, message) for key in keys]
    return Extraction(frames={}, failures=failures, keys_attempted=len(failures))


def merge(parts: Sequence[Extraction], *, dataset: str, max_failure_ratio: float) -> Extraction:
    """One extraction of a group from its batches' (extracted with the breaker off, see
    ``isolate``): frames concatenated per name, failures and keys added up, and the breaker
    applied to ``dataset``'s failed keys over the whole group, as one call would have."""
    names = dict.fromkeys(name for part in parts for name in part.frames)
    frames = {}
    for name in names:
        chunks = [p.frames[name] for p in parts if name in p.frames]
        filled = [c for c in chunks if not c.empty]
        frames[name] = pd.concat(filled, ignore_index=True) if filled else chunks[0]
    failures = [f for part in parts for f in part.failures]
    keys = sum(part.keys_attempted for part in parts)
    lost = list({f.key: f for f in failures if f.dataset == dataset}.values())
    check_failure_ratio(dataset, lost, keys, max_failure_ratio)
    return Extraction(frames=frames, failures=failures, keys_attempted=keys)
