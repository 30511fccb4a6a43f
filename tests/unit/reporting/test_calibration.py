"""Calibration: expected calibration error, the reliability table, and temperature scaling fitted on validation."""

import numpy as np
import pytest

from lstmcls.reporting.calibration import expected_calibration_error, fit_temperature, log_loss, reliability
from lstmcls.reporting.decision import Decision


def overconfident(examples: int = 3000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three classes drawn from softmax(z), while the model claims softmax(4z): far more sure than it is right."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 1, (examples, 3))
    truth = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(3, p=row) for row in truth])
    claimed = np.exp(4 * logits)
    return labels, claimed / claimed.sum(axis=1, keepdims=True)


def test_ece_is_the_count_weighted_gap_between_confidence_and_accuracy():
    labels = np.array([0, 0, 1, 1])
    probabilities = np.array([[0.9, 0.1], [0.9, 0.1], [0.3, 0.7], [0.7, 0.3]])
    # bin of 0.9: 2 texts, both right (gap 0.1); bin of 0.7: 2 texts, one right (gap 0.2)
    assert expected_calibration_error(labels, probabilities) == pytest.approx(0.5 * 0.1 + 0.5 * 0.2)
    table = reliability(labels, probabilities)
    assert table["count"] == [2, 2] and table["accuracy"] == [0.5, 1.0]
    assert table["confidence"] == pytest.approx([0.7, 0.9])


def test_temperature_scaling_lowers_the_ece_of_an_overconfident_model():
    labels, probabilities = overconfident()
    temperature = fit_temperature(labels, probabilities)
    calibrated = Decision(temperature=temperature).calibrated(probabilities)
    assert temperature == pytest.approx(4, rel=0.15)  # the sharpening undone
    before, after = expected_calibration_error(labels, probabilities), expected_calibration_error(labels, calibrated)
    assert before > 0.15 and after < 0.04
    assert log_loss(labels, calibrated) < log_loss(labels, probabilities)
    assert (calibrated.argmax(axis=1) == probabilities.argmax(axis=1)).all()  # the ranking, hence accuracy, stays


def test_a_calibrated_model_keeps_a_temperature_near_one():
    rng = np.random.default_rng(1)
    probabilities = rng.dirichlet([1, 1, 1], 4000)
    labels = np.array([rng.choice(3, p=row) for row in probabilities])  # right exactly as often as it claims
    assert fit_temperature(labels, probabilities) == pytest.approx(1.0, abs=0.1)
