"""`autotune(config, budget_seconds) -> AutotuneResult`: a hyperparameter search that fits a time budget, then
the best config trained as an ordinary run (fastText's `-autotune-duration`, on lstmcls's validation split).

The search is `lstmcls.tools.tuning.tune`'s, over the config's own `tune:` block or, without one, a space built
around the config's values (`builtin_space`). Trials are scored on a validation metric (`tune.metric`; without a
`tune:` block, the config's `train.monitor`); the test split is not read.

The budget covers the search and the final training (`Budget`): a trial starts only while the slowest trial so
far and the final training (the best trial's time) both fit in what is left; then the best config is trained
again as a run of its own, or, if the last trial left too little time for that, the best trial's run (an
ordinary, complete run of the same config) is the final run, and the result says so.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna

from lstmcls import runs
from lstmcls.config import apply_overrides, load_config, validate
from lstmcls.config.schema import Config, TuneConfig
from lstmcls.errors import ConfigError, RunError
from lstmcls.tools.durations import check_budget, format_duration
from lstmcls.tools.tuning import FINISHED, TuneResult, study_dir, tune
from lstmcls.training.runner import TrainResult, train

log = logging.getLogger("lstmcls")
COMPLETE = (optuna.trial.TrialState.COMPLETE,)
POOLINGS = ("max", "mean", "last", "attention")  # tried where the config allows them (fuse_pooling: max, last)
CELLS = ("lstm", "gru")


@dataclass(frozen=True)
class AutotuneResult:
    """A time-budgeted search and the run of its best config.

    Attributes:
        search: the study (`.study`, `.trials`, `.folder` with best.yaml, trials.json and plots).
        final: the best config's run and its validation metrics.
        retrained: True: `final` is the best config trained again after the search; False: the time left was
            too short for that, and `final` is the best trial's own run (a complete run of the same config).
        budget_seconds: the budget given.
        seconds: the wall time of the search and the final training together.
    """

    search: TuneResult
    final: TrainResult
    retrained: bool
    budget_seconds: float
    seconds: float

    @property
    def folder(self) -> Path:
        return self.search.folder

    @property
    def best_config_path(self) -> Path:
        return self.search.best_config_path

    @property
    def run(self) -> runs.Run:
        return self.final.run

    @property
    def trials(self) -> int:
        """Finished (complete or pruned) trials."""
        return len(self.search.study.get_trials(deepcopy=False, states=FINISHED))


@dataclass
class Budget:
    """The time an autotune may take, counted from when it starts, and what fits in what is left."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def left(self) -> float:
        return self.seconds - self.elapsed()

    def room_for_trial(self, study: optuna.Study) -> bool:
        """Whether another trial and the final training fit in what is left: the next trial is expected to take as
        long as the slowest so far, the final training as long as the best trial took (it trains the same config).
        The first trial always starts."""
        slowest = max(_seconds(study, FINISHED), default=None)
        if slowest is None:
            return True
        fits = slowest + self.final_estimate(study) <= self.left()
        if not fits:
            log.info("autotune: %s left, too little for another trial and the final training", _left(self))
        return fits

    def final_estimate(self, study: optuna.Study) -> float:
        """The seconds the final training should take: those of the best trial (the slowest before one completes)."""
        if study.get_trials(deepcopy=False, states=COMPLETE):
            return study.best_trial.duration.total_seconds()
        return max(_seconds(study, FINISHED), default=0.0)

    def check_first_trial(self, study: optuna.Study) -> None:
        """Refuse a budget that one trial overran: what came out is one training, not a search."""
        trials = study.get_trials(deepcopy=False)
        if len(trials) != 1 or trials[0].duration is None or self.left() >= 0:
            return
        first, took = trials[0], trials[0].duration.total_seconds()
        enough = 60 * math.ceil(3 * took / 60)  # two trials and the final training
        raise ConfigError(
            f"autotune budget {format_duration(self.seconds)}: the first trial alone took {took:.0f} s, so no "
            f"search fits; give at least {format_duration(enough)} (two trials and the final training), or train "
            f"the config as it is (the trial's run: {first.user_attrs.get('run', 'none')})"
        )


