"""A fused run end to end (the fused loop under XLA with length buckets): it trains through the CLI, predicts the
planted labels, exports a SavedModel with predict's probabilities, and is explained through its parts."""

import numpy as np
import pytest
import tensorflow as tf

from conftest import cli, write_config, write_csv
from lstmcls.inference.prediction import predict
from lstmcls.interpret.attributions import explain
from lstmcls.models.fused import PooledRecurrent
from lstmcls.runs.run import Run

FUSED = {"cell": "gru", "bidirectional": True, "pooling": "max", "dropout": 0.3, "fuse_pooling": True}


@pytest.fixture(scope="module")
def fused_run(tmp_path_factory) -> Run:
    root = tmp_path_factory.mktemp("fused")
    write_csv(root / "train.csv", ["neg", "pos"], rows=120, seed=0)
    write_csv(root / "test.csv", ["neg", "pos"], rows=20, seed=1)
    config = write_config(
        root / "fused.yaml", model=FUSED, data={"bucketing": 2}, train={"jit_compile": True, "epochs": 4}
    )
    result = cli("train", str(config))
    assert result.exit_code == 0, result.output
    (run,) = (root / "runs").iterdir()
    return Run(run)


def test_a_fused_run_trains_saves_predicts_and_exports(fused_run, tmp_path):
    classifier = fused_run.load_model().get_layer("classifier")
    assert any(isinstance(layer, PooledRecurrent) for layer in classifier.layers)
    texts = ["a great superb film", "awful boring plot", "the film was excellent", "hated it, the worst"]
    predictions = predict(fused_run, texts)
    assert [p.label for p in predictions] == ["pos", "neg", "pos", "neg"]
    result = cli("export", "--run", str(fused_run.path), "--out", str(tmp_path / "saved"))
    assert result.exit_code == 0, result.output
    served = tf.saved_model.load(str(tmp_path / "saved")).signatures["serving_default"](texts=tf.constant(texts))
    expected = [[p.probabilities[name] for name in ("neg", "pos")] for p in predictions]
    np.testing.assert_allclose(served["probabilities"].numpy(), expected, atol=1e-6)


def test_a_fused_run_is_explained_through_its_parts(fused_run):
    (explanation,) = explain(fused_run, ["the film was great"], gates=True)
    (prediction,) = predict(fused_run, ["the film was great"])
    assert explanation.probabilities == pytest.approx(prediction.probabilities, abs=1e-5)
    assert [t.direction for t in explanation.gates] == ["forward", "backward"]
    assert all(t.max_deviation <= 1e-5 for t in explanation.gates)
