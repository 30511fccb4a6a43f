"""Every cell × direction × pooling: padding never matters, word order is learnt, save/reload/export agree."""

import csv
import itertools
import logging
import random
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from conftest import write_config
from lstmcls.components import CELLS, POOLINGS
from lstmcls.config import load_config
from lstmcls.config.schema import ModelConfig
from lstmcls.data.splits import load_splits
from lstmcls.inference.export import export
from lstmcls.inference.prediction import predict_probabilities
from lstmcls.models.factory import build_classifier
from lstmcls.training.runner import train

COMBINATIONS = list(itertools.product(CELLS.names(), [False, True], POOLINGS.names()))


@pytest.mark.parametrize(("cell", "pooling"), list(itertools.product(CELLS.names(), POOLINGS.names())))
def test_padding_never_changes_a_prediction(cell, pooling):
    embedding = {"dim": 8, "dropout": 0.2}  # spatial dropout passes the mask on
    config = ModelConfig(
        cell=cell, pooling=pooling, units=4, layers=2, bidirectional=True, head=[4], embedding=embedding
    )
    model = build_classifier(config, 30, 3)
    ids = np.array([[5, 9, 2, 0, 0], [7, 3, 3, 8, 1]])
    padded = np.pad(ids, [(0, 0), (0, 6)])
    np.testing.assert_allclose(model.predict(ids, verbose=0), model.predict(padded, verbose=0), atol=1e-6)


def write_word_order_data(path: Path, rows: int, seed: int) -> Path:
    """ "good not bad" is positive, "bad not good" negative: the same words, only their order differs."""
    rng = random.Random(seed)
    filler = "the film story was and it".split()
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for _ in range(rows):
            first, second = rng.sample(["good", "bad"], 2)
            words = [first, "not", second] if rng.random() < 0.7 else ["not", first]
            label = first == "good" if words[0] != "not" else first == "bad"
            words = [rng.choice(filler)] * rng.randint(0, 2) + words + [rng.choice(filler)] * rng.randint(0, 2)
            writer.writerow([" ".join(words), "pos" if label else "neg"])
    return path


@pytest.fixture(scope="module")
def word_order(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("word_order")
    write_word_order_data(root / "train.csv", 240, seed=0)
    write_word_order_data(root / "test.csv", 60, seed=1)
    return root


@pytest.mark.parametrize(("cell", "bidirectional", "pooling"), COMBINATIONS)
def test_learns_word_order_then_saves_reloads_and_exports(word_order, tmp_path, cell, bidirectional, pooling):
    config = load_config(
        write_config(
            word_order / f"{cell}-{bidirectional}-{pooling}.yaml",
            vectorizer={"max_tokens": 20, "max_length": 8},
            model={"cell": cell, "bidirectional": bidirectional, "pooling": pooling, "units": 12},
            train={"epochs": 12, "batch_size": 16, "learning_rate": 0.03, "patience": None},
            run={"dir": str(tmp_path / "runs")},
        )
    )
    run = train(config, verbose=0)
    test = load_splits(config).test
    model = run.load_model()
    probabilities = predict_probabilities(model, test.texts)
    accuracy = float((probabilities.argmax(axis=1) == test.labels).mean())
    assert accuracy >= 0.8, f"{cell} bidirectional={bidirectional} pooling={pooling}: {accuracy:.2f}"

    exported = tf.saved_model.load(str(export(run, tmp_path / "export")))
    served = exported.signatures["serving_default"](texts=tf.constant(test.texts[:8]))["probabilities"]
    np.testing.assert_allclose(served.numpy(), probabilities[:8], atol=1e-6)


def test_cudnn_warning_only_when_the_config_breaks_its_conditions(caplog):
    with caplog.at_level(logging.WARNING, logger="lstmcls"):
        build_classifier(ModelConfig(cell="lstm"), 20, 2)
        build_classifier(ModelConfig(cell="gru", recurrent_dropout=0.1), 20, 2)
    assert not [r for r in caplog.records if "cuDNN" in r.message and "lstm" in r.message]
    assert any("cuDNN" in r.message and "recurrent_dropout" in r.message for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="lstmcls"):
        build_classifier(ModelConfig(cell="lstm", activation="relu"), 20, 2)
    (record,) = [r for r in caplog.records if "cuDNN" in r.message]
    assert "model.activation is 'relu'" in record.message
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="lstmcls"):
        build_classifier(ModelConfig(cell="gru", pooling="max", fuse_pooling=True), 20, 2)
    (record,) = [r for r in caplog.records if "cuDNN" in r.message]
    assert "model.fuse_pooling is true" in record.message
