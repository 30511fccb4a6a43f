"""Choosing a two-class decision on validation: a threshold for best F1 or a precision or recall floor, and the
temperature before it."""

import numpy as np
import pytest

from lstmcls.config.schema import EvalConfig
from lstmcls.errors import ConfigError
from lstmcls.reporting.thresholds import choose_decision, choose_threshold

# Ten texts scored by a model: positives (True) mostly score high, with two negatives among them, one on top.
POSITIVE = np.array([False, False, False, False, True, False, True, True, True, False])
SCORES = np.array([0.05, 0.1, 0.2, 0.3, 0.35, 0.5, 0.6, 0.7, 0.8, 0.9])


def outcome(threshold: float) -> tuple[float, float]:
    called = SCORES >= threshold
    return (called & POSITIVE).sum() / called.sum(), (called & POSITIVE).sum() / POSITIVE.sum()


def test_a_precision_floor_is_met_with_the_most_recall():
    chosen = choose_threshold(POSITIVE, SCORES, {"precision": 0.7})
    precision, recall = outcome(chosen.threshold)
    assert precision >= 0.7 and (precision, recall) == (chosen.precision, chosen.recall)
    assert recall == 0.75  # 0.6 and up: 3 of 4 positives, 1 of 4 called is wrong; others miss the floor
    assert 0.5 < chosen.threshold < 0.6  # midway between the lowest score called and the one below it


def test_a_recall_floor_is_met_with_the_most_precision():
    chosen = choose_threshold(POSITIVE, SCORES, {"recall": 1.0 - 1e-9})
    assert outcome(chosen.threshold) == (4 / 6, 1.0)  # all four positives from 0.35 up, with two negatives


def test_f1_picks_the_best_f1():
    chosen = choose_threshold(POSITIVE, SCORES, "f1")
    best = max(2 * p * r / (p + r) for p, r in map(outcome, SCORES) if p + r)
    assert chosen.f1 == pytest.approx(best)


def test_a_floor_no_threshold_reaches_names_the_best_there_is():
    with pytest.raises(ConfigError, match=r"no threshold reaches precision 0.95 on validation \(the best is 0.750"):
        choose_threshold(POSITIVE, SCORES, {"precision": 0.95})


def test_the_decision_takes_the_threshold_after_the_temperature():
    probabilities = np.stack([1 - SCORES, SCORES], axis=1)
    config = EvalConfig(threshold={"precision": 0.7}, calibrate=True)
    decision, report = choose_decision(config, POSITIVE.astype(int), probabilities)
    assert decision.goal == "precision>=0.7" and report["goal"] == decision.goal
    calibrated = decision.calibrated(probabilities)
    assert (decision.decide(calibrated) == (calibrated[:, 1] >= decision.threshold)).all()
    assert outcome(0.55) == (report["precision"], report["recall"])  # the same texts are called positive
    assert report["log_loss_after"] <= report["log_loss_before"]
    assert choose_decision(EvalConfig(), POSITIVE.astype(int), probabilities) == (decision.__class__(), {})
