"""The run lifecycle: the one place that moves a run's status from `running` to how it ended.

`create_run` writes `running`; the block of `run_lifecycle` does the work and hands back the metrics; on leaving
it the run is `complete` (metrics.json written, then the status, last), `interrupted` (Ctrl-C, SIGTERM) or
`failed` (with the error). Training (also each trial of a search) and pretraining use it, so a run reads the same
whichever command wrote it, and one that did not finish can never pass for a finished one.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from lstmcls.errors import TrainingInterrupted
from lstmcls.runs.files import COMPLETE, FAILED, INTERRUPTED, METRICS, RUNNING
from lstmcls.runs.run import Run, process_info, utc_now, write_json


@dataclass
class Outcome:
    """What the block of `run_lifecycle` reports: the metrics that complete the run (`complete(metrics)`)."""

    metrics: dict[str, Any] | None = field(default=None)

    def complete(self, metrics: dict[str, Any]) -> None:
        """The work is done: on leaving the block, `metrics` (plus `seconds`) go to metrics.json, then `complete`."""
        self.metrics = metrics


@contextmanager
def run_lifecycle(run: Run, interrupted: str | None = None) -> Iterator[Outcome]:
    """Run the block as the work of `run`, and record how it ended in run.json.

    A run this process did not create (one being resumed) is marked `running` again, by this process, its last
    error cleared. The metrics get `seconds`: the time spent in the block (of this session, for a resumed run).

    Args:
        run: the run the block works in.
        interrupted: the message of the `TrainingInterrupted` that replaces a Ctrl-C or SIGTERM (say how to
            resume); None raises the interruption as it came.

    Raises:
        TrainingInterrupted: the block was interrupted and `interrupted` is given.
    """
    meta, this_process = run.meta, process_info()
    if meta.get("status") != RUNNING or any(meta.get(key) != value for key, value in this_process.items()):
        run.update_meta(status=RUNNING, error=None, **this_process)
    outcome = Outcome()
    started = time.perf_counter()
    try:
        yield outcome
        if outcome.metrics is None:
            raise RuntimeError(f"the work on run {run.id} ended without its metrics")
    except (TrainingInterrupted, KeyboardInterrupt):
        run.update_meta(status=INTERRUPTED, error="interrupted by the user")
        if interrupted is None:
            raise
        raise TrainingInterrupted(interrupted) from None
    except BaseException as exc:
        run.update_meta(status=FAILED, error=f"{type(exc).__name__}: {exc}")
        raise
    outcome.metrics["seconds"] = round(time.perf_counter() - started, 1)
    write_json(run.file(METRICS), outcome.metrics)
    run.update_meta(status=COMPLETE, finished=utc_now())  # written last: the run is now complete
