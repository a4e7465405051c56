"""Progress bars on stderr for long steps, so `--json` output on stdout stays clean."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.cli.common import err_console
from bot.records.progress import Progress as ProgressCallback
from bot.records.progress import Say


class ProgressBars:
    """Rich progress bars on stderr (so `--json` output stays clean), one per long step.

    Call it with a label to get a `Progress` callback for that step; `stop()` when done.
    """

    def __init__(self) -> None:
        # Only at a terminal: in a log file or pipe a bar is one stale frame dumped at exit.
        # Transient: a stopped bar (done or failed) disappears; the log line says the outcome.
        self.bars = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=not err_console.is_terminal,
        )
        self.started = False

    def __call__(self, label: str) -> ProgressCallback:
        if not self.started:
            self.bars.start()
            self.started = True
        task = self.bars.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            self.bars.update(task, completed=done, total=total or None)

        return advance

    def stop(self) -> None:
        """End every bar (a failed step's too), so none keeps ticking after its step."""
        if self.started:
            for task in list(self.bars.task_ids):
                self.bars.remove_task(task)
            self.bars.stop()
            self.started = False


@contextmanager
def progress_bar(label: str) -> Iterator[ProgressCallback]:
    """One progress bar for the duration of a block."""
    bars = ProgressBars()
    try:
        yield bars(label)
    finally:
        bars.stop()


@contextmanager
def waiting_line(label: str) -> Iterator[Say]:
    """A spinner on stderr naming what a slow step waits for; only at a terminal."""
    if not err_console.is_terminal:
        yield lambda text: None
        return
    with err_console.status(label) as status:
        yield lambda text: status.update(f"{label}: {text}" if text else label)
