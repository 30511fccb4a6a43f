"""Recurrent gate traces: the gates, cell states and hidden states of every recurrent layer, step by step.

Keras's fused LSTM and GRU layers (and `lstmcls.models.layers.PeepholeLSTMCell` inside `keras.layers.RNN`) return
only hidden states; their gates never leave the layer. So each layer and direction is recomputed in NumPy
from its own weights with the cell equations (lstm, gru, peephole_lstm), and the recomputed hidden states are
checked against the layer's own (within DEVIATION_LIMIT): a Keras version that computes a cell differently is
refused rather than traced wrongly. `lstmcls.explain.attributions` uses `GateTracer` when asked for gates, and
`replay` to run a classifier from its embeddings.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from lstmcls.errors import RunError
from lstmcls.models.factory import class_probabilities
from lstmcls.models.layers import AttentionPooling, PeepholeLSTMCell, directions

DEVIATION_LIMIT = 1e-5  # recomputed vs the layer's own hidden states

Steps = tuple[dict[str, np.ndarray], np.ndarray | None, np.ndarray]  # gates, cell states, hidden states


def replay(chain: list[keras.layers.Layer], x, mask, tape: tf.GradientTape | None = None):
    """A classifier's layers after its embedding, run from the embeddings `x` (dropout is off): probabilities,
    attention weights (None without attention pooling), and each recurrent layer as (layer, input, output), its
    output watched by `tape`."""
    attention, recurrent = None, []
    for layer in chain:
        kwargs = {"mask": mask} if "mask" in inspect.signature(layer.call).parameters else {}
        if isinstance(layer, AttentionPooling):
            output, attention = layer(x, return_weights=True, **kwargs)
        else:
            output = layer(x, **kwargs)
        if _is_recurrent(layer):
            if tape is not None:
                tape.watch(output)
            recurrent.append((layer, x, output))
        x, mask = output, layer.compute_mask(x, mask)
    return x, attention, recurrent


@dataclass(frozen=True)
class GateTrace:
    """One recurrent layer in one direction, step by step; arrays are (tokens, units) in text order."""

    layer: int
    direction: str  # forward | backward
    cell: str
    gates: dict[str, np.ndarray]  # input/forget/output (LSTM kinds) or update/reset (GRU)
    cell_state: np.ndarray | None  # LSTM kinds only
    hidden: np.ndarray
    unit_importance: np.ndarray  # (units,) |Σ_t ∂p/∂h_t · h_t|: how much each unit's state moves the output
    max_deviation: float  # largest |recomputed - layer output| over the hidden states


class GateTracer:
    """Traces a run's recurrent layers; each direction is copied into a layer that returns every step."""

    def __init__(
        self, run_id: str, cell: str, embedding: keras.layers.Embedding, chain: list[keras.layers.Layer]
    ) -> None:
        """Refuse cells without gates (`cell` names the run's cell kind in the error); `chain` is the classifier's
        layers after `embedding`."""
        self.embedding, self.chain = embedding, chain
        self.recurrent = [layer for layer in chain if _is_recurrent(layer)]
        self.copies: dict[int, keras.layers.RNN] = {}  # per direction, a copy returning every step
        for layer in self.recurrent:
            for _, rnn in _directions(layer):
                if type(rnn.cell) not in GATED_CELLS:
                    raise RunError(
                        f"run {run_id} uses {cell} cells, which have no gates; gate traces support "
                        f"{', '.join(name for name, _ in GATED_CELLS.values())} runs"
                    )
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
            traces += _layer_traces(index, layer, inputs.numpy()[0].astype(np.float64), gradient.numpy()[0], own)
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


# === Cell equations ===


def _lstm(cell: keras.layers.Layer, x: np.ndarray) -> Steps:
    """keras.layers.LSTM: gate blocks [i, f, c, o]; c_t = f c_{t-1} + i act(z_c), h_t = o act(c_t)."""
    return _lstm_family(cell, x, [np.zeros(cell.units)] * 3)


