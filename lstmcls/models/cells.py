"""The step equations of the recurrent cells, written once for every place that runs them.

Three places compute a recurrent step: `layers.PeepholeLSTMCell.call` (inside `keras.layers.RNN`), the fused
loop of `fused.PooledRecurrent` (Keras's LSTM and GRU under XLA) and `interpret.gates`, which recomputes each
step in float64 to expose the gates Keras keeps inside its layers. They all call these functions, written with
`keras.ops`, which take Keras variables, tensors and NumPy arrays alike (NumPy float64 stays float64).

Each step starts from `projected`, the input projection x_t W + b that the caller computes (one matrix product
for all steps where it can), and adds the recurrent projection itself. It returns every gate as well as the
new state: the fused loop and the cell use only the state (XLA drops the rest), the gate traces use all of it.
Kernels are laid out as Keras lays them out, so the same weights give the same numbers in all three places.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from keras import ops

Activation = Callable[[Any], Any]


class LSTMStep(NamedTuple):
    input: Any  # i_t
    forget: Any  # f_t
    output: Any  # o_t
    cell: Any  # c_t
    hidden: Any  # h_t


class GRUStep(NamedTuple):
    update: Any  # z_t
    reset: Any  # r_t
    hidden: Any  # h_t


def lstm_step(
    projected: Any,
    h: Any,
    c: Any,
    recurrent_kernel: Any,
    activation: Activation,
    recurrent_activation: Activation,
    peepholes: tuple[Any, Any, Any] | None = None,
    candidate_dropout: Activation | None = None,
) -> LSTMStep:
    """One LSTM step; gate blocks [i, f, c, o] as in `keras.layers.LSTM`.

        i_t = σ(z_i + w_ci ⊙ c_{t-1}),  f_t = σ(z_f + w_cf ⊙ c_{t-1}),  c_t = f_t ⊙ c_{t-1} + i_t ⊙ tanh(z_c)
        o_t = σ(z_o + w_co ⊙ c_t),      h_t = o_t ⊙ tanh(c_t),           z = projected + h_{t-1} U

    Args:
        peepholes: the diagonal peephole weights (w_ci, w_cf, w_co) of the input, forget and output gates
            (Gers & Schmidhuber 2000); None for a plain LSTM, whose gates do not see the cell state.
        candidate_dropout: applied to the candidate tanh(z_c) before it enters the cell state (training only).
    """
    z_i, z_f, z_c, z_o = ops.split(projected + ops.matmul(h, recurrent_kernel), 4, axis=-1)
    if peepholes is not None:
        w_i, w_f, w_o = peepholes
        z_i, z_f = z_i + w_i * c, z_f + w_f * c
    i, f = recurrent_activation(z_i), recurrent_activation(z_f)
    candidate = activation(z_c)
    if candidate_dropout is not None:
        candidate = candidate_dropout(candidate)
    c = f * c + i * candidate
    if peepholes is not None:
        z_o = z_o + w_o * c
    o = recurrent_activation(z_o)
    return LSTMStep(i, f, o, c, o * activation(c))


def gru_step(
    projected: Any,
    h: Any,
    recurrent_kernel: Any,
    recurrent_bias: Any,
    activation: Activation,
    recurrent_activation: Activation,
) -> GRUStep:
    """One step of `keras.layers.GRU` with reset_after=True (the Keras default); gate blocks [z, r, h].

        [z_t, r_t] = σ(x_zr + h_{t-1} U_zr + b'_zr),  ĥ_t = tanh(x_h + r_t ⊙ (h_{t-1} U_h + b'_h))
        h_t = z_t ⊙ h_{t-1} + (1 - z_t) ⊙ ĥ_t

    where x = `projected` (the input projection with the input bias) and b' the recurrent bias.
    """
    units = ops.shape(recurrent_kernel)[0]
    x_zr, x_h = ops.split(projected, [2 * units], axis=-1)
    r_zr, r_h = ops.split(ops.matmul(h, recurrent_kernel) + recurrent_bias, [2 * units], axis=-1)
    z, r = ops.split(recurrent_activation(x_zr + r_zr), 2, axis=-1)
    return GRUStep(z, r, z * h + (1.0 - z) * activation(x_h + r * r_h))
