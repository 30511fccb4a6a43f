"""`predict(run, texts)`: labels and class probabilities for raw strings (label sets for a multi-label run).

The run's decision (`Run.decision()`: its temperature, threshold or per-label thresholds) turns probabilities
into answers, as in `eval`, `serve` and the export."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TextIO

import keras
import numpy as np

from lstmcls.data.splits import text_dataset
from lstmcls.errors import DataError
from lstmcls.models.factory import class_probabilities
from lstmcls.reporting import progress
from lstmcls.reporting.decision import Decision
from lstmcls.reporting.multilabel import label_set
from lstmcls.runs.run import Run


@dataclass(frozen=True)
class Prediction:
    text: str
    label: str
    probabilities: dict[str, float]


@dataclass(frozen=True)
class LabelSetPrediction:
    """A multi-label run's answer: the labels whose probability reaches their threshold, most probable first
    (possibly none), and every label's probability."""

    text: str
    labels: list[str]
    probabilities: dict[str, float]


def predict(run: Run, texts: list[str], batch_size: int = 256) -> list[Prediction] | list[LabelSetPrediction]:
    """Predict with a complete run's saved model (its vectorizer included), decided as the run decides."""
    check_texts(texts)
    run.require_complete()
    raw = predict_probabilities(run.load_model(), texts, batch_size)
    return decide(texts, raw, run.label_names(), run.decision())


def decide(
    texts: list[str], raw: np.ndarray, names: list[str], decision: Decision
) -> list[Prediction] | list[LabelSetPrediction]:
    """The answers for the model's raw probabilities of `texts`: calibrated and decided by a run's `decision`
    (`predict` and `lstmcls predict --data --out` both answer through here)."""
    probabilities = decision.calibrated(raw)
    decided = decision.decide(probabilities)
    named = [{name: float(p) for name, p in zip(names, row)} for row in probabilities]
    if decision.multi_label:
        return [
            LabelSetPrediction(text, label_set(on, names, row), by_name)
            for text, on, row, by_name in zip(texts, decided, probabilities, named)
        ]
    return [Prediction(text, names[int(index)], by_name) for text, index, by_name in zip(texts, decided, named)]


def predict_probabilities(model: keras.Model, texts: list[str], batch_size: int = 256) -> np.ndarray:
    """An (n, classes) array of probabilities for raw strings (a progress bar on a terminal)."""
    batches = progress.track(text_dataset(texts, batch_size), math.ceil(len(texts) / batch_size), "predicting")
    return batch_probabilities(model, batches)


def batch_probabilities(model: keras.Model, batches: Iterable) -> np.ndarray:
    """An (n, classes) array of probabilities for batches of raw strings (at least one batch)."""
    outputs = np.concatenate([model.predict_on_batch(batch) for batch in batches])
    return np.asarray(class_probabilities(outputs))


def gather_texts(arguments: Sequence[str], file: TextIO | None = None) -> list[str]:
    """Texts given on a command line: the arguments ('-' alone: stdin), then `file`, one text per line.

    Blank lines are skipped; an empty argument is kept, so `check_texts` can say which text is empty.
    """
    texts = list(arguments)
    if texts == ["-"]:
        texts = _lines(sys.stdin)
    if file is not None:
        texts += _lines(file)
    return texts


def _lines(handle: TextIO) -> list[str]:
    return [line.rstrip("\n") for line in handle if line.strip()]


def check_texts(texts: list[str]) -> None:
    if not texts:
        raise DataError("no texts to predict; pass texts as arguments, --file FILE or - for stdin")
    for number, text in enumerate(texts, start=1):
        if not text.strip():
            raise DataError(f"text {number} is empty; every text needs at least one word")
