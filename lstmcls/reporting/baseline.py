"""The linear baseline beside every run: TF-IDF word 1-2-grams and logistic regression (scikit-learn).

It trains in seconds on the run's own training split and is what a recurrent model must beat to earn its cost:
fastText-style and TF-IDF linear models are strong on short texts and small data. Its regularisation (`C`) is
chosen on the run's validation split, as the run chooses its epoch; `eval` scores it on the test split beside
the model. A multi-label run gets one logistic regression per label, each label on at probability 0.5.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline

from lstmcls.reporting.decision import Decision
from lstmcls.reporting.multilabel import DEFAULT_THRESHOLD, score_label_sets
from lstmcls.reporting.scores import score

DESCRIPTION = "TF-IDF word 1-2-grams + logistic regression"
C_GRID = (0.5, 2.0, 8.0, 32.0)  # inverse regularisation; short texts and small data favour the larger values
MAX_FEATURES = 200_000  # caps the saved vocabulary (IMDB has ~1.5 M distinct 1-2-grams, most seen once)


@dataclass(frozen=True)
class Baseline:
    """A fitted baseline and how it was chosen."""

    pipeline: Pipeline
    c: float
    multi_label: bool

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """(n, classes) class probabilities, or (n, labels) label probabilities for a multi-label run."""
        return self.pipeline.predict_proba(texts)

    def scores(self, texts: list[str], labels: np.ndarray, names: list[str]) -> dict[str, float]:
        """The headline figures on a split (the same metrics as the model's, without per-class tables)."""
        return _headline(self.probabilities(texts), labels, names, self.multi_label)

    def save(self, path: Path) -> Path:
        joblib.dump(self, path, compress=3)
        return path


def load_baseline(path: Path) -> Baseline:
    return joblib.load(path)


def fit_baseline(
    train: tuple[list[str], np.ndarray], validation: tuple[list[str], np.ndarray], names: list[str]
) -> tuple[Baseline, dict[str, Any]]:
    """Fit TF-IDF on the training texts, then logistic regression for each `C_GRID` value; keep the one with the
    best validation accuracy (the smaller C on a tie). Returns it and its report: description, C, features,
    seconds and validation scores.

    The baseline is the same plain model whatever the run's loss settings (class weights), so that it stays one
    fixed reference: a run that weighs its classes trades accuracy for its small classes' recall, which `eval`
    shows as macro F1 beside accuracy.

    Args:
        train, validation: texts and labels (class ids; a multi-label run's 0/1 rows).
        names: the class or label names, in the labels' order.
    """
    started = time.perf_counter()
    multi_label = train[1].ndim == 2
    features = TfidfVectorizer(
        ngram_range=(1, 2),
        min_df=2 if len(train[0]) >= 1000 else 1,  # a 1-2-gram seen once in a large corpus rarely generalises
        max_features=MAX_FEATURES,
        sublinear_tf=True,
        strip_accents="unicode",
        token_pattern=r"(?u)\b\w+\b",  # one-letter words too ("a", "I"): short texts have few words to spare
    )
    encoded_train = features.fit_transform(train[0])
    encoded_validation = features.transform(validation[0])
    best: tuple[float, float, Any] | None = None
    for c in C_GRID:
        classifier = _classifier(c, multi_label).fit(encoded_train, train[1])
        accuracy = _accuracy(classifier, encoded_validation, validation[1], multi_label)
        if best is None or accuracy > best[0]:
            best = (accuracy, c, classifier)
    _, c, classifier = best
    baseline = Baseline(Pipeline([("tfidf", features), ("classifier", classifier)]), c, multi_label)
    report = {
        "model": DESCRIPTION,
        "C": c,
        "features": len(features.vocabulary_),
        "seconds": round(time.perf_counter() - started, 2),
        "validation": _headline(classifier.predict_proba(encoded_validation), validation[1], names, multi_label),
    }
    return baseline, report


def _classifier(c: float, multi_label: bool) -> Any:
    regression = LogisticRegression(C=c, max_iter=1000)
    return OneVsRestClassifier(regression) if multi_label else regression


def _accuracy(classifier: Any, encoded: Any, labels: np.ndarray, multi_label: bool) -> float:
    if multi_label:  # per (text, label) decision at 0.5, as a multi-label run's `accuracy` counts
        return float(np.mean((classifier.predict_proba(encoded) >= DEFAULT_THRESHOLD) == labels))
    return float(np.mean(classifier.predict(encoded) == labels))


def _headline(probabilities: np.ndarray, labels: np.ndarray, names: list[str], multi_label: bool) -> dict[str, float]:
    if multi_label:
        found = score_label_sets(labels, probabilities, names, _label_set_decision(len(names)))
    else:
        found = score(labels, probabilities, names)
    return {key: value for key, value in found.items() if isinstance(value, float)}


def _label_set_decision(labels: int) -> Decision:
    return Decision(multi_label=True, thresholds=(DEFAULT_THRESHOLD,) * labels, goal="probability 0.5")
