"""The linear baseline: C chosen on validation, the same scores as the model's, saved and loaded, multi-label."""

import random
from pathlib import Path

import numpy as np
import pytest

from lstmcls.reporting.baseline import C_GRID, DESCRIPTION, fit_baseline, load_baseline

CUES = {0: ["awful", "boring", "dull"], 1: ["great", "superb", "lovely"], 2: ["when", "where", "who"]}
FILLER = "the a film story it was and of plot actor".split()


def texts_and_labels(rows: int, seed: int, noise: float = 0.0) -> tuple[list[str], np.ndarray]:
    """Filler words and one cue word of the class; with `noise`, some texts carry another class's cue."""
    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(rows):
        label = i % 3
        cue_class = rng.randrange(3) if rng.random() < noise else label
        words = [rng.choice(FILLER) for _ in range(rng.randint(2, 8))] + [rng.choice(CUES[cue_class])]
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(label)
    return texts, np.asarray(labels)


def test_learns_the_cue_words_and_chooses_c_on_validation():
    baseline, report = fit_baseline(texts_and_labels(300, 0), texts_and_labels(60, 1), ["neg", "pos", "question"])
    assert report["model"] == DESCRIPTION and report["C"] in C_GRID and report["features"] > 10
    assert (
        report["validation"]["accuracy"] >= 0.95
        and "macro_f1" in report["validation"]
        and "ece" in report["validation"]
    )
    texts, labels = texts_and_labels(30, 2)
    assert baseline.scores(texts, labels, ["neg", "pos", "question"])["accuracy"] >= 0.95
    assert baseline.probabilities(["a superb film"]).argmax() == 1


def test_c_is_the_best_validation_accuracy_of_the_grid(monkeypatch: pytest.MonkeyPatch):
    """With noisy labels a weaker fit can win; whatever wins, no other C scored higher on validation."""
    train, validation = texts_and_labels(200, 0, noise=0.4), texts_and_labels(90, 1, noise=0.4)
    _, report = fit_baseline(train, validation, ["a", "b", "c"])
    for c in C_GRID:
        monkeypatch.setattr("lstmcls.reporting.baseline.C_GRID", (c,))
        _, only = fit_baseline(train, validation, ["a", "b", "c"])
        assert only["validation"]["accuracy"] <= report["validation"]["accuracy"]


def test_saved_and_loaded_gives_the_same_probabilities(tmp_path: Path):
    baseline, _ = fit_baseline(texts_and_labels(120, 0), texts_and_labels(30, 1), ["neg", "pos", "question"])
    loaded = load_baseline(baseline.save(tmp_path / "baseline.joblib"))
    texts = texts_and_labels(20, 3)[0]
    np.testing.assert_allclose(loaded.probabilities(texts), baseline.probabilities(texts))


def test_multi_label_rows_get_one_regression_per_label():
    texts, labels = texts_and_labels(240, 0)
    rows = np.zeros((len(labels), 3), dtype="int32")
    rows[np.arange(len(labels)), labels] = 1
    rows[:, 2] |= np.asarray(["film" in text for text in texts], dtype="int32")  # a second label on some texts
    half = len(texts) // 2
    baseline, report = fit_baseline((texts[:half], rows[:half]), (texts[half:], rows[half:]), ["a", "b", "film"])
    assert baseline.probabilities(texts[:3]).shape == (3, 3)
    assert report["validation"]["micro_f1"] >= 0.8 and "subset_accuracy" in report["validation"]
