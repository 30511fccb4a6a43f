"""`autotune(config, budget_seconds) -> AutotuneResult`: a hyperparameter search that fits a time budget and ends
with a trained model (fastText's `-autotune-duration`, on lstmcls's validation split).

The search is `lstmcls.tools.tuning.tune`'s, over the config's own `tune:` block or, without one, a space built
around the config's values (`builtin_space`) whose first trial is the config itself. Trials are scored on a
validation metric (`tune.metric`; without a `tune:` block, the config's `train.monitor`); the test split is never
scored.

The budget is the search's (`Budget`): a trial starts only while the slowest trial so far fits in the time left.
The final run is the best trial's run, not a new one: a trial is an ordinary, complete run of exactly the config
that best.yaml holds (same data, same seed), so training it again would give the same model at the cost of a
trial that the search can use instead.
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
from lstmcls.config import apply_overrides, validate
from lstmcls.config.schema import Config, TuneConfig
from lstmcls.errors import ConfigError, RunError, TrainingInterrupted
from lstmcls.tools.durations import check_budget, format_duration
from lstmcls.tools.tuning import FINISHED, TuneResult, study_dir, tune
from lstmcls.training.runner import TrainResult

log = logging.getLogger("lstmcls")
COMPLETE = (optuna.trial.TrialState.COMPLETE,)
POOLINGS = ("max", "mean", "last", "attention")  # tried where the config allows them (fuse_pooling: max, last)
CELLS = ("lstm", "gru")


@dataclass(frozen=True)
class AutotuneResult:
    """A time-budgeted search and the run of its best config.

    Attributes:
        search: the study (`.study`, `.trials`, `.folder` with best.yaml, trials.json and plots).
        final: the best trial's run (an ordinary, complete run of best.yaml's config) and its validation metrics.
        budget_seconds: the budget given.
        seconds: the wall time of the search.
    """

    search: TuneResult
    final: TrainResult
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
    def best_trial(self) -> int:
        return self.search.study.best_trial.number

    @property
    def trials(self) -> int:
        """Finished (complete or pruned) trials."""
        return len(self.search.study.get_trials(deepcopy=False, states=FINISHED))


@dataclass
class Budget:
    """The time an autotune may take, counted from when it starts, and whether another trial fits in it."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def left(self) -> float:
        return self.seconds - self.elapsed()

    def room_for_trial(self, study: optuna.Study) -> bool:
        """Whether another trial fits in what is left, expected to take as long as the slowest so far (trials of
        larger networks or longer texts take longer); the first trial always starts."""
        slowest = max(_seconds(study), default=None)
        fits = slowest is None or slowest <= self.left()
        if not fits:
            log.info("autotune: %s left, too little for another trial", _left(self))
        return fits

    def check_first_trial(self, study: optuna.Study) -> None:
        """Refuse a budget that the first trial overran: what came out is one training, not a search."""
        trials = study.get_trials(deepcopy=False)
        if len(trials) != 1 or trials[0].duration is None or self.left() >= 0:
            return
        first, took = trials[0], trials[0].duration.total_seconds()
        enough = 60 * math.ceil(2 * took / 60)
        raise ConfigError(
            f"autotune budget {format_duration(self.seconds)}: its first trial alone took {took:.0f} s, so no search "
            f"fits; give at least {format_duration(enough)} (two trials), or train the config as it is (the trial's "
            f"run: {first.user_attrs.get('run', 'none')})"
        )


