"""Recurrent gate traces: the gates, cell states and hidden states of every recurrent layer, step by step.

Keras's fused LSTM and GRU layers (and `lstmcls.models.layers.PeepholeLSTMCell` inside `keras.layers.RNN`) return
only hidden states; their gates never leave the layer. So every recurrent layer and direction is recomputed in
float64 from its own weights with the cell equations of `lstmcls.models.cells` (the same functions the layers
run), and the recomputed hidden states are checked against the layer's own (within DEVIATION_LIMIT): a Keras
version that computes a cell differently is refused rather than traced wrongly. Which cells can be traced is the
`traceable` flag of `lstmcls.components.CELLS`; `EQUATIONS` holds the recomputation of each.
`lstmcls.interpret.attributions` uses `GateTracer` when asked for gates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from lstmcls.components import CELLS, traceable_cells
from lstmcls.errors import RunError
from lstmcls.interpret.model_parts import replay
from lstmcls.interpret.types import GateTrace
from lstmcls.models.cells import gru_step, lstm_step
from lstmcls.models.factory import class_probabilities
from lstmcls.models.layers import directions, is_recurrent

DEVIATION_LIMIT = 1e-5  # recomputed vs the layer's own hidden states

Steps = tuple[dict[str, np.ndarray], np.ndarray | None, np.ndarray]  # gates, cell states, hidden states


class GateTracer:
    """Traces a run's recurrent layers; each direction is copied into a layer that returns every step."""

    def __init__(
        self, run_id: str, cell: str, embedding: keras.layers.Embedding, chain: list[keras.layers.Layer]
    ) -> None:
        """Refuse cells that `lstmcls.components.CELLS` does not mark traceable (`cell` is the run's cell kind);
        `chain` is the classifier's layers after `embedding`."""
        if not CELLS.get(cell).traceable:
            raise RunError(
                f"run {run_id} uses {cell} cells, which have no gates; gate traces support "
                f"{', '.join(traceable_cells())} runs"
            )
        self.cell, self.embedding, self.chain = cell, embedding, chain
        self.recurrent = [layer for layer in chain if is_recurrent(layer)]
        self.copies: dict[int, keras.layers.RNN] = {}  # per direction, a copy returning every step
        for layer in self.recurrent:
            for _, rnn in _directions(layer):
                copy = type(rnn).from_config({**rnn.get_config(), "return_sequences": True, "return_state": False})
                copy.build((None, None, rnn.cell.kernel.shape[0]))
                copy.set_weights(rnn.get_weights())
                self.copies[id(rnn)] = copy
        spec = tf.TensorSpec
        self._details = tf.function(
            self._recurrent_details, input_signature=[spec([1, None, embedding.output_dim]), spec([], tf.int32)]
        )

    def traces(self, ids: np.ndarray, target: int) -> list[GateTrace]:
        """One trace per recurrent layer and direction for one text (its tokens only, no padding)."""
        details = self._details(tf.gather(self.embedding.embeddings, ids[None]), tf.constant(target, tf.int32))
        traces = []
        for index, (layer, (inputs, gradient, own)) in enumerate(zip(self.recurrent, details)):
            own = [states.numpy()[0].astype(np.float64) for states in own]
            inputs = inputs.numpy()[0].astype(np.float64)
            traces += _layer_traces(index, layer, self.cell, inputs, gradient.numpy()[0], own)
        return traces

    def _recurrent_details(self, embedded, target):
        """Per recurrent layer: its input, ∂p/∂(its output), and each direction's hidden states from Keras."""
        mask = tf.ones(tf.shape(embedded)[:2], tf.bool)
        with tf.GradientTape() as tape:
            probabilities, _, recurrent = replay(self.chain, embedded, mask, tape)
            score = class_probabilities(probabilities)[0, target]
        gradients = tape.gradient(score, [output for _, _, output in recurrent])
        return [
            (inputs, gradient, [self.copies[id(rnn)](inputs, mask=mask) for _, rnn in _directions(layer)])
            for (layer, inputs, _), gradient in zip(recurrent, gradients)
        ]


# === Cell equations, step by step in float64 ===


def _lstm(cell: keras.layers.Layer, x: np.ndarray) -> Steps:
    """keras.layers.LSTM: `lstm_step` without peepholes."""
    return _lstm_family(cell, x, None)


def _peephole(cell: keras.layers.Layer, x: np.ndarray) -> Steps:
    """lstmcls.models.layers.PeepholeLSTMCell: the gates also see the cell state (see its docstring)."""
    peepholes = (cell.input_peephole, cell.forget_peephole, cell.output_peephole)
    return _lstm_family(cell, x, tuple(_array(weight) for weight in peepholes))


