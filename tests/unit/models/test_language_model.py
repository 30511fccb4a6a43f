"""The language model (`pretrain.method: language_model`): each direction predicts its own neighbour (the next
token forward, the previous one backward), learns a planted sequence and never sees the token it predicts."""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

import numpy as np
import pytest

from conftest import write_config
from lstmcls.config import load_config
from lstmcls.models.language_model import BACKWARD, FORWARD, targets
from lstmcls.tools.pretraining import pretrain

WORDS = [f"w{i}" for i in range(12)]


def test_forward_targets_the_next_token_and_backward_the_previous_one():
    ids = np.array([[5, 6, 7, 0, 0], [8, 9, 0, 0, 0]])
    found = {name: np.asarray(value) for name, value in targets(ids).items()}
    np.testing.assert_array_equal(found[FORWARD], [[6, 7, 0, 0, 0], [9, 0, 0, 0, 0]])
    np.testing.assert_array_equal(found[BACKWARD], [[0, 5, 6, 0, 0], [0, 8, 0, 0, 0]])  # none at padding


def write_texts(path: Path, texts: list[str]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows([text, ("neg", "pos")[i % 2]] for i, text in enumerate(texts))
    return path


def language_model(tmp_path: Path, texts: list[str], epochs: int) -> dict:
    """A bidirectional GRU language model pretrained on `texts` (8 of its 13 other words sampled per step)."""
    write_texts(tmp_path / "train.csv", texts)
    write_texts(tmp_path / "test.csv", texts[:4])
    config = write_config(
        tmp_path / "lm.yaml",
        vectorizer={"max_tokens": 100, "max_length": 24, "standardize": "lower"},
        model={"embedding": {"dim": 16}, "units": 16, "cell": "gru", "bidirectional": True},
        pretrain={"method": "language_model", "epochs": epochs, "batch_size": 16, "learning_rate": 0.02, "sampled": 8},
        data={"validation_fraction": 0.1},
    )
    return pretrain(load_config(config)).metrics


def test_a_planted_sequence_is_learnt_in_both_directions(tmp_path: Path):
    """Each text walks the cycle w0 → w1 → … → w11 → w0 from a random start: the next and the previous word are
    certain, so both directions' held-out perplexity falls far below the vocabulary's size."""
    rng = random.Random(0)
    texts = []
    for _ in range(160):
        start = rng.randrange(len(WORDS))
        texts.append(" ".join(WORDS[(start + i) % len(WORDS)] for i in range(rng.randint(8, 20))))
    metrics = language_model(tmp_path, texts, epochs=8)
    assert metrics["vocabulary_size"] == len(WORDS) + 2 and metrics["loss"] < math.log(len(WORDS))
    assert metrics["val_perplexity_forward"] < 2.0 and metrics["val_perplexity_backward"] < 2.0, metrics


def test_no_direction_sees_the_token_it_predicts(tmp_path: Path):
    """Words drawn independently cannot be predicted from either side: a direction that saw its target would
    reach a perplexity near 1; both stay near the 12 equally likely words."""
    rng = random.Random(1)
    texts = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))) for _ in range(160)]
    metrics = language_model(tmp_path, texts, epochs=4)
    for direction in (FORWARD, BACKWARD):
        assert metrics[f"val_perplexity_{direction}"] > 8.0, metrics


@pytest.mark.parametrize("bad", [["model.layers=2", "model.bidirectional=true"], ["pretrain.dim=4"]])
def test_networks_a_language_model_cannot_train_are_refused(bad: list[str]):
    from lstmcls.errors import ConfigError

    with pytest.raises(ConfigError, match="pretrain.method: language_model"):
        load_config(None, ["pretrain.method=language_model", *bad])
