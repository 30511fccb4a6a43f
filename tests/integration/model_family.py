"""The model family every cell and pooling belongs to, trained on a task only word order solves.

`test_family_*.py` each take a share of the cells, so that two test workers train them side by side. Every
cell is trained with every pooling (`last` one way, the others both ways), and with the fused loop where the
loop can run it (`components`' fusable cells and poolings).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
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
from lstmcls.runs import Run
from lstmcls.training.runner import train

TEXTS = ["good not bad", "bad not good", "the film was good", "not bad", "it was bad not good and"]


def combinations(cells: list[str]) -> list[tuple[str, bool, str, bool]]:
    """(cell, bidirectional, pooling, fuse_pooling) for each of `cells`: `last` pooling reads one way (where
    reading order matters most), the other poolings both ways; the fused loop reads both ways."""
    found = []
    for cell in cells:
        found += [(cell, pooling != "last", pooling, False) for pooling in POOLINGS.names()]
        if cell in fusable_names(CELLS):
            found += [(cell, True, pooling, True) for pooling in fusable_names(POOLINGS)]
    return found


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


def train_family(root: Path, cells: list[str]) -> dict[tuple, tuple[Run, np.ndarray, float]]:
    """Each combination trained once: its run, its raw outputs on TEXTS and its test accuracy."""
    write_word_order_data(root / "train.csv", 240, seed=0)
    write_word_order_data(root / "test.csv", 60, seed=1)
    trained = {}
    for cell, bidirectional, pooling, fuse in combinations(cells):
        name = f"{cell}-{bidirectional}-{pooling}-{fuse}"
        model = {"cell": cell, "bidirectional": bidirectional, "pooling": pooling, "fuse_pooling": fuse, "units": 12}
        config = load_config(
            write_config(
                root / f"{name}.yaml",
                vectorizer={"max_tokens": 20, "max_length": 8},
                model=model,
                train={"epochs": 8, "batch_size": 16, "learning_rate": 0.03, "patience": None},
                run={"dir": str(root / "runs" / name), "plots": False},  # plots: tests/unit/cli/test_reports.py
            )
        )
        run = train(config, verbose=0).run
        test = load_splits(config).test
        loaded = run.load_model()
        accuracy = float((predict_probabilities(loaded, test.texts).argmax(axis=1) == test.labels).mean())
        trained[(cell, bidirectional, pooling, fuse)] = (run, loaded.predict(tf.constant(TEXTS), verbose=0), accuracy)
    return trained


def exported(cells: list[str]) -> list[tuple]:
    """The combinations of `cells` whose export is checked: a smallest set, over the whole family, that covers
    every cell and every pooling (fused or not), each pick adding a new cell or pooling or both (spread over the
    cells, so that the family's test files share the exports).

    The SavedModel's serving function is the same code for every model; what varies is which custom layers it
    must save and trace, so one export per cell and per pooling covers them (six exports for the family).
    """
    family, chosen, covered = combinations(CELLS.names()), [], set()
    while True:
        spread = [combination[0] for combination in chosen]  # among equal gains, the cell exported least so far
        best = max(family, key=lambda each: (len(_covers(each) - covered), -spread.count(each[0])))
        if not _covers(best) - covered:
            return [combination for combination in chosen if combination[0] in cells]
        chosen.append(best)
        covered |= _covers(best)


def _covers(combination: tuple) -> set[tuple]:
    """What exporting a combination checks: its cell, and its pooling with or without the fused loop."""
    cell, _, pooling, fuse = combination
    return {("cell", cell), ("pooling", pooling, fuse)}


def check_learns(family: dict, combination: tuple) -> None:
    """Word order learnt: at least 0.8 test accuracy."""
    _, _, accuracy = family[combination]
    assert accuracy >= 0.8, f"{combination}: {accuracy:.2f}"


def check_exports(family: dict, combination: tuple, out: Path) -> None:
    """The SavedModel gives the saved model's probabilities."""
    run, outputs, _ = family[combination]
    exported_model = tf.saved_model.load(str(export(run, out)))
    served = exported_model.signatures["serving_default"](texts=tf.constant(TEXTS))["probabilities"]
    np.testing.assert_allclose(served.numpy(), np.asarray(class_probabilities(outputs)), atol=1e-6)


def check_fresh_process(family: dict) -> None:
    """Every run, loaded through the Python API in a new process, gives the same outputs."""
    fresh = predict_in_fresh_process([run.path for run, _, _ in family.values()], TEXTS)
    for run, outputs, _ in family.values():
        np.testing.assert_allclose(fresh[run.path], outputs, atol=1e-5, err_msg=str(run.path))


def family_tests(cells: list[str]) -> tuple[Callable, ...]:
    """The family's fixture and tests for `cells`, for a test file to bind at module level.

    Each test file takes a share of the cells, so two test workers train them side by side; the module-scoped
    fixture trains its share once.
    """

    @pytest.fixture(scope="module")
    def family(tmp_path_factory: pytest.TempPathFactory) -> dict:
        return train_family(tmp_path_factory.mktemp("family"), cells)

    @pytest.mark.parametrize("combination", combinations(cells), ids=_name)
    def test_learns_word_order(family: dict, combination: tuple):
        check_learns(family, combination)

    @pytest.mark.parametrize("combination", exported(cells), ids=_name)
    def test_exports_the_same_outputs(family: dict, combination: tuple, tmp_path: Path):
        check_exports(family, combination, tmp_path / "export")

    def test_every_run_loads_in_a_fresh_process_through_the_python_api(family: dict):
        check_fresh_process(family)

    return (
        family,
        test_learns_word_order,
        test_exports_the_same_outputs,
        test_every_run_loads_in_a_fresh_process_through_the_python_api,
    )


def _name(combination: tuple) -> str:
    return "-".join(map(str, combination))
