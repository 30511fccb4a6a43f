"""A recurrent layer and its pooling run as one loop that keeps only the pooled vector (`model.fuse_pooling`).

Why: on CPU the training step of a recurrent classifier is dominated by per-step overhead, which XLA removes by
compiling the time loop, but XLA compiles a loop that stores every step's output (what a max-pooled or
bidirectional Keras layer does) very badly: measured here about 4x slower than without XLA. This loop carries the
running max (or just the final state) instead, so XLA compiles it into a tight native loop; the input projection
of every step and both directions is one matrix product before the loop. Figures: docs/benchmarks.md.

The weights stay in an ordinary Keras GRU or LSTM layer (or a Bidirectional of one), and the maths is that of
`[recurrent, Dropout, MaskedMaxPooling1D]`; `parts()` returns those layers, which `lstmcls.interpret` replays.
Each step is the cell's equations from `lstmcls.models.cells`, shared with the gate traces.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import ops

from lstmcls.components import POOLINGS, fusable_names
from lstmcls.models.cells import gru_step, lstm_step
from lstmcls.models.layers import MaskedMaxPooling1D, directions


@keras.saving.register_keras_serializable(package="lstmcls")
class PooledRecurrent(keras.layers.Layer):
    """`recurrent` (a Keras GRU or LSTM, or a Bidirectional of one merged by concatenation), dropout on its
    outputs, then max over the unmasked steps or the last state: (batch, time, features) → (batch, units ×
    directions)."""

    def __init__(
        self, recurrent: keras.layers.Layer, pooling: str, dropout: float = 0.0, seed: int | None = None, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(recurrent, dict):  # from a saved config
            recurrent = keras.saving.deserialize_keras_object(recurrent)
        if pooling not in fusable_names(POOLINGS):
            raise ValueError(f"pooling must be one of {fusable_names(POOLINGS)}, got {pooling!r}")
        self.recurrent, self.pooling, self.rate, self.seed = recurrent, pooling, dropout, seed
        layers = directions(recurrent)
        for layer in layers:
            if layer.return_sequences != (pooling == "max") or layer.return_state or layer.stateful:
                raise ValueError(
                    f"a fused layer needs return_sequences={pooling == 'max'} (for {pooling} pooling), "
                    "no return_state and no stateful"
                )
        self.cells = [layer.cell for layer in layers]
        self.backward = [layer.go_backwards for layer in layers]
        for cell in self.cells:
            if not isinstance(cell, keras.layers.GRUCell | keras.layers.LSTMCell):
                raise ValueError(f"only GRU and LSTM layers can be fused, got {type(cell).__name__}")
            if cell.dropout or cell.recurrent_dropout or not cell.use_bias:
                raise ValueError("a fused layer needs use_bias and no dropout inside the recurrence")
            if isinstance(cell, keras.layers.GRUCell) and not cell.reset_after:
                raise ValueError("a fused GRU needs reset_after=True (the Keras default)")
        if isinstance(recurrent, keras.layers.Bidirectional) and recurrent.merge_mode != "concat":
            raise ValueError("a fused bidirectional layer needs merge_mode='concat'")
        self.dropout = keras.layers.Dropout(dropout, seed=seed)  # parts(), and the last state under `last`
        self.pool = MaskedMaxPooling1D(name="max_pooling") if pooling == "max" else None
        self.seed_generator = keras.random.SeedGenerator(seed)  # the per-step masks under `max`, drawn in the loop
        self.supports_masking = True

    def build(self, input_shape) -> None:
        self.recurrent.build(input_shape)

    def parts(self) -> list[keras.layers.Layer]:
        """The same computation as separate Keras layers (slower, but each step's output is visible)."""
        return [self.recurrent, self.dropout] + ([self.pool] if self.pool else [])

    def call(self, inputs, mask=None, training: bool = False):
        batch, steps = ops.shape(inputs)[0], ops.shape(inputs)[1]
        mask = ops.ones((batch, steps), "bool") if mask is None else ops.cast(mask, "bool")
        units, max_pooling = self.cells[0].units, self.pooling == "max"
        # Every step's input projection, all directions at once; then time-major, the backward ones reversed.
        kernel = ops.concatenate([cell.kernel for cell in self.cells], axis=1)
        bias = ops.concatenate([_input_bias(cell) for cell in self.cells], axis=0)
        projected = ops.split(ops.matmul(inputs, kernel) + bias, len(self.cells), axis=-1)
        step_mask = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        drop = training and self.rate > 0 and max_pooling
        seed = ops.cast(self.seed_generator.next(), "int32") if drop else None

        def time_major(tensor, reverse: bool):
            tensor = ops.transpose(tensor, (1, 0, 2))
            return tf.TensorArray(tensor.dtype, size=steps).unstack(ops.flip(tensor, 0) if reverse else tensor)

        inputs_by_step = [time_major(x, back) for x, back in zip(projected, self.backward)]
        masks_by_step = [time_major(step_mask, back) for back in self.backward]

        def body(t, states, pooled):
            new_states, new_pooled = [], []
            for index, cell in enumerate(self.cells):
                m = masks_by_step[index].read(t)
                h, state = _step(cell, inputs_by_step[index].read(t), states[index])
                new_states.append(tuple(ops.where(m > 0, new, old) for new, old in zip(state, states[index])))
                if max_pooling:
                    out = h * self._keep(seed, t, index, ops.shape(h)) if drop else h
                    new_pooled.append(ops.where(m > 0, ops.maximum(pooled[index], out), pooled[index]))
            return t + 1, new_states, new_pooled

        zeros = ops.zeros((batch, units), inputs.dtype)
        states = [(zeros, zeros) if isinstance(cell, keras.layers.LSTMCell) else (zeros,) for cell in self.cells]
        pooled = [ops.full((batch, units), -1e9, inputs.dtype) for _ in self.cells] if max_pooling else []
        _, states, pooled = tf.while_loop(
            lambda t, *_: t < steps,
            body,
            (0, states, pooled),
            maximum_iterations=steps,  # XLA needs the bound
        )
        if not max_pooling:
            return self.dropout(ops.concatenate([state[0] for state in states], axis=-1), training=training)
        pooled = ops.concatenate(pooled, axis=-1)
        return ops.where(ops.any(mask, axis=1, keepdims=True), pooled, ops.zeros_like(pooled))  # all padding → 0

    def _keep(self, seed, step, direction: int, shape):
        """Inverted dropout's mask for one step and direction, drawn inside the loop (a mask read from a
        precomputed tensor makes XLA's compiled loop about 4x slower). The call's seed is folded with the step
        and direction, so no two draws of a training run share a seed."""
        step_seed = tf.random.experimental.stateless_fold_in(seed, step * len(self.cells) + direction)
        uniform = tf.random.stateless_uniform(shape, seed=step_seed)
        return ops.cast(uniform >= self.rate, uniform.dtype) / (1.0 - self.rate)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.cells[0].units * len(self.cells))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "recurrent": keras.saving.serialize_keras_object(self.recurrent),
            "pooling": self.pooling,
            "dropout": self.rate,
            "seed": self.seed,
        }


def separated(layers: list[keras.layers.Layer]) -> list[keras.layers.Layer]:
    """`layers` with each fused layer replaced by its parts, for code that needs every step's output."""
    return [part for layer in layers for part in (layer.parts() if isinstance(layer, PooledRecurrent) else [layer])]


def _input_bias(cell: keras.layers.Layer):
    return cell.bias[0] if isinstance(cell, keras.layers.GRUCell) else cell.bias  # GRU: rows (input, recurrent)


def _step(cell: keras.layers.Layer, projected, state: tuple) -> tuple:
    """One step of Keras's GRU (reset_after) or LSTM from the precomputed input projection: (h, new state)."""
    act, gate = cell.activation, cell.recurrent_activation
    if isinstance(cell, keras.layers.GRUCell):
        (h,) = state
        step = gru_step(projected, h, cell.recurrent_kernel, cell.bias[1], act, gate)
        return step.hidden, (step.hidden,)
    h, c = state
    step = lstm_step(projected, h, c, cell.recurrent_kernel, act, gate)
    return step.hidden, (step.hidden, step.cell)
