"""Custom layers against their equations: the peephole LSTM cell in NumPy, masked pooling, attention."""

import keras
import numpy as np
import pytest

from lstmcls.models.layers import AttentionPooling, MaskedMaxPooling1D, PeepholeLSTMCell


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def peephole_reference(x, W, U, b, w_ci, w_cf, w_co):
    """Gers & Schmidhuber (2000), step by step, straight from the equations (gate blocks ordered i, f, c, o)."""
    units = U.shape[0]
    h, c = np.zeros((x.shape[0], units)), np.zeros((x.shape[0], units))
    W_i, W_f, W_c, W_o = np.split(W, 4, axis=1)
    U_i, U_f, U_c, U_o = np.split(U, 4, axis=1)
    b_i, b_f, b_c, b_o = np.split(b, 4)
    outputs = []
    for t in range(x.shape[1]):
        x_t = x[:, t]
        i = sigmoid(x_t @ W_i + h @ U_i + w_ci * c + b_i)
        f = sigmoid(x_t @ W_f + h @ U_f + w_cf * c + b_f)
        c = f * c + i * np.tanh(x_t @ W_c + h @ U_c + b_c)
        o = sigmoid(x_t @ W_o + h @ U_o + w_co * c + b_o)
        h = o * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, axis=1), h, c


def test_peephole_cell_matches_numpy_equations():
    rng = np.random.default_rng(0)
    batch, steps, features, units = 3, 7, 5, 4
    x = rng.normal(size=(batch, steps, features)).astype("float32")
    rnn = keras.layers.RNN(PeepholeLSTMCell(units), return_sequences=True, return_state=True)
    rnn.build((batch, steps, features))
    cell = rnn.cell
    weights = {
        "W": rng.normal(scale=0.5, size=(features, 4 * units)),
        "U": rng.normal(scale=0.5, size=(units, 4 * units)),
        "b": rng.normal(scale=0.5, size=(4 * units,)),
        "w_ci": rng.normal(size=units),
        "w_cf": rng.normal(size=units),
        "w_co": rng.normal(size=units),
    }
    variables = [cell.kernel, cell.recurrent_kernel, cell.bias]
    variables += [cell.input_peephole, cell.forget_peephole, cell.output_peephole]
    for variable, value in zip(variables, weights.values()):
        variable.assign(value.astype("float32"))
    outputs, h, c = (np.asarray(t) for t in rnn(x))
    expected_outputs, expected_h, expected_c = peephole_reference(x.astype("float64"), **weights)
    np.testing.assert_allclose(outputs, expected_outputs, atol=1e-5)
    np.testing.assert_allclose(h, expected_h, atol=1e-5)
    np.testing.assert_allclose(c, expected_c, atol=1e-5)


def test_peephole_forget_bias_starts_at_one_and_config_round_trips():
    cell = PeepholeLSTMCell(3, activation="relu", recurrent_dropout=0.2)
    cell.build((None, 2))
    np.testing.assert_array_equal(np.asarray(cell.bias), [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    again = PeepholeLSTMCell.from_config(cell.get_config())
    assert again.units == 3 and again.recurrent_dropout == 0.2 and again.get_config() == cell.get_config()


def sequence_with_padding_mask():
    x = np.arange(2 * 4 * 3, dtype="float32").reshape(2, 4, 3) - 10
    mask = np.array([[True, True, False, False], [True, True, True, True]])
    x[0, 2:] = 100.0  # padded positions hold large values that must not leak
    return x, mask


def test_masked_max_pooling_ignores_padding_where_keras_does_not():
    x, mask = sequence_with_padding_mask()
    ours = np.asarray(MaskedMaxPooling1D()(x, mask=mask))
    np.testing.assert_array_equal(ours[0], x[0, :2].max(axis=0))

    def pooled(pooling):  # padding id 0 embeds to 100: it must not reach the output
        ids = keras.Input((4,), dtype="int32")
        embedding = keras.layers.Embedding(3, 2, mask_zero=True, embeddings_initializer="ones")
        model = keras.Model(ids, pooling(embedding(ids)))
        embedding.embeddings.assign([[100.0, 100.0], [1.0, 2.0], [3.0, -1.0]])
        return np.asarray(model(np.array([[1, 2, 0, 0]])))[0].tolist()

    assert pooled(MaskedMaxPooling1D()) == [3.0, 2.0]
    assert pooled(keras.layers.GlobalMaxPooling1D()) == [100.0, 100.0]  # the fact this layer exists for


def test_attention_weights_are_zero_on_padding_and_sum_to_one():
    x, mask = sequence_with_padding_mask()
    layer = AttentionPooling(4)
    pooled, weights = (np.asarray(t) for t in layer(x, mask=mask, return_weights=True))
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-6)
    assert np.all(weights[0, 2:] == 0)
    np.testing.assert_allclose(pooled[0], (weights[0, :2, None] * x[0, :2]).sum(axis=0), rtol=1e-5)


@pytest.mark.parametrize("layer", [MaskedMaxPooling1D(), AttentionPooling(8)])
def test_pooling_layers_round_trip_their_config(layer):
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()
