"""`evaluate(run)`: accuracy, per-class precision/recall/F1, confusion matrix and ROC-AUC on held-out data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from sklearn import metrics as skm

from lstmcls import plots, progress, runs
from lstmcls.data import encode
from lstmcls.errors import DataError
from lstmcls.prediction import predict_probabilities
from lstmcls.sources import CsvSource, LabelledTexts


def evaluate(run: runs.Run, data: str | Path | None = None, batch_size: int = 256) -> dict[str, Any]:
    """Score a complete run on its config's test split, or on a labelled CSV `data` file.

    The result is also written to the run: `eval.json` for the test split, `eval-<file stem>.json` otherwise.
    """
    run.require_complete()
    config = run.config()
    names = run.label_names()
    if data is None:
        with progress.step("loading test data"):
            raw = config.data.load_test()
        if raw is None:
            raise DataError(f"run {run.id}'s config has no test split; set data.test or pass --data FILE")
        target, name = run.file(runs.EVAL), "test"
    else:
        raw = read_labelled(run, data)
        name = Path(data).name.split(".")[0]
        target = run.file(f"eval-{name}.json")
    examples = encode(raw, names, skip=config.data.on_bad_rows == "skip")
    probabilities = predict_probabilities(run.load_model(), examples.texts, batch_size)
    result = {"data": raw.origin, "dropped_rows": raw.dropped, **report(run, name, examples.labels, probabilities)}
    runs.write_json(target, result)
    return result


def read_labelled(run: runs.Run, path: str | Path) -> LabelledTexts:
    """A labelled CSV read like the run's training data: its columns for a CSV run, `text,label` otherwise."""
    source = run.config().data
    if not isinstance(source, CsvSource):
        source = CsvSource(source="csv", train=Path(path), on_bad_rows=source.on_bad_rows)
    return source.read(Path(path))


def report(run: runs.Run, name: str, labels: np.ndarray, probabilities: np.ndarray) -> dict[str, Any]:
    """Score predictions on a named split and draw its plots into the run (`plots/*-<name>.png`)."""
    names = run.label_names()
    result = score(labels, probabilities, names)
    folder = run.file(runs.PLOTS)
    plots.confusion_matrix(
        result["confusion_matrix"], names, folder / f"confusion_matrix-{name}.png",
        f"Confusion matrix, {name} ({len(labels):,} texts, accuracy {result['accuracy']:.3f})",
    )  # fmt: skip
    if "roc_auc" in result:
        plots.roc_curve(labels, probabilities[:, 1], names[1], folder / f"roc-{name}.png", f"ROC curve, {name}")
    return result


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