def _lstm_family(cell: keras.layers.Layer, x: np.ndarray, peepholes: tuple | None) -> Steps:
    """Every step of an LSTM kind over `x` (tokens, features), from zero states."""
    recurrent = _array(cell.recurrent_kernel)
    h, c = np.zeros(cell.units), np.zeros(cell.units)
    steps = []
    for projected in x @ _array(cell.kernel) + _array(cell.bias):
        step = lstm_step(projected, h, c, recurrent, cell.activation, cell.recurrent_activation, peepholes)
        h, c = step.hidden, step.cell
        steps.append(step)
    i, f, o, c, h = (_stacked(values) for values in zip(*steps))
    return {"input": i, "forget": f, "output": o}, c, h


def _gru(cell: keras.layers.Layer, x: np.ndarray) -> Steps:
    """keras.layers.GRU (reset_after=True): every step of `gru_step` over `x` (tokens, features), from zero."""
    input_bias, recurrent_bias = _array(cell.bias)  # rows: input, recurrent
    recurrent = _array(cell.recurrent_kernel)
    h = np.zeros(cell.units)
    steps = []
    for projected in x @ _array(cell.kernel) + input_bias:
        step = gru_step(projected, h, recurrent, recurrent_bias, cell.activation, cell.recurrent_activation)
        h = step.hidden
        steps.append(step)
    z, r, h = (_stacked(values) for values in zip(*steps))
    return {"update": z, "reset": r}, None, h


EQUATIONS: dict[str, Callable[[keras.layers.Layer, np.ndarray], Steps]] = {
    "lstm": _lstm,
    "gru": _gru,
    "peephole_lstm": _peephole,
}  # one per traceable cell of lstmcls.components.CELLS (a test checks that they match)


# === One layer's traces ===


def _layer_traces(
    index: int, layer: keras.layers.Layer, name: str, x: np.ndarray, gradient: np.ndarray, own: list[np.ndarray]
) -> list[GateTrace]:
    """Traces of one layer's directions (`name`: its cell kind), checked against `own` hidden states (in reading
    order); each unit's importance comes from `gradient`, the gradient of the explained probability at the layer's
    output."""
    steps = []
    for (direction, rnn), own_hidden in zip(_directions(layer), own):
        backward = direction == "backward"  # reads the tokens last to first; rows go back to text order
        gates, cells, hidden = EQUATIONS[name](rnn.cell, x[::-1] if backward else x)
        deviation = float(np.abs(hidden - own_hidden).max())
        if deviation > DEVIATION_LIMIT:
            raise RunError(
                f"gate trace of layer {index + 1} ({direction} {name}) differs from the layer by {deviation:.2g}; "
                "this Keras version computes the cell differently, so gates cannot be traced"
            )
        order = slice(None, None, -1 if backward else 1)
        gates = {gate: values[order] for gate, values in gates.items()}
        steps.append((direction, name, gates, None if cells is None else cells[order], hidden[order], deviation))
    # What the layer passes on: every step, or its final state (a backward direction ends on the first token).
    passed = [
        hidden if layer.return_sequences else (hidden[:1] if direction == "backward" else hidden[-1:])
        for direction, _, _, _, hidden, _ in steps
    ]
    gradients = _per_direction(layer, gradient.reshape(len(passed[0]), -1), passed)
    return [
        GateTrace(index, direction, name, gates, cells, hidden, np.abs((g * h).sum(axis=0)), deviation)
        for (direction, name, gates, cells, hidden, deviation), g, h in zip(steps, gradients, passed)
    ]


def _per_direction(layer: keras.layers.Layer, gradient: np.ndarray, passed: list[np.ndarray]) -> list[np.ndarray]:
    """∂p/∂h for each direction from ∂p/∂(the layer's output): how Bidirectional merged them, undone."""
    if not isinstance(layer, keras.layers.Bidirectional):
        return [gradient]
    match layer.merge_mode:
        case "concat":
            return np.split(gradient, 2, axis=-1)
        case "mul":
            return [gradient * passed[1], gradient * passed[0]]
        case "ave":
            return [gradient / 2, gradient / 2]
        case _:  # sum
            return [gradient, gradient]


def _directions(layer: keras.layers.Layer) -> list[tuple[str, keras.layers.RNN]]:
    """A recurrent layer's directions as (name, RNN): one, or forward and backward for Bidirectional."""
    return list(zip(("forward", "backward"), directions(layer)))


def _array(weight: Any) -> np.ndarray:
    """A Keras weight as float64 NumPy."""
    return keras.ops.convert_to_numpy(weight).astype(np.float64)


def _stacked(values: tuple) -> np.ndarray:
    """One value per step (tensors or arrays) as a (steps, units) NumPy array."""
    return np.stack([keras.ops.convert_to_numpy(value) for value in values])