def autotune(config: Config, budget_seconds: float, verbose: int | None = None) -> AutotuneResult:
    """Search hyperparameters on validation for `budget_seconds`, then train the best config (see the module).

    Args:
        config: the config searched around; its `tune:` block (space, metric, pruner) if it has one, else
            `builtin_space(config)`, scored on `train.monitor`.
        budget_seconds: wall time for the search and the final training together (at least 30 s).
        verbose: Keras verbosity of the trials and the final training.

    Raises:
        ConfigError: a budget under the floor, or one that the first trial alone overran.
    """
    check_budget(budget_seconds)
    budget = Budget(budget_seconds)
    searched = with_search_space(config)
    search = tune(searched, None, study=_study_name(searched), keep_going=budget.room_for_trial, verbose=verbose)
    budget.check_first_trial(search.study)
    completed = search.study.get_trials(deepcopy=False, states=COMPLETE)
    if not completed:
        name = search.study.study_name
        raise RunError(f"no trial of study {name!r} completed; see why with `lstmcls tune --show {name}`")
    retrained = budget.final_estimate(search.study) <= budget.left()
    if retrained:
        final = train(load_config(search.best_config_path), verbose=verbose)
    else:
        log.info("autotune: %s left, too little to train the best config again; its trial's run is kept", _left(budget))
        final = _trial_run(search.study.best_trial)
    return AutotuneResult(search, final, retrained, budget_seconds, budget.elapsed())


# === The search space ===


def with_search_space(config: Config) -> Config:
    """The config with a `tune:` block: its own, or the built-in space scored on `train.monitor`."""
    if config.tune is not None:
        return config
    tune_block = TuneConfig.model_validate({"metric": config.train.monitor, "space": builtin_space(config)})
    return config.model_copy(update={"tune": tune_block})


def builtin_space(config: Config) -> dict[str, dict[str, Any]]:
    """A space around the config's own values: cell, units, embedding size (unless pretrained), dropouts,
    pooling, learning rate and max_length; a choice keeps only the values valid with the rest of the config."""
    model, length, rate = config.model, config.vectorizer.max_length, config.train.learning_rate
    space: dict[str, dict[str, Any]] = {
        "model.cell": {"choice": _valid(config, "model.cell", [model.cell, *CELLS])},
        "model.units": {"int": _around(model.units), "log": True},
        "model.dropout": {"float": [0.0, 0.5]},
        "model.embedding.dropout": {"float": [0.0, 0.5]},
        "model.pooling": {"choice": _valid(config, "model.pooling", [model.pooling, *POOLINGS])},
        "train.learning_rate": {"float": [rate / 4, min(1.0, rate * 4)], "log": True},
        "vectorizer.max_length": {"int": [max(4, length // 2), max(length + length // 2, 5)]},
    }
    if model.embedding.pretrained is None:  # pretrained vectors fix the size
        space["model.embedding.dim"] = {"int": _around(model.embedding.dim), "log": True}
    return {key: value for key, value in space.items() if len(value.get("choice", "ab")) > 1}


def _around(value: int, floor: int = 8) -> list[int]:
    """From half to twice `value`, never under `floor`."""
    low = max(floor, value // 2)
    return [low, max(2 * value, low + 1)]


def _valid(config: Config, key: str, values: list[Any]) -> list[Any]:
    """`values` without repeats, and without those the rest of the config refuses (fuse_pooling: max and last)."""
    base = config.model_dump(mode="json", exclude={"tune"})
    kept = []
    for value in dict.fromkeys(values):
        try:
            validate(apply_overrides(base, [f"{key}={value}"]))
        except ConfigError:
            continue
        kept.append(value)
    return kept


# === Helpers ===


def _study_name(config: Config) -> str:
    """`<run name>-autotune-<N>`, the first N whose study folder does not exist: every autotune starts afresh."""
    stem = f"{config.run.name or 'run'}-autotune"
    number = 1
    while study_dir(config, f"{stem}-{number}").exists():
        number += 1
    return f"{stem}-{number}"


def _trial_run(trial: optuna.trial.FrozenTrial) -> TrainResult:
    run = runs.Run(Path(trial.user_attrs["run"])).require_complete()
    return TrainResult(run, runs.read_json(run.file(runs.METRICS), what=f"run {run.id}"))


def _seconds(study: optuna.Study, states: tuple) -> list[float]:
    return [
        trial.duration.total_seconds() for trial in study.get_trials(deepcopy=False, states=states) if trial.duration
    ]


def _left(budget: Budget) -> str:
    return f"{max(0.0, budget.left()):.0f} s of {format_duration(budget.seconds)}"
