"""Per-key progress: every key reports done/total/failed to the listeners of its context, a
broken listener never breaks the extraction, and the CLI draws one bar per dataset."""

import io
import threading

import pandas as pd
from rich.console import Console

from cli.progress import extraction_progress
from sources.extraction import isolate
from sources.progress import KeyDone, listening


def _fetch(key: str) -> dict[str, pd.DataFrame]:
    if key == "BAD":
        raise ValueError("unknown ticker")
    return {"prices": pd.DataFrame({"ticker": [key]})}


def test_each_key_reports_its_count_and_the_failures_so_far():
    seen: list[KeyDone] = []
    with listening(seen.append):
        isolate("prices", ["IWM", "BAD", "SPY"], _fetch, max_failure_ratio=0.9)

    assert seen == [
        KeyDone("prices", "IWM", True, 1, 3, 0),
        KeyDone("prices", "BAD", False, 2, 3, 1),
        KeyDone("prices", "SPY", True, 3, 3, 1),
    ]


def test_a_scoped_listener_hears_only_its_own_thread_and_a_broken_one_is_ignored():
    seen: list[str] = []

    def broken(event: KeyDone) -> None:
        raise RuntimeError("display gone")

    def elsewhere() -> None:
        isolate("rates", ["DFF"], _fetch, max_failure_ratio=0.9)

    with listening(broken), listening(lambda e: seen.append(e.key)):
        extraction = isolate("prices", ["IWM"], _fetch, max_failure_ratio=0.9)
        other = threading.Thread(target=elsewhere)
        other.start()
        other.join()

    assert seen == ["IWM"]
    assert len(extraction.frames["prices"]) == 1


def test_the_terminal_shows_a_bar_per_dataset_with_keys_done_and_failures():
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100, color_system=None)
    with extraction_progress(console):
        isolate("prices", ["IWM", "BAD", "SPY"], _fetch, max_failure_ratio=0.9)
        isolate("rates", ["DFF"], _fetch, max_failure_ratio=0.9)

    last = screen.getvalue().split("\r")[-1]
    assert "prices" in last and "3/3 keys, 1 failed" in last
    assert "rates" in last and "1/1 keys, 0 failed" in last


def test_off_a_terminal_no_bar_is_drawn():
    screen = io.StringIO()
    with extraction_progress(Console(file=screen, force_terminal=False)):
        isolate("prices", ["IWM"], _fetch, max_failure_ratio=0.9)

    assert screen.getvalue() == ""


def test_a_dataset_extracted_in_batches_adds_up_on_one_bar():
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100, color_system=None)
    with extraction_progress(console):
        isolate("prices", ["IWM", "BAD"], _fetch, max_failure_ratio=2.0)
        isolate("prices", ["SPY"], _fetch, max_failure_ratio=2.0)

    assert "3/3 keys, 1 failed" in screen.getvalue().split("\r")[-1]
