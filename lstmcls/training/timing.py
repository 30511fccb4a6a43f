"""Wall seconds of a training session's phases, as metrics.json records them under `phase_seconds`, so that a run
says where its time went: loading the data (and word vectors), the vocabulary and encoding, building and training
the model, finishing (best weights, saving, validation scores and plots), the linear baseline."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

# The phases, in the order a session runs them (a resumed session's are its own: loading again, and so on).
LOAD, VECTORISE, TRAIN, FINISH, BASELINE = "load", "vectorise", "train", "finish", "baseline"


class Phases:
    """Seconds per named phase; a phase timed twice (e.g. resumed) adds up."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        """Add the wall time of the block to phase `name`, however the block ends."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

    def as_dict(self) -> dict[str, float]:
        """The phases timed so far, in seconds rounded to 10 ms, in the order they first ran."""
        return {name: round(seconds, 2) for name, seconds in self.seconds.items()}
