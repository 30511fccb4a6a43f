"""model.fuse_pooling: the fused loop computes exactly what the separate Keras layers compute, trains, saves,
exports and explains; configs it cannot run are refused in one line."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import cli, write_config
from lstmcls.config import load_config
from lstmcls.errors import ConfigError
from lstmcls.interpret.model_parts import replay
from lstmcls.models.fused import PooledRecurrent
from lstmcls.models.layers import MaskedMaxPooling1D

LAYERS = {"gru": keras.layers.GRU, "lstm": keras.layers.LSTM}


def inputs() -> tuple[np.ndarray, np.ndarray]:
    """Five texts of nine steps: full, padded after 6, one token, all padding, padded after 3."""
    x = np.random.default_rng(0).normal(size=(5, 9, 6)).astype("float32")
    mask = np.ones((5, 9), bool)
    mask[1, 6:] = mask[2, 1:] = mask[3, :] = mask[4, 3:] = False
    return x, mask


def fused_layer(cell: str, bidirectional: bool, pooling: str, dropout: float = 0.3) -> PooledRecurrent:
    """A built layer with random weights, biases included (Keras starts most biases at zero)."""
    keras.utils.set_random_seed(1)
    recurrent = LAYERS[cell](4, return_sequences=pooling == "max")
    if bidirectional:
        recurrent = keras.layers.Bidirectional(recurrent)
    layer = PooledRecurrent(recurrent, pooling, dropout)
    layer.build((None, None, 6))
    rng = np.random.default_rng(2)
    layer.set_weights([rng.normal(size=w.shape) * 0.5 for w in layer.get_weights()])
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


def test_dropout_acts_on_each_step_before_the_max_and_only_in_training(monkeypatch):
    """With a known keep-mask per step and direction, training mode must equal max over steps of h_t · mask_t
    / (1 - rate): a max of dropped-out steps, not a dropped-out max."""
    rate, (x, mask) = 0.2, inputs()
    layer = fused_layer("gru", True, "max", dropout=rate)
    keep = np.random.default_rng(3).random((2, 9, 5, 4)) >= rate  # direction, step (as the loop runs), text, unit
    monkeypatch.setattr(
        layer, "_keep", lambda seed, t, d, shape: tf.gather(tf.constant(keep[d], tf.float32), t) / (1 - rate)
    )
    sequence = layer.recurrent(tf.constant(x), mask=tf.constant(mask)).numpy()  # (texts, steps, 8) in text order
    scaled = sequence.copy()
    scaled[..., :4] *= np.transpose(keep[0], (1, 0, 2)) / (1 - rate)
    scaled[..., 4:] *= np.transpose(keep[1][::-1], (1, 0, 2)) / (1 - rate)  # the backward loop runs end → start
    expected = MaskedMaxPooling1D()(tf.constant(scaled), mask=tf.constant(mask)).numpy()
    np.testing.assert_allclose(layer(x, mask=mask, training=True).numpy(), expected, atol=1e-6)
    np.testing.assert_allclose(layer(x, mask=mask).numpy(), unfused(layer, x, mask).numpy(), atol=1e-6)
    no_dropout = fused_layer("gru", True, "max", dropout=0.0)
    np.testing.assert_allclose(no_dropout(x, mask=mask, training=True), no_dropout(x, mask=mask), atol=1e-6)


def test_dropout_masks_are_fresh_for_every_call_step_and_direction():
    layer = fused_layer("gru", True, "max", dropout=0.2)
    masks = [
        layer._keep(tf.constant(seed, tf.int32), tf.constant(t), d, (64, 8)).numpy()
        for seed in ([7, 0], [7, 1])
        for t in range(4)
        for d in range(2)
    ]
    assert len({m.tobytes() for m in masks}) == len(masks)  # consecutive calls' seeds differ by one: no reuse
    dropped = np.mean([(m == 0).mean() for m in masks])
    assert 0.15 < dropped < 0.25 and set(np.unique(masks)) == {0.0, 1.25}


def test_last_pooling_drops_out_the_final_state_in_training():
    layer = fused_layer("lstm", True, "last", dropout=0.5)
    x, mask = inputs()
    inference, training = layer(x, mask=mask).numpy(), layer(x, mask=mask, training=True).numpy()
    assert ((training == 0) | np.isclose(training, 2 * inference, atol=1e-6)).all()
    assert 0 < (training == 0).mean() < 1


def test_a_saved_fused_model_loads_back_with_the_same_outputs(tmp_path):
    layer = fused_layer("lstm", True, "max")
    inputs_ = keras.Input((None, 6))
    model = keras.Model(inputs_, layer(inputs_, mask=keras.ops.ones_like(inputs_[..., 0], dtype="bool")))
    model.save(tmp_path / "fused.keras")
    loaded = keras.saving.load_model(tmp_path / "fused.keras")
    x, _ = inputs()
    np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy(), atol=1e-6)
    (restored,) = [layer for layer in loaded.layers if isinstance(layer, PooledRecurrent)]
    assert restored.get_config()["pooling"] == "max" and restored.backward == [False, True]


def test_layers_it_would_compute_differently_are_refused():
    with pytest.raises(ValueError, match="return_sequences=True"):
        PooledRecurrent(keras.layers.GRU(4), "max")
    with pytest.raises(ValueError, match="only GRU and LSTM"):
        PooledRecurrent(keras.layers.SimpleRNN(4), "last")
    with pytest.raises(ValueError, match="merge_mode"):
        PooledRecurrent(keras.layers.Bidirectional(keras.layers.GRU(4), merge_mode="sum"), "last")
    backwards = PooledRecurrent(keras.layers.GRU(4, go_backwards=True), "last")
    backwards.build((None, None, 6))
    x, mask = inputs()
    np.testing.assert_allclose(
        backwards(x, mask=mask).numpy(), unfused(backwards, x, mask).numpy(), atol=1e-6
    )  # a one-way layer that reads the text backwards


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
