"""Custom Keras layers, written with `keras.ops` and registered so saved models load back."""

from __future__ import annotations

import keras
from keras import ops

from lstmcls.models.cells import lstm_step


def directions(layer: keras.layers.Layer) -> list[keras.layers.Layer]:
    """A recurrent layer's directions: the layer itself, or a Bidirectional's forward and backward layers."""
    if isinstance(layer, keras.layers.Bidirectional):
        return [layer.forward_layer, layer.backward_layer]
    return [layer]


def is_recurrent(layer: keras.layers.Layer) -> bool:
    """Whether `layer` runs a recurrence over time: a Keras RNN layer or a Bidirectional of one."""
    return isinstance(layer, keras.layers.RNN | keras.layers.Bidirectional)


# === Recurrent cells ===


@keras.saving.register_keras_serializable(package="lstmcls")
class PeepholeLSTMCell(keras.layers.Layer):
    """The LSTM of Gers & Schmidhuber (2000): gates that also see the cell state through peepholes.

        i_t = σ(W_xi x_t + W_hi h_{t-1} + w_ci ⊙ c_{t-1} + b_i)
        f_t = σ(W_xf x_t + W_hf h_{t-1} + w_cf ⊙ c_{t-1} + b_f)
        c_t = f_t ⊙ c_{t-1} + i_t ⊙ tanh(W_xc x_t + W_hc h_{t-1} + b_c)
        o_t = σ(W_xo x_t + W_ho h_{t-1} + w_co ⊙ c_t + b_o)
        h_t = o_t ⊙ tanh(c_t)

    Peephole weights are diagonal (one per unit). Kernels are laid out [i, f, c, o] as in `keras.layers.LSTM`;
    the forget-gate bias starts at 1. `recurrent_dropout` drops the candidate update, not the state
    (Semeniuta et al. 2016), so memory is never erased by dropout. Wrap it in `keras.layers.RNN`. The step is
    `lstmcls.models.cells.lstm_step` with peepholes, the same equations the gate traces recompute.
    """

    def __init__(
        self,
        units: int,
        activation: str = "tanh",
        recurrent_activation: str = "sigmoid",
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.units = units
        self.activation = keras.activations.get(activation)
        self.recurrent_activation = keras.activations.get(recurrent_activation)
        self.recurrent_dropout = recurrent_dropout
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.state_size = [units, units]
        self.output_size = units

    def build(self, input_shape) -> None:
        units = self.units
        self.kernel = self.add_weight((input_shape[-1], 4 * units), initializer="glorot_uniform", name="kernel")
        self.recurrent_kernel = self.add_weight((units, 4 * units), initializer="orthogonal", name="recurrent_kernel")

        def bias_init(shape, dtype=None):  # [i, f, c, o]: forget gate starts open
            return ops.concatenate([ops.zeros((units,)), ops.ones((units,)), ops.zeros((2 * units,))])

        self.bias = self.add_weight((4 * units,), initializer=bias_init, name="bias")
        self.input_peephole = self.add_weight((units,), initializer="glorot_uniform", name="input_peephole")
        self.forget_peephole = self.add_weight((units,), initializer="glorot_uniform", name="forget_peephole")
        self.output_peephole = self.add_weight((units,), initializer="glorot_uniform", name="output_peephole")

    def call(self, inputs, states, training: bool = False):
        h_prev, c_prev = states
        step = lstm_step(
            ops.matmul(inputs, self.kernel) + self.bias,
            h_prev,
            c_prev,
            self.recurrent_kernel,
            self.activation,
            self.recurrent_activation,
            peepholes=(self.input_peephole, self.forget_peephole, self.output_peephole),
            candidate_dropout=self._drop_candidate if training and self.recurrent_dropout > 0 else None,
        )
        return step.hidden, [step.hidden, step.cell]

    def _drop_candidate(self, candidate):
        return keras.random.dropout(candidate, self.recurrent_dropout, seed=self.seed_generator)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": keras.activations.serialize(self.activation),
            "recurrent_activation": keras.activations.serialize(self.recurrent_activation),
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }


