"""Callbacks long jobs report through; the CLI turns them into progress bars."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]  # (done, total; 0 when unknown)
ProgressFactory = Callable[[str], Progress]  # a labelled progress bar for one long step
Say = Callable[[str], None]  # a one-line note on what a long step is doing


def quiet(label: str) -> Progress:
    """The progress factory for runs nobody watches."""
    return lambda done, total: None