def autotune(config: Config, budget_seconds: float, verbose: int | None = None) -> AutotuneResult:
    """Search hyperparameters on validation for `budget_seconds`; the best trial's run is the final run.

    Args:
        config: the config searched around; its `tune:` block (space, metric, pruner) if it has one, else
            `builtin_space(config)`, scored on `train.monitor`, starting from the config's own values.
        budget_seconds: wall time for the search (at least 30 s).
        verbose: Keras verbosity of the trials.

    Raises:
        ConfigError: a budget under the floor, or one that the first trial alone overran.
    """
    check_budget(budget_seconds)
    budget = Budget(budget_seconds)
    searched = with_search_space(config)
    first = {key: _value(config, key) for key in searched.tune.space} if config.tune is None else None
    name = _study_name(searched)
    try:
        search = tune(searched, None, study=name, keep_going=budget.room_for_trial, verbose=verbose, first=first)
    except TrainingInterrupted:  # tune's message would offer to continue the study: a new autotune starts afresh
        raise TrainingInterrupted(
            f"autotune stopped on request; its trials so far: `lstmcls tune --show {name} --runs-dir {config.run.dir}`"
        ) from None
    budget.check_first_trial(search.study)
    if not search.study.get_trials(deepcopy=False, states=COMPLETE):
        raise RunError(f"no trial completed; see why with `lstmcls tune --show {name} --runs-dir {config.run.dir}`")
    return AutotuneResult(search, _trial_run(search.study.best_trial), budget_seconds, budget.elapsed())


# === The search space ===


def with_search_space(config: Config) -> Config:
    """The config with a `tune:` block: its own, or the built-in space scored on `train.monitor`."""
    if config.tune is not None:
        return config
    tune_block = TuneConfig.model_validate({"metric": config.train.monitor, "space": builtin_space(config)})
    return config.model_copy(update={"tune": tune_block})


def builtin_space(config: Config) -> dict[str, dict[str, Any]]:
    """A space around the config's own values: cell and units (unless a language model fixes them), embedding size
    (unless pretrained), dropouts, pooling, learning rate and max_length; a choice keeps only the values valid with
    the rest of the config."""
    model, length, rate = config.model, config.vectorizer.max_length, config.train.learning_rate
    space: dict[str, dict[str, Any]] = {
        "model.cell": {"choice": _valid(config, "model.cell", [model.cell, *CELLS])},
        "model.units": {"int": _around(model.units), "log": True},
        "model.dropout": {"float": [0.0, max(0.5, model.dropout)]},
        "model.embedding.dropout": {"float": [0.0, max(0.5, model.embedding.dropout)]},
        "model.pooling": {"choice": _valid(config, "model.pooling", [model.pooling, *POOLINGS])},
        "train.learning_rate": {"float": [rate / 4, min(1.0, rate * 4)], "log": True},
        "vectorizer.max_length": {"int": _around(length, 4, 1.5)},
    }
    if model.embedding.pretrained is None and model.pretrained is None:  # pretrained vectors fix the size
        space["model.embedding.dim"] = {"int": _around(model.embedding.dim), "log": True}
    if model.pretrained is not None:  # a language model fixes the network's shape
        del space["model.cell"], space["model.units"]
    return {key: value for key, value in space.items() if "choice" not in value or len(value["choice"]) > 1}


def _around(value: int, floor: int = 8, up: float = 2.0) -> list[int]:
    """From half `value` (but not under `floor`, unless `value` is) to `up` times it: the range holds `value`."""
    low = min(value, max(floor, value // 2))
    return [low, max(int(up * value), low + 1)]


def _value(config: Config, key: str) -> Any:
    """The value of a dotted key in `config` (`model.embedding.dim`)."""
    found: Any = config
    for part in key.split("."):
        found = getattr(found, part)
    return found


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
    """A trial's run and its metrics, as `train` returned them."""
    run = runs.Run(Path(trial.user_attrs["run"])).require_complete()
    return TrainResult(run, runs.read_json(run.file(runs.METRICS), what=f"run {run.id}"))


def _seconds(study: optuna.Study) -> list[float]:
    """How long each finished (complete or pruned) trial took."""
    return [
        trial.duration.total_seconds() for trial in study.get_trials(deepcopy=False, states=FINISHED) if trial.duration
    ]


def _left(budget: Budget) -> str:
    return f"{format_duration(max(0.0, budget.left()))} of {format_duration(budget.seconds)}"
