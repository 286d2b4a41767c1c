"""Per-key progress of an extraction, for whoever listens: the terminal's progress bars (the
CLI, process-wide) and the Prefect task's log (scoped to the task that extracts).

Sources call ``key_done`` after each key; listeners never change what is extracted, and a
listener that raises is ignored (progress display must not fail a run).
"""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeyDone:
    """One key of ``dataset`` finished: ``done`` of ``total`` so far, ``failed`` of them failed."""

    dataset: str
    key: str
    ok: bool
    done: int
    total: int
    failed: int


Listener = Callable[[KeyDone], None]

_scoped: ContextVar[tuple[Listener, ...]] = ContextVar("smallcap_key_listeners", default=())
_process: list[Listener] = []
_lock = threading.Lock()


@contextmanager
def listening(listener: Listener, *, process_wide: bool = False) -> Iterator[None]:
    """Call ``listener`` for every key done, in this context (and the threads it calls
    synchronously) or, with ``process_wide``, in every thread of the process."""
    if process_wide:
        with _lock:
            _process.append(listener)
        try:
            yield
        finally:
            with _lock:
                _process.remove(listener)
        return
    token = _scoped.set((*_scoped.get(), listener))
    try:
        yield
    finally:
        _scoped.reset(token)


def key_done(event: KeyDone) -> None:
    with _lock:
        listeners = (*_scoped.get(), *_process)
    for listener in listeners:
        try:
            listener(event)
        except Exception:  # a broken display is not a broken extraction
            log.debug("progress listener failed", exc_info=True)
