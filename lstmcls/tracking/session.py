"""What a training session reports to (`Tracking`), results added to a tracked run later (`lstmcls eval`,
`lstmcls export`), and `track_run`: a finished run logged after the fact (`lstmcls track RUN`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lstmcls.config.schema import Config, MlflowConfig
from lstmcls.errors import ConfigError, TrainingInterrupted
from lstmcls.registry import Registry
from lstmcls.runs import EXPORT, TRACKING, Run
from lstmcls.tracking.hparams import write_hparams, write_metrics
from lstmcls.tracking.metrics import final_metrics
from lstmcls.tracking.mlflow_logger import RESULT_FILES, TRAINING_FILES, MlflowLogger, require_mlflow

log = logging.getLogger("lstmcls")

# `--track NAME`: the trackers a config can turn on, each with its `track:` block.
TRACKERS: Registry[type] = Registry("tracker")
TRACKERS.register("mlflow")(MlflowConfig)


def with_trackers(config: Config, names: Iterable[str]) -> Config:
    """`config` with each named tracker on; a tracker the config already sets up keeps its settings."""
    track = config.track
    for name in names:
        try:
            settings = TRACKERS.get(name)
        except ValueError as exc:
            raise ConfigError(f"--track: {exc}") from None
        if getattr(track, name) is None:
            track = track.model_copy(update={name: settings()})
    return config.model_copy(update={"track": track})


class Tracking:
    """The trackers one training session reports to: TensorBoard's HParams always, MLflow when the config asks.

    Args:
        config: the run's config; None tracks nothing (a worker other than the chief).
        parent: the MLflow run this one belongs to (a tuning study's).
        tags: more MLflow tags (a trial's study and number).
    """

    def __init__(self, config: Config | None, parent: str | None = None, tags: dict[str, Any] | None = None) -> None:
        settings = config.track.mlflow if config is not None else None
        if settings is not None:
            require_mlflow()  # before any training: a missing extra is the user's to fix, at once
        self.hparams = config is not None
        self.mlflow = MlflowLogger(settings, parent, tags) if settings is not None else None

    def epoch(self, epoch: int, logs: dict[str, Any]) -> None:
        if self.mlflow is not None:
            self.mlflow.epoch(epoch, logs)

    @contextmanager
    def following(self, run: Run) -> Iterator[None]:
        """Open the trackers for the block, which trains `run`; then record how it ended (complete: the final
        metrics, HParams and artifacts; interrupted: KILLED; an error: FAILED)."""
        if self.mlflow is not None:
            self.mlflow.open(run)
        with ended_on_failure(self.mlflow):
            yield
        if self.hparams:
            _safely(f"write the HParams of run {run.id}", lambda: write_hparams(run, final_metrics(run)))
        if self.mlflow is not None:
            self.mlflow.finish(run)


@contextmanager
def ended_on_failure(logger: MlflowLogger | None) -> Iterator[None]:
    """A block whose interruption ends `logger`'s MLflow run as KILLED and whose error as FAILED, then goes on
    being raised (a training, a tuning study)."""
    try:
        yield
    except (TrainingInterrupted, KeyboardInterrupt):
        if logger is not None:
            logger.end("KILLED")
        raise
    except BaseException:
        if logger is not None:
            logger.end("FAILED")
        raise


def _safely(what: str, action: Callable[[], Any]) -> None:
    """TensorBoard's HParams of a run that is already complete: a failure is a warning, as MLflow's is."""
    try:
        action()
    except Exception as exc:  # TensorFlow's, OS and JSON errors alike: the run itself is fine
        log.warning("TensorBoard: cannot %s (%s); the run itself is unaffected", what, exc)


def study_logger(config: Config, name: str) -> MlflowLogger | None:
    """The MLflow run of tuning study `name`, whose children the trials are (None without `track.mlflow`)."""
    if config.track.mlflow is None:
        return None
    require_mlflow()
    logger = MlflowLogger(config.track.mlflow)
    logger.open_study(name, config.tune.model_dump(mode="json", by_alias=True, exclude_none=True)["space"])
    return logger


# === Results added later ===


def record_results(run: Run) -> None:
    """After `lstmcls eval` on the test split: the test scores in the run's HParams, and in its MLflow run."""

    def add_test_scores() -> None:
        write_metrics(run, {key: value for key, value in final_metrics(run).items() if key.startswith("test_")})

    _safely(f"add the test scores to the HParams of run {run.id}", add_test_scores)
    _add_to_mlflow(run, RESULT_FILES)


def record_export(run: Run, out: Path) -> None:
    """After `lstmcls export`: the SavedModel in the run's MLflow run (as `export/`), if the run is tracked."""
    logger = _recorded_logger(run)
    if logger is not None and logger.attach(run):
        logger.folder(out, EXPORT)


def _add_to_mlflow(run: Run, files: Iterable[str]) -> None:
    logger = _recorded_logger(run)
    if logger is not None and logger.attach(run):
        logger.finish(run, files, status=None)


def _recorded_logger(run: Run) -> MlflowLogger | None:
    """A logger for the MLflow run that run.json records, if any (a warning when MLflow is not installed)."""
    recorded = run.meta.get(TRACKING, {}).get("mlflow")
    if not recorded:
        return None
    try:
        require_mlflow()
    except ConfigError as exc:
        log.warning("run %s is tracked in MLflow but %s; not logged there", run.id, exc)
        return None
    return MlflowLogger(MlflowConfig(uri=recorded["uri"], experiment=recorded["experiment"]))


# === lstmcls track RUN ===


def track_run(run: Run, uri: str | None = None, experiment: str | None = None) -> dict[str, Any]:
    """Log a complete run to MLflow after the fact: params, every epoch from history.csv, final metrics and
    artifacts. A run already logged at that store and experiment is brought up to date instead of repeated.

    Args:
        uri, experiment: where to log; each defaults to the run's `track.mlflow` block, else MLflow's defaults.

    Raises:
        RunError: the run is not complete, or MLflow cannot be reached (here tracking is the whole point).
    """
    configured = run.require_complete().config().track.mlflow or MlflowConfig()
    given = {key: value for key, value in (("uri", uri), ("experiment", experiment)) if value is not None}
    settings = configured.model_copy(update=given)
    require_mlflow()
    logger = MlflowLogger(settings, strict=True)
    fresh = logger.open(run, resuming=False)
    if fresh:
        logger.history(run)
    logger.finish(run, dict.fromkeys([*TRAINING_FILES, *RESULT_FILES]))
    return {
        "run": run.id,
        "mlflow_run": logger.run_id,
        "uri": logger.uri,
        "experiment": logger.experiment,
        "new": fresh,
    }
