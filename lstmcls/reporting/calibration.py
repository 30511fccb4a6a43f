"""Whether a model's probabilities can be taken at their word: expected calibration error, the reliability table a
diagram draws, and temperature scaling fitted on validation.

A model that says 0.9 should be right nine times in ten. Calibration is read on the most probable class: its
probability (the confidence) against whether it is the true class, in equal-width confidence bins (Guo et al.,
"On Calibration of Modern Neural Networks", 2017). Temperature scaling divides the logits by one number T > 0
fitted on validation for the lowest log loss: T > 1 softens an over-confident model, and the ranking of the
classes, hence accuracy and the ROC curve, stays as it was.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar

from lstmcls.reporting.decision import EPSILON, Decision

BINS = 15  # the usual number of equal-width confidence bins
LOG_T_BOUNDS = (-3.0, 3.0)  # the temperature is searched between e^-3 (≈0.05) and e^3 (≈20)


def reliability(labels: np.ndarray, probabilities: np.ndarray, bins: int = BINS) -> dict[str, list[float]]:
    """Per non-empty confidence bin: its mean confidence, the share of its texts whose most probable class is
    right, and how many texts it holds."""
    confidence, correct = _confidence(labels, probabilities)
    which = np.minimum((confidence * bins).astype(int), bins - 1)  # a confidence of 1.0 falls in the last bin
    table: dict[str, list[float]] = {"confidence": [], "accuracy": [], "count": []}
    for index in np.unique(which):
        members = which == index
        table["confidence"].append(float(confidence[members].mean()))
        table["accuracy"].append(float(correct[members].mean()))
        table["count"].append(int(members.sum()))
    return table


def expected_calibration_error(labels: np.ndarray, probabilities: np.ndarray, bins: int = BINS) -> float:
    """ECE: the gap between confidence and accuracy in each bin, weighted by the bin's share of the texts."""
    table = reliability(labels, probabilities, bins)
    gaps = np.abs(np.subtract(table["accuracy"], table["confidence"]))
    return float(np.sum(gaps * np.asarray(table["count"])) / max(len(labels), 1))


def log_loss(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """The mean negative log-probability of each text's true class (what temperature scaling minimises)."""
    true = probabilities[np.arange(len(labels)), labels]
    return float(-np.mean(np.log(np.clip(true, EPSILON, 1.0))))


def fit_temperature(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """The temperature with the lowest log loss on these (validation) texts: scipy's bounded scalar search over
    log T, applied exactly as `Decision.calibrated` applies it."""

    def loss(log_temperature: float) -> float:
        return log_loss(labels, Decision(temperature=float(np.exp(log_temperature))).calibrated(probabilities))

    found = minimize_scalar(loss, bounds=LOG_T_BOUNDS, method="bounded", options={"xatol": 1e-4})
    return round(float(np.exp(found.x)), 4) if loss(found.x) < loss(0.0) else 1.0


def calibration_report(labels: np.ndarray, before: np.ndarray, after: np.ndarray) -> dict[str, Any]:
    """ECE and log loss before and after a temperature, for metrics.json."""
    return {
        "ece_before": expected_calibration_error(labels, before),
        "ece_after": expected_calibration_error(labels, after),
        "log_loss_before": log_loss(labels, before),
        "log_loss_after": log_loss(labels, after),
    }


def _confidence(labels: np.ndarray, probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    predicted = probabilities.argmax(axis=1)
    return probabilities.max(axis=1), (predicted == labels).astype(float)
