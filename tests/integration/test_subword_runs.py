"""Subword models end to end: train → save → load in a fresh process → predict → eval → export, and explain's
refusal. One run steps through its layers, one runs the fused loop compiled with XLA over length buckets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from conftest import assert_clean_error, cli, predict_in_fresh_process, write_config, write_csv
from lstmcls.models.factory import class_probabilities
from lstmcls.runs import open_run

TEXTS = ["a great superb film", "awfully boring plots", "zzz", ""]  # "awfully", "plots": words training never saw
SUBWORDS = {"ngrams": [3, 5], "buckets": 500, "per_word": 16}
MODELS = {
    "stepped": {"cell": "lstm", "pooling": "attention"},
    "fused": {"cell": "gru", "pooling": "max", "bidirectional": True, "fuse_pooling": True},
}


@pytest.fixture(scope="module")
def subword_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("subwords")
    write_csv(root / "train.csv", ["neg", "pos"], rows=80, seed=0)
    write_csv(root / "test.csv", ["neg", "pos"], rows=20, seed=1)
    found = {}
    for name, model in MODELS.items():
        fused = model.get("fuse_pooling", False)
        config = write_config(
            root / f"{name}.yaml",
            model={"embedding": {"dim": 8, "subwords": SUBWORDS}, "units": 8, **model},
            train={"jit_compile": fused},
            data={"bucketing": 2 if fused else 0},
            run={"dir": str(root / "runs" / name)},
        )
        result = cli("train", str(config))
        assert result.exit_code == 0, result.output
        (found[name],) = (root / "runs" / name).iterdir()
    return found


def test_a_subword_run_loads_in_a_fresh_process_and_exports_what_it_predicts(subword_runs: dict, tmp_path: Path):
    fresh = predict_in_fresh_process(list(subword_runs.values()), TEXTS)
    for name, run in subword_runs.items():
        outputs = open_run(run).load_model().predict(tf.constant(TEXTS), verbose=0)
        np.testing.assert_allclose(fresh[run], outputs, atol=1e-5, err_msg=name)
        predicted = json.loads(cli("predict", "--run", str(run), "--json", *TEXTS[:3]).stdout)
        probabilities = np.asarray(class_probabilities(outputs))
        assert [p["probabilities"]["pos"] for p in predicted] == pytest.approx(probabilities[:3, 1].tolist(), abs=1e-6)

        assert cli("export", "--run", str(run), "--out", str(tmp_path / name)).exit_code == 0
        served = tf.saved_model.load(str(tmp_path / name)).signatures["serving_default"](texts=tf.constant(TEXTS))
        np.testing.assert_allclose(served["probabilities"].numpy(), probabilities, atol=1e-6, err_msg=name)
        assert cli("eval", "--run", str(run)).exit_code == 0


def test_explain_refuses_a_subword_run_in_one_line(subword_runs: dict):
    run = subword_runs["stepped"]
    assert_clean_error(cli("explain", "--run", str(run), "a great film"), "model.embedding.subwords", "explain")
    assert_clean_error(cli("explain", "--run", str(run), "--gates", "a great film"), "model.embedding.subwords")
