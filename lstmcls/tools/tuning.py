"""`tune(config, trials) -> TuneResult`: hyperparameter search where every trial is an ordinary run.

Optuna provides the TPE sampler, the median pruner and the storage (SQLite in the runs directory by default,
any RDB URL to share a study between machines). Running the same command again continues the study.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import optuna
import sqlalchemy
import yaml

from lstmcls import runs
from lstmcls.config import apply_overrides, validate
from lstmcls.config.schema import Config, Distribution
from lstmcls.errors import ConfigError, TrainingInterrupted
from lstmcls.reporting import plots
from lstmcls.reporting.scores import monitor_mode
from lstmcls.tools.own_vectors import with_own_vectors
from lstmcls.tracking import Tracking
from lstmcls.tracking.mlflow_logger import STUDY_TAG, TRIAL_TAG
from lstmcls.tracking.session import ended_on_failure, study_logger
from lstmcls.training.interruption import stop_requests
from lstmcls.training.runner import train

log = logging.getLogger("lstmcls")
# Heartbeats (to fail a crashed process's trials) and matplotlib plots are marked experimental in Optuna 5.
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
optuna.logging.set_verbosity(optuna.logging.WARNING)
FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)


def study_dir(config_or_runs_dir: Config | Path, study: str) -> Path:
    runs_dir = config_or_runs_dir.run.dir if isinstance(config_or_runs_dir, Config) else config_or_runs_dir
    return Path(runs_dir) / runs.STUDIES / study


@dataclass(frozen=True)
class TuneResult:
    """A study and its folder (the SQLite storage by default, best.yaml, trials.json and plots)."""

    study: optuna.Study
    folder: Path

    @property
    def trials(self) -> list[dict[str, Any]]:
        return trial_rows(self.study)

    @property
    def best_config(self) -> str | None:
        return best_config(self.study)

    @property
    def best_config_path(self) -> Path:
        return self.folder / runs.BEST_CONFIG


def show_study(runs_dir: Path, name: str, storage: str | None = None) -> TuneResult:
    """A study started before (`lstmcls tune --show`), from `storage` or its SQLite file under `runs_dir`."""
    folder = study_dir(runs_dir, name)
    return TuneResult(open_study(folder, name, storage), folder)


def tune(
    config: Config,
    trials: int | None,
    timeout: float | None = None,
    study: str | None = None,
    storage: str | None = None,
    keep_going: Callable[[optuna.Study], bool] | None = None,
    verbose: int | None = None,
    first: dict[str, Any] | None = None,
) -> TuneResult:
    """Run trials until the study holds `trials` finished (complete or pruned) ones, or `timeout` seconds pass.

    Several processes may run this on one `storage` at once: they share the count of trials.

    Args:
        trials: None: no count; the search ends on `timeout` or `keep_going`.
        keep_going: asked before each trial; False ends the search (`autotune`'s time budget).
        verbose: Keras verbosity of the trials (0 keeps stdout for `--json`).
        first: the params of a new study's first trial (`autotune`: the config's own values), before TPE samples.
    """
    if config.tune is None:
        raise ConfigError("the config has no tune: block; add one with a space of keys to search (see docs/tuning.md)")
    if config.distribute.strategy == "multi_worker":
        raise ConfigError("lstmcls tune trains trials on one host; set distribute.strategy to default or mirrored")
    check_space(config)
    config = with_own_vectors(config)  # pretrained: own: pretrained once, before the trials
    name = study or config.run.name or "study"
    folder = study_dir(config, name)
    optuna_study = open_study(folder, name, storage, create=True, config=config)
    if first is not None and not optuna_study.trials:
        optuna_study.enqueue_trial(first)
    base = config.model_dump(mode="json", exclude={"tune"})
    tracked = study_logger(config, name)  # with track.mlflow: the study's MLflow run, each trial a child of it
    parent = tracked.run_id if tracked is not None else None
    deadline = time.monotonic() + timeout if timeout else None
    # Ctrl-C anywhere in the search: finish cleanly, the study stays resumable; a crash ends the study's MLflow run.
    with ended_on_failure(tracked), stop_requests() as stop:
        while not stop.is_set():
            optuna.storages.fail_stale_trials(optuna_study)  # a crashed process's trials stop counting as running
            if trials is not None and _count(optuna_study, (*FINISHED, optuna.trial.TrialState.RUNNING)) >= trials:
                break
            if deadline and time.monotonic() > deadline:
                log.info("timeout reached")
                break
            if keep_going is not None and not keep_going(optuna_study):
                break
            optuna_study.optimize(lambda trial: _objective(trial, config, base, name, parent, verbose), n_trials=1)
    write_outputs(optuna_study, folder)
    if tracked is not None:
        tracked.finish_study(folder, _best_value(optuna_study))
    if stop.is_set():
        raise TrainingInterrupted(f"search stopped on request; run the same command again to continue study {name!r}")
    return TuneResult(optuna_study, folder)


def check_space(config: Config) -> None:
    """Every searched key exists and every value the space can produce is valid there (before any training)."""
    base = config.model_dump(mode="json", exclude={"tune"})
    for key, distribution in config.tune.space.items():
        if key.split(".")[0] in ("tune", "run"):
            raise ConfigError(f"tune.space.{key}: the {key.split('.')[0]} block cannot be searched")
        for value in _extremes(distribution):
            try:
                validate(apply_overrides(base, [f"{key}={yaml.safe_dump(value, default_flow_style=True).strip()}"]))
            except ConfigError as exc:
                raise ConfigError(f"tune.space.{key}: {str(exc).removeprefix('config: ')}") from None


def open_study(folder: Path, name: str, storage: str | None, create: bool = False, config: Config | None = None):
    """The study at `storage` (default: SQLite in `folder`); created when `create`, else it must exist."""
    if storage is None:
        if not create and not (folder / runs.STUDY_DB).is_file():
            raise ConfigError(
                f"no study {name!r} in {folder.parent}; start it with `lstmcls tune CONFIG --study {name}`"
            )
        folder.mkdir(parents=True, exist_ok=True)
        storage = f"sqlite:///{(folder / runs.STUDY_DB).absolute()}"
    rdb = _rdb_storage(storage)
    if not create:
        try:
            return optuna.load_study(study_name=name, storage=rdb)
        except KeyError:
            raise ConfigError(f"no study {name!r} in {storage}") from None
    tune_config = config.tune
    pruner = (
        optuna.pruners.MedianPruner(
            n_startup_trials=tune_config.startup_trials, n_warmup_steps=tune_config.warmup_epochs
        )
        if tune_config.pruner == "median"
        else optuna.pruners.NopPruner()
    )
    return optuna.create_study(
        study_name=name,
        storage=rdb,
        load_if_exists=True,
        direction="minimize" if monitor_mode(tune_config.metric) == "min" else "maximize",
        sampler=optuna.samplers.TPESampler(seed=config.train.seed),
        pruner=pruner,
    )


def _rdb_storage(url: str, attempts: int = 5) -> optuna.storages.RDBStorage:
    """Optuna's storage; workers that start together race to create its tables, and the losers retry."""
    for attempt in range(1, attempts):
        try:
            return optuna.storages.RDBStorage(url, heartbeat_interval=10, grace_period=30)
        except sqlalchemy.exc.SQLAlchemyError:
            time.sleep(0.5 * attempt)
    return optuna.storages.RDBStorage(url, heartbeat_interval=10, grace_period=30)  # its error reaches the user


