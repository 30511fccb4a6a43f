"""Progress for long steps: shown on a terminal, silent with `--quiet` or when stderr is not a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

_quiet = False


def set_quiet(quiet: bool) -> None:
    global _quiet
    _quiet = quiet


def shown() -> bool:
    return not _quiet and sys.stderr.isatty()


def keras_verbosity() -> int:
    """Keras `verbose`: a live bar on a terminal, one line per epoch in logs, nothing when quiet."""
    if _quiet:
        return 0
    return 1 if sys.stdout.isatty() else 2


@contextmanager
def step(description: str) -> Iterator[None]:
    """A spinner with `description` while the block runs (a step whose length is unknown in advance)."""
    if not shown():
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(description):
        yield


def track(items: Iterable[T], total: int, description: str) -> Iterator[T]:
    """Iterate with a progress bar on stderr (when shown), so stdout stays clean for results and --json."""
    if not shown():
        yield from items
        return
    from rich.console import Console
    from rich.progress import track as rich_track

    yield from rich_track(items, total=total, description=description, console=Console(stderr=True), transient=True)


@contextmanager
def bar(total: int | None, description: str) -> Iterator[Callable[..., None]]:
    """A progress bar on stderr (when shown) for work that reports by callback: call the yielded function per step,
    or with the number of steps done; a `total` of None shows a bar without an end (the count and the time)."""
    if not shown():
        yield lambda steps=1: None
        return
    from rich.console import Console
    from rich.progress import MofNCompleteColumn, Progress

    columns = (*Progress.get_default_columns(), MofNCompleteColumn())  # the count, where there is no total too
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda steps=1: progress.advance(task, steps)