# === Pooling over time (all honour the padding mask) ===


@keras.saving.register_keras_serializable(package="lstmcls")
class MaskedMaxPooling1D(keras.layers.Layer):
    """Max over time of the unmasked steps (`keras.layers.GlobalMaxPooling1D` lets padding leak in)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.max(inputs, axis=1)
        mask = ops.expand_dims(mask, -1)
        pooled = ops.max(ops.where(mask, inputs, ops.full_like(inputs, -1e9)), axis=1)
        return ops.where(ops.any(mask, axis=1), pooled, ops.zeros_like(pooled))  # a text of padding only → 0

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])


@keras.saving.register_keras_serializable(package="lstmcls")
class AttentionPooling(keras.layers.Layer):
    """Additive (Bahdanau-style) attention over time: a learned score per step, softmax over the unmasked steps.

        e_t = vᵀ tanh(W h_t + b),   α = softmax(e) over unmasked t,   output = Σ_t α_t h_t

    `return_weights=True` in `call` also returns α (batch, time), e.g. to explain a prediction.
    """

    def __init__(self, units: int = 64, **kwargs) -> None:
        super().__init__(**kwargs)
        self.units = units
        self.supports_masking = True

    def build(self, input_shape) -> None:
        self.score_dense = keras.layers.Dense(self.units, activation="tanh", name="score_hidden")
        self.score_dense.build(input_shape)
        self.score_vector = keras.layers.Dense(1, use_bias=False, name="score")
        self.score_vector.build((*input_shape[:-1], self.units))

    def call(self, inputs, mask=None, return_weights: bool = False):
        scores = ops.squeeze(self.score_vector(self.score_dense(inputs)), -1)
        if mask is not None:
            scores = ops.where(mask, scores, ops.full_like(scores, -1e9))
        weights = ops.softmax(scores, axis=-1)
        pooled = ops.sum(inputs * ops.expand_dims(weights, -1), axis=1)
        return (pooled, weights) if return_weights else pooled

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units}


# === Word vectors from subwords ===


@keras.saving.register_keras_serializable(package="lstmcls")
class SubwordEmbedding(keras.layers.Layer):
    """A word's vector averaged with its character n-grams' vectors, as fastText builds one.

    Called on `[word_vectors, token_ids, subword_ids]`: (batch, time, dim) from the word embedding, (batch, time)
    ids (0 padding, 1 the vocabulary's [UNK]), and (batch, time, n-grams) bucket ids (0 none,
    `lstmcls.data.subwords`). A known word's vector is the mean of its own and its n-grams' vectors; an unseen
    word's ([UNK]) the mean of its n-grams' alone, so words that share n-grams share part of their vector (the
    [UNK] vector only for a word with no n-gram). The output is masked where the token id is 0, as the word
    embedding's is.
    """

    def __init__(self, buckets: int, dim: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.buckets, self.dim = buckets, dim

    def build(self, input_shape) -> None:
        # bucket 0 (no n-gram) has a row that nothing reads; initialised as keras.layers.Embedding's rows are
        self.table = self.add_weight((self.buckets + 1, self.dim), initializer="uniform", name="ngram_vectors")

    def call(self, inputs):
        word_vectors, token_ids, subword_ids = inputs
        present = ops.expand_dims(ops.cast(ops.not_equal(subword_ids, 0), word_vectors.dtype), -1)
        grams = ops.sum(ops.take(self.table, subword_ids, axis=0) * present, axis=2)
        count = ops.sum(present, axis=2)
        known = ops.cast(ops.expand_dims(ops.greater(token_ids, 1), -1), word_vectors.dtype)
        word = ops.maximum(known, ops.cast(ops.equal(count, 0), word_vectors.dtype))  # [UNK] only without n-grams
        return (word_vectors * word + grams) / ops.maximum(word + count, 1.0)

    def compute_mask(self, inputs, mask=None):
        return ops.not_equal(inputs[1], 0)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self) -> dict:
        return {**super().get_config(), "buckets": self.buckets, "dim": self.dim}
