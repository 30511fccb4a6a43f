"""Classification scores from true class ids and predicted probabilities (scikit-learn's metrics)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn import metrics as skm


def score(labels: np.ndarray, probabilities: np.ndarray, names: list[str]) -> dict[str, Any]:
    """Classification metrics from true class ids and an (n, classes) probability array."""
    predicted = probabilities.argmax(axis=1)
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
    return result


def monitor_mode(monitor: str) -> str:
    """Which way a validation metric improves: "min" for a loss, else "max" (early stopping, the kept epoch)."""
    return "min" if monitor.endswith("loss") else "max"


def best_epoch(values: list[float], monitor: str) -> int:
    """The 1-based epoch whose `monitor` value is best: the epoch a run keeps."""
    return int(np.argmin(values) if monitor_mode(monitor) == "min" else np.argmax(values)) + 1
