"""One lstmcls run as an MLflow run: the flattened config as params, every epoch's metrics, the final validation
and test metrics, the plots, the model and the exported SavedModel as artifacts.

MLflow is imported only here and only when tracking is on (`pip install lstmcls[mlflow]`). A store that cannot
be reached is a warning: the logger turns itself off for the rest of the run, training goes on, and
`lstmcls track RUN` logs the run later. run.json records which MLflow run holds the lstmcls run, so a resume,
`lstmcls eval` and `lstmcls export` add to the same one.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from lstmcls.config.schema import MlflowConfig
from lstmcls.errors import ConfigError, RunError
from lstmcls.runs import CONFIG, EVAL, EVAL_PREFIX, EXPORT, HISTORY, LABELS, METRICS, MODEL, PLOTS, TRACKING, Run
from lstmcls.runs.compare import flat_config
from lstmcls.tracking.metrics import final_metrics, numbers

log = logging.getLogger("lstmcls")

URI_VARIABLE = "MLFLOW_TRACKING_URI"  # MLflow's own: where a config that sets no track.mlflow.uri logs
DEFAULT_STORE = Path("mlruns")  # in the working directory: the SQLite database and, beside it, the artifacts
DATABASE, ARTIFACTS = "mlflow.db", "artifacts"
RUN_TAG, STUDY_TAG, TRIAL_TAG, PARENT_TAG = "lstmcls.run", "lstmcls.study", "lstmcls.trial", "mlflow.parentRunId"
TRAINING_FILES = (CONFIG, LABELS, HISTORY, METRICS, MODEL, PLOTS)  # what a finished training adds
RESULT_FILES = (EVAL, PLOTS, EXPORT)  # what `lstmcls eval` and `lstmcls export` add later
_BATCH = 100  # params and metrics per request (MLflow's limit for params)


def default_uri() -> str:
    """MLflow's own default backend is SQLite (its ./mlruns file store is in maintenance mode): one database in
    ./mlruns/, the artifacts beside it."""
    return f"sqlite:///{(DEFAULT_STORE / DATABASE).absolute()}"


def require_mlflow() -> None:
    """Refuse a config that asks for MLflow where it is not installed, before any training."""
    try:
        import mlflow  # noqa: F401
    except ImportError:
        raise ConfigError("track.mlflow needs MLflow: pip install 'lstmcls[mlflow]' (or drop --track mlflow)") from None


class MlflowLogger:
    """Logs one lstmcls run to one MLflow run; every failure warns once, then the logger stays off."""

    def __init__(
        self,
        settings: MlflowConfig,
        parent: str | None = None,
        tags: dict[str, Any] | None = None,
        strict: bool = False,
    ) -> None:
        """`strict`: a failure is a RunError instead of a warning (for `lstmcls track`, whose point is tracking)."""
        self.uri = settings.uri or os.environ.get(URI_VARIABLE) or default_uri()
        self.experiment = settings.experiment
        self.parent, self.tags, self.strict = parent, dict(tags or {}), strict
        self.client: Any = None
        self.run_id: str | None = None

    @property
    def on(self) -> bool:
        return self.run_id is not None

    # === The run's life ===

    def open(self, run: Run, resuming: bool = True) -> bool:
        """Start the MLflow run of `run`, or continue the one run.json records at this store (marked running
        again when `resuming` a training, at the store it records: a resume from another directory or with
        another MLFLOW_TRACKING_URI stays in one MLflow run); whether it is new (its history still to log)."""
        recorded = run.meta.get(TRACKING, {}).get("mlflow")
        if resuming and recorded:
            self.uri, self.experiment = recorded["uri"], recorded["experiment"]
        return bool(self._safely(f"start run {run.id}", self._open, run, resuming))

    def attach(self, run: Run) -> bool:
        """Take up the MLflow run that run.json records at this store, as it is (to add results to it)."""
        return bool(self._safely(f"find the MLflow run of {run.id}", self._attach, run))

    def epoch(self, epoch: int, logs: dict[str, Any]) -> None:
        """One epoch's metrics (Keras's logs), at step `epoch` (0-based, as in history.csv)."""
        if self.on:
            self._safely(f"log epoch {epoch + 1}", self._metrics, numbers(logs), epoch)

    def history(self, run: Run) -> None:
        """Every epoch of history.csv, for a run logged after the fact."""
        with open(run.file(HISTORY), newline="") as handle:
            for row in csv.DictReader(handle):
                self.epoch(int(row.pop("epoch")), row)

    def finish(self, run: Run, files: Iterable[str] = TRAINING_FILES, status: str | None = "FINISHED") -> None:
        """The final validation and test metrics and `files` of the run as artifacts; then `status` (None leaves
        the MLflow run's status as it is: results added later)."""
        if self.on:
            self._safely(f"log run {run.id}", self._finish, run, files, status)

    def folder(self, path: Path, name: str) -> None:
        """A folder of files (a SavedModel) as the artifact folder `name`."""
        if self.on:
            self._safely(f"log {name}", self.client.log_artifacts, self.run_id, str(path), name)

    def end(self, status: str) -> None:
        """The run ended without finishing: FAILED or KILLED (interrupted)."""
        if self.on:
            self._safely("end the run", self.client.set_terminated, self.run_id, status)

    # === A tuning study: one parent run, each trial a child ===

    def open_study(self, name: str, space: dict[str, Any]) -> str | None:
        """The MLflow run of study `name` (found again when the study continues); its id, None when unreachable."""
        return self._safely(f"start study {name}", self._open_study, name, space)

    def finish_study(self, folder: Path, best_value: float | None) -> None:
        if self.on:
            self._safely("log the study", self._finish_study, folder, best_value)

    # === Inside ===

    def _safely(self, what: str, action: Callable[..., Any], *args: Any) -> Any:
        try:
            return action(*args)
        except Exception as exc:  # MLflow raises its own, requests' and SQLAlchemy's errors: all are a warning
            error = f"MLflow at {self.uri}: cannot {what} ({_short(exc)})"
            if self.strict:
                raise RunError(f"{error}; check the URI (--uri) or start the tracking server") from None
            log.warning("%s; tracking is off for this run", error)
            self.run_id = None
            return None

    def _connect(self) -> None:
        if self.client is None:
            # MLflow retries an unreachable server for minutes by default; a tracker must not hold training up.
            os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
            os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")
            from mlflow.tracking import MlflowClient

            self.client = MlflowClient(tracking_uri=self.uri)

    def _experiment_id(self) -> str:
        self._connect()
        found = self.client.get_experiment_by_name(self.experiment)
        if found is not None:
            return found.experiment_id
        try:
            return self.client.create_experiment(self.experiment, artifact_location=self._artifacts())
        except Exception:  # another process created it first
            return self.client.get_experiment_by_name(self.experiment).experiment_id

    def _artifacts(self) -> str | None:
        """A local SQLite store keeps its artifacts beside its database; a server decides for itself."""
        if not self.uri.startswith("sqlite:///"):
            return None
        return (Path(self.uri.removeprefix("sqlite:///")).parent / ARTIFACTS).absolute().as_uri()

    def _attach(self, run: Run) -> bool:
        from mlflow.exceptions import MlflowException

        recorded = run.meta.get(TRACKING, {}).get("mlflow", {})
        if recorded.get("uri") != self.uri or recorded.get("experiment") != self.experiment:
            return False
        self._connect()
        try:
            self.client.get_run(recorded["run_id"])
        except MlflowException as exc:
            if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
                raise
            log.info("MLflow run %s is gone from %s; logging run %s anew", recorded["run_id"], self.uri, run.id)
            return False
        self.run_id = recorded["run_id"]
        return True

    def _open(self, run: Run, resuming: bool) -> bool:
        experiment = self._experiment_id()
        if self._attach(run):
            if resuming:
                self.client.update_run(self.run_id, status="RUNNING")
            return False
        tags = {RUN_TAG: run.id, "lstmcls.path": str(run.path.absolute()), **self.tags}
        if self.parent:
            tags[PARENT_TAG] = self.parent
        created = self.client.create_run(experiment, tags={k: str(v) for k, v in tags.items()}, run_name=run.id)
        self.run_id = created.info.run_id
        self._params(flat_config(run))
        record = {"uri": self.uri, "experiment": self.experiment, "run_id": self.run_id}
        run.update_meta(**{TRACKING: {**run.meta.get(TRACKING, {}), "mlflow": record}})
        log.info("MLflow: run %s in experiment %r at %s", self.run_id, self.experiment, self.uri)
        return True

    def _params(self, params: dict[str, Any]) -> None:
        from mlflow.entities import Param

        values = [Param(key, param_value(value)) for key, value in params.items()]
        for start in range(0, len(values), _BATCH):
            self.client.log_batch(self.run_id, params=values[start : start + _BATCH])

    def _metrics(self, values: dict[str, float], step: int) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        metrics = [Metric(key, value, now, step) for key, value in values.items()]
        for start in range(0, len(metrics), _BATCH):
            self.client.log_batch(self.run_id, metrics=metrics[start : start + _BATCH])

    def _finish(self, run: Run, files: Iterable[str], status: str | None) -> None:
        metrics = final_metrics(run)
        if status is None:  # results added later: the test scores are what is new
            metrics = {key: value for key, value in metrics.items() if key.startswith("test_")}
        self._metrics(metrics, 0)
        for name in files:
            path = run.file(name)
            if path.is_dir():
                self.client.log_artifacts(self.run_id, str(path), name)
            elif path.is_file():
                self.client.log_artifact(self.run_id, str(path))
        for extra in sorted(run.path.glob(f"{EVAL_PREFIX}*.json")) if EVAL in files else ():
            self.client.log_artifact(self.run_id, str(extra))
        if status:
            self.client.set_terminated(self.run_id, status)

    def _open_study(self, name: str, space: dict[str, Any]) -> str:
        experiment = self._experiment_id()
        query = f"tags.`{STUDY_TAG}` = '{name}' and tags.`lstmcls.kind` = 'study'"
        found = self.client.search_runs([experiment], query, max_results=1)
        if found:
            self.run_id = found[0].info.run_id
            self.client.update_run(self.run_id, status="RUNNING")
        else:
            tags = {STUDY_TAG: name, "lstmcls.kind": "study"}
            self.run_id = self.client.create_run(experiment, tags=tags, run_name=f"study {name}").info.run_id
            self._params({f"space.{key}": value for key, value in space.items()})
        return self.run_id

    def _finish_study(self, folder: Path, best_value: float | None) -> None:
        if best_value is not None:
            self._metrics({"best_value": best_value}, 0)
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix in (".json", ".yaml", ".png"):
                self.client.log_artifact(self.run_id, str(path))
        self.client.set_terminated(self.run_id, "FINISHED")


def param_value(value: Any) -> str:
    """A config value as MLflow shows it: text as it is, everything else as in JSON (true, null, [64])."""
    return value if isinstance(value, str) else json.dumps(value)


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