# === Trials ===


class _PruneOnEpoch(keras.callbacks.Callback):
    """Reports the validation metric to Optuna after each epoch and ends a hopeless trial's training."""

    def __init__(self, trial: optuna.Trial, metric: str) -> None:
        super().__init__()
        self.trial, self.metric, self.pruned = trial, metric, False

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.trial.report(float(logs[self.metric]), epoch)
        if self.trial.should_prune():
            self.pruned = True
            self.model.stop_training = True


def _objective(
    trial: optuna.Trial, config: Config, base: dict[str, Any], study: str, parent: str | None, verbose: int | None
) -> float:
    params = {key: _suggest(trial, key, distribution) for key, distribution in config.tune.space.items()}
    overrides = [f"{key}={yaml.safe_dump(value, default_flow_style=True).strip()}" for key, value in params.items()]
    trial_config = validate(apply_overrides(base, [*overrides, f"run.name={study}-trial{trial.number}"]))
    pruning = _PruneOnEpoch(trial, config.tune.metric)
    tracking = Tracking(trial_config, parent, tags={STUDY_TAG: study, TRIAL_TAG: trial.number})
    metric = {"tune.metric": config.tune.metric}  # checked against what the run reports before it trains
    result = train(trial_config, verbose, [pruning], tracking, also_monitored=metric)  # on this host
    result.run.update_meta(
        tune={"study": study, "trial": trial.number, "state": "pruned" if pruning.pruned else "complete"}
    )
    trial.set_user_attr("run", str(result.run.path))
    if pruning.pruned:
        raise optuna.TrialPruned()
    return result.metrics["validation"][config.tune.metric.removeprefix("val_")]


