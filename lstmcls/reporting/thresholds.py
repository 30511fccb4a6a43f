"""A run's decision chosen on validation at the end of training: a temperature (`eval.calibrate`), then for two
classes a threshold on the second class's probability for a stated goal (`eval.threshold`).

Goals: `f1` (the threshold with the best F1 of the second class), `{precision: x}` (precision at least x, and
then the most recall) or `{recall: x}` (recall at least x, and then the most precision). The threshold is placed
midway between the lowest probability it calls positive and the highest one it leaves negative, so a text scored
between the two is not decided by a hair. A precision floor that no threshold reaches on validation is an error
(exit 2) naming the best precision there is: a run that misses a stated floor should not pass for a finished one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn import metrics as skm

from lstmcls.errors import ConfigError
from lstmcls.reporting.calibration import calibration_report, fit_temperature
from lstmcls.reporting.decision import Decision

if TYPE_CHECKING:
    from lstmcls.config.schema import EvalConfig


@dataclass(frozen=True)
class Operating:
    """A threshold and what it does on the texts it was chosen on (the second class is the positive one)."""

    threshold: float
    precision: float
    recall: float
    f1: float


def choose_decision(config: EvalConfig, labels: np.ndarray, probabilities: np.ndarray) -> tuple[Decision, dict]:
    """The decision `config` asks for, chosen on `labels` (class ids) and `probabilities` (n, classes), and what
    it does there (for metrics.json: the temperature's effect on calibration, the threshold's operating point;
    empty when `config` asks for neither).

    Raises:
        ConfigError: a precision floor that no threshold reaches on these texts.
    """
    temperature = fit_temperature(labels, probabilities) if config.calibrate else 1.0
    calibrated = Decision(temperature=temperature).calibrated(probabilities)
    report: dict[str, Any] = {}
    if config.calibrate:
        report |= {"temperature": temperature, **calibration_report(labels, probabilities, calibrated)}
    if config.threshold is None or probabilities.shape[1] != 2:
        return Decision(temperature=temperature), report
    goal = goal_text(config.threshold)
    chosen = choose_threshold(labels == 1, calibrated[:, 1], config.threshold)
    report |= {"goal": goal, **vars(chosen)}
    return Decision(temperature=temperature, threshold=chosen.threshold, goal=goal), report


def choose_threshold(positive: np.ndarray, scores: np.ndarray, goal: str | dict[str, float]) -> Operating:
    """The threshold on `scores` that best meets `goal` for the texts where `positive` is true.

    Raises:
        ConfigError: a floor no threshold reaches (on recall only when no text is positive).
    """
    precision, recall, thresholds = skm.precision_recall_curve(positive, scores)
    precision, recall = precision[:-1], recall[:-1]  # the curve's last point (recall 0) has no threshold
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    if goal == "f1":
        best = int(np.argmax(f1))
    else:
        ((metric, floor),) = goal.items()
        achieved, other = (precision, recall) if metric == "precision" else (recall, precision)
        meets = np.flatnonzero(achieved >= floor)
        if not meets.size:
            _unmet(metric, floor, achieved, recall, thresholds)
        best = meets[np.lexsort((achieved[meets], other[meets]))[-1]]  # the most of the other, then of this one
    threshold = _midway(float(thresholds[best]), scores)
    return Operating(threshold, float(precision[best]), float(recall[best]), float(f1[best]))


def goal_text(goal: str | dict[str, float]) -> str:
    """How decision.json and metrics.json spell a goal: `f1`, `precision>=0.95`, `recall>=0.9`."""
    if isinstance(goal, str):
        return goal
    ((metric, floor),) = goal.items()
    return f"{metric}>={floor:g}"


def _midway(lowest_on: float, scores: np.ndarray) -> float:
    """Halfway between the lowest score called positive and the highest one below it."""
    below = scores[scores < lowest_on]
    return (lowest_on + float(below.max())) / 2 if below.size else lowest_on


def _unmet(metric: str, floor: float, achieved: np.ndarray, recall: np.ndarray, thresholds: np.ndarray) -> None:
    if not achieved.size or not recall.any():
        raise ConfigError(f"eval.threshold: {metric}>={floor:g} needs positive texts in validation, and it has none")
    best = int(np.argmax(achieved))
    raise ConfigError(
        f"eval.threshold: no threshold reaches {metric} {floor:g} on validation (the best is {achieved[best]:.3f}, "
        f"at threshold {thresholds[best]:.3f} with recall {recall[best]:.3f}); lower the floor, or improve the model"
    )
