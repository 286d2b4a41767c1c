"""Per-key progress in the Prefect run log: one line per ticker or series as it is extracted."""

from collections.abc import Iterator
from contextlib import contextmanager

from prefect import get_run_logger

from sources.progress import KeyDone, listening


@contextmanager
def log_each_key() -> Iterator[None]:
    """Inside a task: log every key the task's extraction finishes (scoped to this task)."""
    logger = get_run_logger()

    def log_key(event: KeyDone) -> None:
        logger.info(
            "%s %s: %s (%d/%d, %d failed)",
            event.dataset,
            event.key,
            "ok" if event.ok else "FAILED",
            event.done,
            event.total,
            event.failed,
        )

    with listening(log_key):
        yield