def _peephole(cell: keras.layers.Layer, x: np.ndarray) -> Steps:
    """lstmcls.models.layers.PeepholeLSTMCell: the gates also see the cell state (see its docstring)."""
    return _lstm_family(cell, x, [_array(w) for w in (cell.input_peephole, cell.forget_peephole, cell.output_peephole)])


def _lstm_family(cell: keras.layers.Layer, x: np.ndarray, peepholes: list[np.ndarray]) -> Steps:
    """The LSTM step with peephole weights (zeros for a plain LSTM) on the input, forget and output gates."""
    act, gate = _numpy(cell.activation), _numpy(cell.recurrent_activation)
    w_i, w_f, w_o = peepholes
    recurrent = _array(cell.recurrent_kernel)
    h, c = np.zeros(cell.units), np.zeros(cell.units)
    rows = []
    for projected in x @ _array(cell.kernel) + _array(cell.bias):
        z_i, z_f, z_c, z_o = np.split(projected + h @ recurrent, 4)
        i, f = gate(z_i + w_i * c), gate(z_f + w_f * c)
        c = f * c + i * act(z_c)
        o = gate(z_o + w_o * c)
        h = o * act(c)
        rows.append((i, f, o, c, h))
    i, f, o, c, h = map(np.stack, zip(*rows))
    return {"input": i, "forget": f, "output": o}, c, h


def _gru(cell: keras.layers.Layer, x: np.ndarray) -> Steps:
    """keras.layers.GRU, reset_after=True: blocks [z, r, h], bias rows (input, recurrent), h_t = z h + (1-z) ĥ."""
    act, gate = _numpy(cell.activation), _numpy(cell.recurrent_activation)
    input_bias, recurrent_bias = _array(cell.bias)
    recurrent = _array(cell.recurrent_kernel)
    h = np.zeros(cell.units)
    rows = []
    for projected in x @ _array(cell.kernel) + input_bias:
        x_z, x_r, x_h = np.split(projected, 3)
        h_z, h_r, h_h = np.split(h @ recurrent + recurrent_bias, 3)
        z, r = gate(x_z + h_z), gate(x_r + h_r)
        h = z * h + (1 - z) * act(x_h + r * h_h)
        rows.append((z, r, h))
    z, r, h = map(np.stack, zip(*rows))
    return {"update": z, "reset": r}, None, h


GATED_CELLS: dict[type, tuple[str, Callable[[keras.layers.Layer, np.ndarray], Steps]]] = {
    keras.layers.LSTMCell: ("lstm", _lstm),
    keras.layers.GRUCell: ("gru", _gru),
    PeepholeLSTMCell: ("peephole_lstm", _peephole),
}


# === One layer's traces ===


def _layer_traces(
    index: int, layer: keras.layers.Layer, x: np.ndarray, gradient: np.ndarray, own: list[np.ndarray]
) -> list[GateTrace]:
    """Traces of one layer's directions, checked against `own` hidden states (in reading order); each unit's
    importance comes from `gradient`, the gradient of the explained probability at the layer's output."""
    steps = []
    for (direction, rnn), own_hidden in zip(_directions(layer), own):
        name, equations = GATED_CELLS[type(rnn.cell)]
        backward = direction == "backward"  # reads the tokens last to first; rows go back to text order
        gates, cells, hidden = equations(rnn.cell, x[::-1] if backward else x)
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


def _is_recurrent(layer: keras.layers.Layer) -> bool:
    return isinstance(layer, keras.layers.RNN | keras.layers.Bidirectional)


def _directions(layer: keras.layers.Layer) -> list[tuple[str, keras.layers.RNN]]:
    """A recurrent layer's directions as (name, RNN): one, or forward and backward for Bidirectional."""
    return list(zip(("forward", "backward"), directions(layer)))


def _array(weight: Any) -> np.ndarray:
    """A Keras weight as float64 NumPy."""
    return keras.ops.convert_to_numpy(weight).astype(np.float64)


def _numpy(activation: Callable) -> Callable[[np.ndarray], np.ndarray]:
    """A Keras activation applied to NumPy values (whatever the run's config chose)."""
    return lambda values: keras.ops.convert_to_numpy(activation(values))
