"""Classification scores from true class ids and predicted probabilities (scikit-learn's metrics).

PR-AUC is scikit-learn's average precision (the precision at each recall step, weighted by the step), for the
second class of two, and one class against the rest for more; the epochs' `val_pr_auc` is Keras's AUC of the
same curve over 200 thresholds, close to it but not equal. `ece` is the expected calibration error of the
probabilities (`lstmcls.reporting.calibration`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn import metrics as skm

from lstmcls.reporting.calibration import expected_calibration_error


def score(
    labels: np.ndarray, probabilities: np.ndarray, names: list[str], predicted: np.ndarray | None = None
) -> dict[str, Any]:
    """Classification metrics from true class ids, an (n, classes) probability array and the class ids decided
    from it (the run's `Decision`; default: the most probable class)."""
    predicted = probabilities.argmax(axis=1) if predicted is None else predicted
    classes = list(range(len(names)))
    precision, recall, f1, support = skm.precision_recall_fscore_support(
        labels, predicted, labels=classes, zero_division=0
    )
    result: dict[str, Any] = {
        "examples": int(len(labels)),
        "accuracy": float(skm.accuracy_score(labels, predicted)),
        "macro_f1": float(np.mean(f1)),
        "per_class": {
            name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for name, p, r, f, s in zip(names, precision, recall, f1, support)
        },
        "confusion_matrix": skm.confusion_matrix(labels, predicted, labels=classes).tolist(),
    }
    if len(names) == 2 and len(np.unique(labels)) == 2:
        result["roc_auc"] = float(skm.roc_auc_score(labels, probabilities[:, 1]))
        result["pr_auc"] = float(skm.average_precision_score(labels, probabilities[:, 1]))
    elif len(names) > 2:  # one class against the rest; None for a class the split lacks
        for index, name in enumerate(names):
            present = bool((labels == index).any())
            area = skm.average_precision_score(labels == index, probabilities[:, index]) if present else None
            result["per_class"][name]["pr_auc"] = None if area is None else float(area)
    result["ece"] = expected_calibration_error(labels, probabilities)
    return result


def monitor_mode(monitor: str) -> str:
    """Which way a validation metric improves: "min" for a loss, else "max" (early stopping, the kept epoch)."""
    return "min" if monitor.endswith("loss") else "max"


def best_epoch(values: list[float], monitor: str) -> int:
    """The 1-based epoch whose `monitor` value is best: the epoch a run keeps."""
    return int(np.argmin(values) if monitor_mode(monitor) == "min" else np.argmax(values)) + 1
