"""`evaluate(run)`: accuracy, per-class precision/recall/F1, confusion matrix, ROC-AUC and PR-AUC, calibration
(ECE and a reliability diagram) on held-out data, decided as the run decides (its threshold and temperature); for
a multi-label run: micro and macro F1, per-label scores, subset accuracy and Hamming loss."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from lstmcls import runs
from lstmcls.data.readers import LabelledTexts, load_test, read_labelled_file
from lstmcls.data.splits import encode
from lstmcls.errors import DataError
from lstmcls.inference.prediction import predict_probabilities
from lstmcls.reporting import plots, progress
from lstmcls.reporting.decision import Decision
from lstmcls.reporting.multilabel import score_label_sets
from lstmcls.reporting.scores import score
from lstmcls.tracking import record_results


def evaluate(run: runs.Run, data: str | Path | None = None, batch_size: int = 256) -> dict[str, Any]:
    """Score a complete run on its config's test split, or on a labelled `data` file (CSV, TSV, JSON Lines, Parquet,
    a glob of shards or a folder of class folders).

    The result is also written to the run: `eval.json` for the test split, `eval-<file stem>.json` otherwise.
    A run with a linear baseline (`train.baseline`) has its scores on the same texts under `baseline`.
    """
    run.require_complete()
    config = run.config()
    names = run.label_names()
    if data is None:
        with progress.step("loading test data"):
            raw = load_test(config.data)
        if raw is None:
            raise DataError(f"run {run.id}'s config has no test split; set data.test or pass --data FILE")
        target, name = run.file(runs.EVAL), "test"
    else:
        raw = read_labelled(run, data)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(data).name.split(".")[0])  # a glob's * is no file name
        target = run.file(f"{runs.EVAL_PREFIX}{name}.json")
    examples = encode(raw, names, skip=config.data.on_bad_rows == "skip")
    probabilities = predict_probabilities(run.load_model(), examples.texts, batch_size)
    result = {"data": raw.origin, "dropped_rows": raw.dropped, **score_split(run, name, examples.labels, probabilities)}
    baseline = run.baseline()
    if baseline is not None:  # the linear baseline fitted beside the model, on the same texts
        result["baseline"] = baseline.scores(examples.texts, examples.labels, names)
    runs.write_json(target, result)
    if data is None:  # the test scores join the run's trackers (TensorBoard's HParams, its MLflow run)
        record_results(run)
    return result


def read_labelled(run: runs.Run, path: str | Path) -> LabelledTexts:
    """A labelled file in any format, read like the run's training data: its column or field names, else `text`
    and `label`."""
    return read_labelled_file(run.config().data, path)


def score_split(run: runs.Run, name: str, labels: np.ndarray, probabilities: np.ndarray) -> dict[str, Any]:
    """Score predictions on a named split and draw its plots into the run (`plots/*-<name>.png`, unless the run's
    `run.plots` is false)."""
    names, decision = run.label_names(), run.decision()
    if decision.multi_label:  # each label on or off by its own threshold; no confusion matrix to draw
        return score_label_sets(labels, decision.calibrated(probabilities), names, decision)
    calibrated = decision.calibrated(probabilities)  # as predict answers: the run's temperature and threshold
    result = score(labels, calibrated, names, decision.decide(calibrated))
    uncalibrated = probabilities if decision.temperature != 1.0 else None
    draw = run.config().run.plots
    plots.score_plots(result, labels, calibrated, names, name, run.score_plots(name), uncalibrated, draw)
    if decision != Decision():
        result["decision"] = {key: decision.to_json()[key] for key in ("temperature", "threshold", "goal")}
    return result
