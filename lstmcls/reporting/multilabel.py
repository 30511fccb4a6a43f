"""Label sets (`data.multi_label`): the threshold of each label, chosen on validation, and the scores of a split.

Each label is its own sigmoid, so each is on or off by its own threshold, chosen on validation for the goal of
`eval.threshold` (default `f1`: each label's best F1; or a precision or recall floor that every label must meet;
`lstmcls.reporting.thresholds`) and saved in the run's decision (`decision.json`), which `predict`, `eval`,
`serve` and the export apply. Scores are scikit-learn's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn import metrics as skm

from lstmcls.errors import ConfigError
from lstmcls.reporting.decision import Decision
from lstmcls.reporting.thresholds import choose_threshold, goal_text

DEFAULT_THRESHOLD = 0.5  # a label without a positive validation example keeps it


def label_set_decision(
    labels: np.ndarray, probabilities: np.ndarray, names: list[str], goal: str | dict[str, float] | None = None
) -> Decision:
    """The decision of a multi-label run: each label's threshold chosen for `goal` (None: its best F1) on `labels`
    and `probabilities` (validation, one column per label).

    Raises:
        ConfigError: a label for which no threshold meets a precision or recall floor, named.
    """
    goal = goal or "f1"
    thresholds = []
    for column, name in enumerate(names):
        positive = labels[:, column] == 1
        if not positive.any():
            thresholds.append(DEFAULT_THRESHOLD)
            continue
        try:
            thresholds.append(choose_threshold(positive, probabilities[:, column], goal).threshold)
        except ConfigError as exc:
            raise ConfigError(f"label {name!r}: {exc}") from None
    return Decision(multi_label=True, thresholds=tuple(thresholds), goal=goal_text(goal))


def score_label_sets(
    labels: np.ndarray, probabilities: np.ndarray, names: list[str], decision: Decision
) -> dict[str, Any]:
    """Scores of a split from its true 0/1 rows (texts, labels) and the (calibrated) probabilities.

    `accuracy` is the share of (text, label) decisions that are right, as training's `accuracy` counts it
    (1 - `hamming_loss`); `subset_accuracy` the share of texts whose whole label set is right.
    """
    predicted = decision.decide(probabilities)
    precision, recall, f1, support = skm.precision_recall_fscore_support(
        labels, predicted, average=None, labels=list(range(len(names))), zero_division=0
    )
    thresholds = decision.thresholds or (DEFAULT_THRESHOLD,) * len(names)
    hamming = float(skm.hamming_loss(labels, predicted))
    return {
        "examples": int(len(labels)),
        "accuracy": 1.0 - hamming,
        "subset_accuracy": float(skm.accuracy_score(labels, predicted)),
        "hamming_loss": hamming,
        "micro_f1": float(skm.f1_score(labels, predicted, average="micro", zero_division=0)),
        "macro_f1": float(np.mean(f1)),
        "per_label": {
            name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s), "threshold": t}
            for name, p, r, f, s, t in zip(names, precision, recall, f1, support, thresholds)
        },
    }


def label_set(row: np.ndarray, names: list[str], probabilities: np.ndarray) -> list[str]:
    """The labels a 0/1 row turns on, most probable first."""
    on = np.flatnonzero(row)
    return [names[j] for j in on[np.argsort(-probabilities[on], kind="stable")]]
