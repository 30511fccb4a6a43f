"""`train(config) -> TrainResult` and `resume(run) -> TrainResult`: a run from a config, and an interrupted run
finished.

Ctrl-C or SIGTERM stops training after the current batch; the run keeps the backup of its last
completed epoch (Keras `BackupAndRestore`) and is marked `interrupted`, and `resume` continues from it.
Under a tf.distribute strategy (`distribute.strategy`), only the chief writes the run; other workers train in
a temporary directory that is removed at the end.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras

from lstmcls import runs
from lstmcls.config.schema import Config
from lstmcls.data.splits import Splits, load_splits
from lstmcls.data.streaming import stream_splits
from lstmcls.errors import DataError
from lstmcls.reporting import progress
from lstmcls.runs.lifecycle import run_lifecycle
from lstmcls.tracking import Tracking
from lstmcls.training import distribute, fitting
from lstmcls.training.callbacks import TrackEpochs
from lstmcls.training.interruption import stop_requests
from lstmcls.training.language_model import LanguageModel, load_language_model
from lstmcls.training.objectives import objectives_for
from lstmcls.training.timing import LOAD, Phases
from lstmcls.training.vectors import Vectors, load_pretrained

log = logging.getLogger("lstmcls")


@dataclass(frozen=True)
class TrainResult:
    """What `train` and `resume` return.

    Attributes:
        run: the complete run; None on a worker of a multi-worker cluster that is not the chief (the chief
            writes the run, the others train in a temporary copy that is removed).
        metrics: what the run's metrics.json holds (validation scores, best epoch, epochs, examples, vocabulary
            size, seconds); None where `run` is None.
    """

    run: runs.Run | None
    metrics: dict[str, Any] | None

    @property
    def is_chief(self) -> bool:
        """Whether this process wrote the run (always, unless it is a multi-worker cluster's other worker)."""
        return self.run is not None


def train(
    config: Config,
    verbose: int | None = None,
    callbacks: list[keras.callbacks.Callback] = (),
    tracking: Tracking | None = None,
    also_monitored: dict[str, str] | None = None,
) -> TrainResult:
    """Train the configured model and write a complete run directory.

    Data is loaded and checked before the run directory exists, so bad data leaves nothing behind.

    Args:
        config: the validated config.
        verbose: Keras verbosity; default is a progress bar on a terminal, one line per epoch otherwise.
        callbacks: extra Keras callbacks (e.g. a tuner's pruning callback).
        tracking: where the run is also logged; default: what the config's `track:` block asks (a tuner passes
            the study's MLflow run as the parent).
        also_monitored: config key → a validation metric a callback reads (a tuner's `tune.metric`), checked
            like `train.monitor` before the run is created.

    Raises:
        TrainingInterrupted: on Ctrl-C / SIGTERM; the run is resumable with `resume(run)`.
    """
    cluster = distribute.cluster(config.distribute.strategy)  # first: multi_worker sets TensorFlow up
    tracking = tracking or Tracking(config if cluster.is_chief else None)  # only the chief's run is tracked
    phases = Phases()
    with phases.timed(LOAD):
        splits = _load(config, cluster.workers)
    objectives = objectives_for(config, splits, also_monitored)  # a class weight or monitor that cannot work fails here
    log.info("strategy: %s", cluster.describe())  # after the checks: bad input prints its error line alone
    with phases.timed(LOAD):
        vectors, language_model = _pretrained(config)
    if cluster.is_chief:
        run = runs.create_run(config, splits.fingerprint, splits.dropped)
        session = fitting.Session(run, config, splits, vectors, cluster, objectives, phases, language_model)
        return TrainResult(run, _train_in(session, verbose, list(callbacks), tracking))
    with _scratch(cluster) as scratch:
        scratch_config = config.model_copy(update={"run": config.run.model_copy(update={"dir": scratch})})
        run = runs.create_run(scratch_config, splits.fingerprint, splits.dropped)
        session = fitting.Session(run, config, splits, vectors, cluster, objectives, phases, language_model)
        _train_in(session, verbose, list(callbacks), tracking)
    return TrainResult(None, None)


def resume(run: runs.Run | str | Path, verbose: int | None = None) -> TrainResult:
    """Continue an interrupted or failed run from its last completed epoch, in the same directory.

    Under multi_worker every worker resumes the chief's run (so every host must reach it, e.g. on a shared
    disk); workers other than the chief only read it, resume a copy in a temporary directory and get a result
    without a run.
    """
    run = run if isinstance(run, runs.Run) else runs.Run(Path(run))
    run.check_exists()
    config = run.config()
    cluster = distribute.cluster(config.distribute.strategy)
    log.info("strategy: %s", cluster.describe())
    if cluster.is_chief:  # the others only read the run
        status = run.require_resumable()
    phases = Phases()
    with phases.timed(LOAD):
        splits, (vectors, language_model) = _resumed_data(run, config)
    # A tuning trial's epochs also logged its study's metric: the resumed epochs log the same columns.
    trial = {"tune.metric": config.tune.metric} if config.tune is not None and run.meta.get("tune") else None
    objectives = objectives_for(config, splits, trial)
    if cluster.is_chief:
        log.info("resuming %s run %s", status, run.path)
        session = fitting.Session(run, config, splits, vectors, cluster, objectives, phases, language_model)
        return TrainResult(run, _train_in(session, verbose, [], Tracking(config)))
    log.info("resuming the chief's run %s", run.path)
    with _scratch(cluster) as scratch:
        ignore = shutil.ignore_patterns(runs.LOGS, runs.PLOTS, runs.EXPORT, ".*")  # .*: the chief's temp files
        copy = runs.Run(Path(shutil.copytree(run.path, scratch / run.id, ignore=ignore)))
        session = fitting.Session(copy, config, splits, vectors, cluster, objectives, language_model=language_model)
        _train_in(session, verbose, [], Tracking(None))
    return TrainResult(None, None)


def _resumed_data(run: runs.Run, config: Config) -> tuple[Splits, tuple[Vectors | None, LanguageModel | None]]:
    """The run's data, checked to be the data it started on, and what it started from."""
    splits = _load(config, distribute.cluster(config.distribute.strategy).workers)
    if splits.fingerprint != run.meta.get("data"):
        raise DataError(f"the data of run {run.id} changed since it started; train a new run instead")
    return splits, _pretrained(config)  # for a run that failed before its first backup


def _pretrained(config: Config) -> tuple[Vectors | None, LanguageModel | None]:
    """What the classifier starts from: pretrained vectors, or a language model (its embedding's rows as vectors)."""
    language_model = load_language_model(config.model)
    if language_model is not None:
        return language_model.vectors, language_model
    return load_pretrained(config.model.embedding), None


def _load(config: Config, workers: int) -> Splits:
    """The run's splits: streamed from the files with `data.streaming` (one checking pass now), else in memory."""
    streaming = getattr(config.data, "streaming", False)  # file sources have the key
    with progress.step("checking the data" if streaming else "loading data"):
        return stream_splits(config, workers) if streaming else load_splits(config)


@contextmanager
def _scratch(cluster: distribute.Cluster) -> Iterator[Path]:
    """Where a worker other than the chief trains: a temporary directory, removed at the end, so that the runs
    directory holds the chief's run only (every worker runs the same callbacks, which write files)."""
    with tempfile.TemporaryDirectory(prefix=f"lstmcls-worker{cluster.worker}-") as scratch:
        log.info("worker %d trains in %s (removed at the end); the chief writes the run", cluster.worker, scratch)
        yield Path(scratch)


def _train_in(
    session: fitting.Session, verbose: int | None, extra: list[keras.callbacks.Callback], tracking: Tracking
) -> dict[str, Any]:
    """Train one session of the run in its lifecycle, followed by its trackers; the metrics it completed with."""
    run, cluster = session.run, session.cluster
    if cluster.is_chief:
        log.info("run: %s", run.path)
    run.update_meta(distribute=cluster.meta())
    where = run.path if cluster.is_chief else "RUN (the chief's run, on every worker)"
    interrupted = f"training interrupted; resume with: lstmcls train --resume {where}"
    with tracking.following(run), run_lifecycle(run, interrupted) as outcome, stop_requests() as stop:
        verbose = progress.keras_verbosity() if verbose is None else verbose
        outcome.complete(fitting.fit(session, verbose, [*extra, TrackEpochs(tracking)], stop))
    log.info("validation: %s", ", ".join(f"{k} {v:.4f}" for k, v in outcome.metrics["validation"].items()))
    log.info("run complete: %s" if cluster.is_chief else "worker finished (its scratch copy %s is removed)", run.path)
    return outcome.metrics
