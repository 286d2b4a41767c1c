"""Wall-clock and memory bookkeeping for the suite: named timers and per-section peak RSS."""

import resource
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


class Clock:
    """Seconds per name, added up when a name is timed more than once."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def time(self, name: str) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - began


def _peak_mb() -> float:
    """The process's peak resident set (VmHWM) in MiB, since start or the last reset."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _reset_peak() -> bool:
    """Linux resets VmHWM when "5" is written to clear_refs; elsewhere the peak only grows."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


class PeakMemory:
    """Peak RSS per measured section (the whole process's peak where it cannot be reset)."""

    def __init__(self) -> None:
        self.mb: dict[str, float] = {}

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        _reset_peak()
        try:
            yield
        finally:
            self.mb[name] = round(_peak_mb(), 1)
