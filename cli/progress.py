"""On a terminal, one progress bar per dataset while a run extracts: keys done of total and the
failures so far. Off a terminal (pipes, CI logs) nothing is drawn; Prefect logs each key."""

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from sources.progress import KeyDone, listening


@contextmanager
def extraction_progress(console: Console) -> Iterator[None]:
    if not console.is_terminal:
        yield
        return
    columns = (
        TextColumn("{task.description:<16}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("keys, {task.fields[failed]} failed"),
    )
    bars: dict[str, TaskID] = {}
    totals: dict[str, int] = {}
    failed: dict[str, int] = {}
    with Progress(*columns, console=console, transient=False) as progress:

        def show(event: KeyDone) -> None:
            """A dataset's batches (and a refetch) each count their own keys from 1, so the bar
            adds up: every batch's total when its first key is done, one step per key."""
            if event.dataset not in bars:
                bars[event.dataset] = progress.add_task(event.dataset, total=0, failed=0)
                totals[event.dataset], failed[event.dataset] = 0, 0
            totals[event.dataset] += event.total if event.done == 1 else 0
            failed[event.dataset] += not event.ok
            progress.update(
                bars[event.dataset],
                advance=1,
                total=totals[event.dataset],
                failed=failed[event.dataset],
            )

        with listening(show, process_wide=True):
            yield
