"""Label sets: each label's threshold chosen on validation, and the scores of a split (no model needed)."""

import numpy as np
import pytest

from lstmcls.errors import ConfigError
from lstmcls.reporting.decision import Decision
from lstmcls.reporting.multilabel import DEFAULT_THRESHOLD, label_set, label_set_decision, score_label_sets

NAMES = ["food", "music", "sport"]
# food separates at 0.5 / 0.6; music's positives score 0.2 and 0.3, below a negative's 0.1 only; sport has none
LABELS = np.array([[1, 1, 0], [1, 0, 0], [0, 1, 0], [0, 0, 0], [0, 0, 0]])
PROBABILITIES = np.array(
    [[0.9, 0.3, 0.2], [0.6, 0.05, 0.1], [0.5, 0.2, 0.3], [0.1, 0.1, 0.4], [0.2, 0.0, 0.1]], dtype=np.float32
)


def test_each_label_gets_the_threshold_of_its_best_f1_midway_between_scores():
    decision = label_set_decision(LABELS, PROBABILITIES, NAMES)
    assert decision.multi_label and decision.goal == "f1"
    food, music, sport = decision.thresholds
    assert food == pytest.approx(0.55)  # between 0.6 (the lowest positive) and 0.5 (the highest negative)
    assert music == pytest.approx(0.15)  # 0.2 and 0.3 on, 0.1 off: F1 1.0
    assert sport == DEFAULT_THRESHOLD  # no positive text to choose by
    assert (decision.decide(PROBABILITIES)[:, :2] == LABELS[:, :2]).all()
    assert Decision.from_json(decision.to_json()) == decision  # as decision.json holds it


def test_a_precision_floor_applies_to_every_label_and_names_the_one_that_misses_it():
    labels = np.array([[1, 1], [0, 1], [1, 0], [0, 0]])
    probabilities = np.array([[0.9, 0.4], [0.8, 0.7], [0.3, 0.9], [0.1, 0.2]])
    decision = label_set_decision(labels, probabilities, ["a", "b"], {"precision": 0.5})
    assert decision.goal == "precision>=0.5" and len(decision.thresholds) == 2
    with pytest.raises(ConfigError, match=r"label 'b': eval.threshold: no threshold reaches precision 0.9"):
        label_set_decision(labels, probabilities, ["a", "b"], {"precision": 0.9})


def test_scores_of_label_sets_match_their_definitions():
    decision = Decision(multi_label=True, thresholds=(0.5, 0.5, 0.5))
    predicted = np.array([[1, 0, 0], [1, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 0]])  # what 0.5 turns on
    assert (decision.decide(PROBABILITIES) == predicted).all()
    scores = score_label_sets(LABELS, PROBABILITIES, NAMES, decision)
    # 15 decisions, 3 wrong (music missed twice, food once wrongly on); 3 of 5 whole sets right
    assert scores["hamming_loss"] == pytest.approx(3 / 15)
    assert scores["accuracy"] == pytest.approx(12 / 15)
    assert scores["subset_accuracy"] == pytest.approx(3 / 5)
    assert scores["per_label"]["food"] == {
        "precision": pytest.approx(2 / 3),
        "recall": 1.0,
        "f1": pytest.approx(0.8),
        "support": 2,
        "threshold": 0.5,
    }
    assert scores["per_label"]["music"]["f1"] == 0.0 and scores["per_label"]["sport"]["support"] == 0
    assert scores["macro_f1"] == pytest.approx(0.8 / 3)
    assert scores["micro_f1"] == pytest.approx(2 * 2 / (2 * 2 + 1 + 2))  # 2 TP, 1 FP, 2 FN over all labels


def test_a_label_set_lists_the_labels_that_are_on_most_probable_first():
    assert label_set(np.array([1, 0, 1]), NAMES, np.array([0.6, 0.9, 0.8])) == ["sport", "food"]
    assert label_set(np.array([0, 0, 0]), NAMES, np.array([0.1, 0.2, 0.3])) == []
