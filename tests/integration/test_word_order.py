"""Every cell x direction x pooling (and the fused loop) learns word order; its run saves, reloads in a fresh
process through the Python API, and exports with the same outputs."""

import csv
import itertools
import random
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from conftest import predict_in_fresh_process, write_config
from lstmcls.components import CELLS, POOLINGS, fusable_names
from lstmcls.config import load_config
from lstmcls.data.splits import load_splits
from lstmcls.inference.export import export
from lstmcls.inference.prediction import predict_probabilities
from lstmcls.models.factory import class_probabilities
from lstmcls.training.runner import train

# cell, bidirectional, pooling, fuse_pooling: every cell and pooling both ways, and the fused loop where it runs.
COMBINATIONS = [
    (*combination, False) for combination in itertools.product(CELLS.names(), [False, True], POOLINGS.names())
]
COMBINATIONS += [(cell, True, pooling, True) for cell in fusable_names(CELLS) for pooling in fusable_names(POOLINGS)]
TEXTS = ["good not bad", "bad not good", "the film was good", "not bad", "it was bad not good and"]


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


@pytest.fixture(scope="module")
def family(word_order: Path) -> dict[tuple, tuple[Path, np.ndarray, float]]:
    """Each combination trained once: its run, its probabilities on TEXTS and its test accuracy."""
    trained = {}
    for cell, bidirectional, pooling, fuse in COMBINATIONS:
        name = f"{cell}-{bidirectional}-{pooling}-{fuse}"
        config = load_config(
            write_config(
                word_order / f"{name}.yaml",
                vectorizer={"max_tokens": 20, "max_length": 8},
                model={
                    "cell": cell,
                    "bidirectional": bidirectional,
                    "pooling": pooling,
                    "fuse_pooling": fuse,
                    "units": 12,
                },
                train={"epochs": 12, "batch_size": 16, "learning_rate": 0.03, "patience": None},
                run={"dir": str(word_order / "runs" / name)},
            )
        )
        run = train(config, verbose=0).run
        test = load_splits(config).test
        model = run.load_model()
        accuracy = float((predict_probabilities(model, test.texts).argmax(axis=1) == test.labels).mean())
        trained[(cell, bidirectional, pooling, fuse)] = (run, model.predict(tf.constant(TEXTS), verbose=0), accuracy)
    return trained


@pytest.mark.parametrize(("cell", "bidirectional", "pooling", "fuse"), COMBINATIONS)
def test_learns_word_order_and_exports_the_same_outputs(family, tmp_path, cell, bidirectional, pooling, fuse):
    run, outputs, accuracy = family[(cell, bidirectional, pooling, fuse)]
    assert accuracy >= 0.8, f"{cell} bidirectional={bidirectional} pooling={pooling} fused={fuse}: {accuracy:.2f}"
    exported = tf.saved_model.load(str(export(run, tmp_path / "export")))
    served = exported.signatures["serving_default"](texts=tf.constant(TEXTS))["probabilities"]
    np.testing.assert_allclose(served.numpy(), np.asarray(class_probabilities(outputs)), atol=1e-6)


def test_every_saved_run_loads_in_a_fresh_process_through_the_python_api(family):
    fresh = predict_in_fresh_process([run.path for run, _, _ in family.values()], TEXTS)
    for run, outputs, _ in family.values():
        np.testing.assert_allclose(fresh[run.path], outputs, atol=1e-5, err_msg=str(run.path))
