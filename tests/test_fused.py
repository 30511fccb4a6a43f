"""model.fuse_pooling: the fused loop computes exactly what the separate Keras layers compute, trains, saves,
exports and explains; configs it cannot run are refused in one line."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import cli, write_config, write_csv
from lstmcls.config import load_config
from lstmcls.errors import ConfigError
from lstmcls.explain import explain
from lstmcls.fused import PooledRecurrent
from lstmcls.gates import replay
from lstmcls.prediction import predict
from lstmcls.runs import Run

LAYERS = {"gru": keras.layers.GRU, "lstm": keras.layers.LSTM}


def inputs() -> tuple[np.ndarray, np.ndarray]:
    """Five texts of nine steps: full, padded after 6, one token, all padding, padded after 3."""
    x = np.random.default_rng(0).normal(size=(5, 9, 6)).astype("float32")
    mask = np.ones((5, 9), bool)
    mask[1, 6:] = mask[2, 1:] = mask[3, :] = mask[4, 3:] = False
    return x, mask


def fused_layer(cell: str, bidirectional: bool, pooling: str, dropout: float = 0.3) -> PooledRecurrent:
    keras.utils.set_random_seed(1)
    recurrent = LAYERS[cell](4, return_sequences=pooling == "max")
    if bidirectional:
        recurrent = keras.layers.Bidirectional(recurrent)
    layer = PooledRecurrent(recurrent, pooling, dropout)
    layer.build((None, None, 6))
    return layer


def unfused(layer: PooledRecurrent, x, mask):
    """The same computation through the separate Keras layers (dropout off), as explain replays it."""
    return replay(layer.parts(), tf.constant(x), tf.constant(mask))[0]


CASES = [(cell, bi, pooling) for cell in LAYERS for bi in (False, True) for pooling in ("max", "last")]


@pytest.mark.parametrize(("cell", "bidirectional", "pooling"), CASES)
def test_fused_equals_the_separate_layers_with_and_without_xla(cell, bidirectional, pooling):
    layer = fused_layer(cell, bidirectional, pooling)
    x, mask = inputs()
    expected = unfused(layer, x, mask).numpy()
    assert expected.shape == (5, 4 * (2 if bidirectional else 1))
    np.testing.assert_allclose(layer(x, mask=mask).numpy(), expected, atol=1e-6)
    compiled = tf.function(lambda a, m: layer(a, mask=m), jit_compile=True)
    np.testing.assert_allclose(compiled(x, mask).numpy(), expected, atol=1e-6)
    if pooling == "max":
        assert (expected[3] == 0).all()  # a text of padding only pools to zeros, as MaskedMaxPooling1D does


@pytest.mark.parametrize(("cell", "bidirectional", "pooling"), CASES)
def test_fused_gradients_equal_the_separate_layers(cell, bidirectional, pooling):
    layer = fused_layer(cell, bidirectional, pooling)
    x, mask = inputs()
    gradients = []
    for forward in (lambda: layer(x, mask=mask), lambda: unfused(layer, x, mask)):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.sin(forward()))
        gradients.append(tape.gradient(loss, layer.trainable_variables))
    assert len(gradients[0]) == 3 * (2 if bidirectional else 1)  # kernel, recurrent kernel, bias per direction
    for fused, separate in zip(*gradients):
        np.testing.assert_allclose(fused.numpy(), separate.numpy(), atol=1e-5)


def test_dropout_acts_on_each_step_before_the_max_and_only_in_training():
    layer = fused_layer("gru", True, "max", dropout=0.5)
    x, mask = inputs()
    inference = layer(x, mask=mask).numpy()
    training = layer(x, mask=mask, training=True).numpy()
    assert not np.allclose(training, inference)
    # each pooled value is some unmasked step's output × 2 (kept, scaled by 1/(1-rate)) or 0 (dropped): the
    # maximum over steps of dropped-out outputs, not a dropped-out maximum
    sequence = layer.recurrent(tf.constant(x), mask=tf.constant(mask)).numpy()  # (texts, steps, 8)
    for text in range(5):
        candidates = np.concatenate([2 * sequence[text, mask[text]], np.zeros((1, 8))])
        for unit in range(8):
            assert np.isclose(candidates[:, unit], training[text, unit], atol=1e-5).any()
    no_dropout = fused_layer("gru", True, "max", dropout=0.0)
    np.testing.assert_allclose(no_dropout(x, mask=mask, training=True), no_dropout(x, mask=mask), atol=1e-6)


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


@pytest.mark.parametrize(
    ("model", "named"),
    [
        ({"pooling": "attention"}, "model.pooling must be one of last, max, not 'attention'"),
        ({"cell": "peephole_lstm"}, "model.cell must be one of gru, lstm, not 'peephole_lstm'"),
        ({"recurrent_dropout": 0.2}, "model.recurrent_dropout must be 0"),
        ({"bidirectional": True, "merge_mode": "sum"}, "model.merge_mode must be 'concat', not 'sum'"),
    ],
)
def test_configs_the_fused_loop_cannot_run_are_refused(tiny, model, named):
    config = write_config(tiny, model={"fuse_pooling": True, **model})
    with pytest.raises(ConfigError, match="fuse_pooling") as error:
        load_config(config)
    assert named in str(error.value) and "\n" not in str(error.value)
    result = cli("train", str(config))
    assert result.exit_code == 2 and "fuse_pooling" in result.output
    assert not (tiny.parent / "runs").exists()