def _suggest(trial: optuna.Trial, key: str, distribution: Distribution) -> Any:
    if distribution.int_range is not None:
        return trial.suggest_int(key, *distribution.int_range, log=distribution.log)
    if distribution.float_range is not None:
        return trial.suggest_float(key, *distribution.float_range, log=distribution.log)
    return trial.suggest_categorical(key, distribution.choice)


def _extremes(distribution: Distribution) -> list[Any]:
    return list(distribution.int_range or distribution.float_range or distribution.choice)


def _best_value(study: optuna.Study) -> float | None:
    completed = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    return study.best_value if completed else None


def _count(study: optuna.Study, states: tuple) -> int:
    return len(study.get_trials(deepcopy=False, states=states))


# === Results ===


def trial_rows(study: optuna.Study) -> list[dict[str, Any]]:
    """One row per trial: number, state, params, metric value, seconds, run directory."""
    return [
        {
            "number": trial.number,
            "state": trial.state.name.lower(),
            "params": trial.params,
            "value": trial.value,
            "seconds": round(trial.duration.total_seconds(), 1) if trial.duration else None,
            "run": trial.user_attrs.get("run"),
        }
        for trial in study.trials
    ]


def best_config(study: optuna.Study) -> str | None:
    """The best trial's config as YAML that `lstmcls train` accepts as it is (None before any trial completes)."""
    completed = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if not completed:
        return None
    best = study.best_trial
    raw = yaml.safe_load(Path(best.user_attrs["run"], runs.CONFIG).read_text())
    raw["run"]["name"] = f"{study.study_name}-best"
    raw.pop("tune", None)
    header = f"# Best trial {best.number} of study {study.study_name!r}: value {best.value:.4f}; params {best.params}\n"
    return header + yaml.safe_dump(raw, sort_keys=False)


def write_outputs(study: optuna.Study, folder: Path) -> None:
    """best.yaml, trials.json and plots (optimisation history, parameter importances) in the study's folder."""
    folder.mkdir(parents=True, exist_ok=True)
    runs.write_json(folder / runs.TRIALS, trial_rows(study))
    best = best_config(study)
    if best is None:
        return
    (folder / runs.BEST_CONFIG).write_text(best, encoding="utf-8")
    plots.optuna_plot(optuna.visualization.matplotlib.plot_optimization_history, study, folder / runs.HISTORY_PLOT)
    completed = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if len(completed) >= 2 and len(study.best_params) >= 1:
        plots.optuna_plot(optuna.visualization.matplotlib.plot_param_importances, study, folder / runs.IMPORTANCES_PLOT)
