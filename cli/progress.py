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
    with Progress(*columns, console=console, transient=False) as progress:

        def show(event: KeyDone) -> None:
            if event.dataset not in bars:
                bars[event.dataset] = progress.add_task(event.dataset, total=event.total, failed=0)
            progress.update(
                bars[event.dataset], completed=event.done, total=event.total, failed=event.failed
            )

        with listening(show, process_wide=True):
            yield
