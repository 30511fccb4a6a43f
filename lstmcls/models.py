"""The model factory: token ids → embedding → recurrent stack → pooling → head → class probabilities.

A new cell or pooling is one registration here: `@CELLS.register("name")` or `@POOLINGS.register("name")`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import keras

from lstmcls.fused import PooledRecurrent
from lstmcls.layers import AttentionPooling, MaskedMaxPooling1D, PeepholeLSTMCell
from lstmcls.registry import Registry

if TYPE_CHECKING:
    from lstmcls.config import ModelConfig, TrainConfig

log = logging.getLogger("lstmcls")


@dataclass(frozen=True)
class Cell:
    build: Callable[[ModelConfig, bool], keras.layers.Layer]  # (config, return_sequences) → one direction
    cudnn: bool = False  # Keras fuses it into a cuDNN kernel on a GPU when the config allows
    fusable: bool = False  # `lstmcls.fused.PooledRecurrent` can run it (model.fuse_pooling)


@dataclass(frozen=True)
class Pooling:
    build: Callable[[ModelConfig], keras.layers.Layer] | None  # None: the last layer's final output
    sequences: bool = True  # whether the last recurrent layer must return every step
    fusable: bool = False  # `lstmcls.fused.PooledRecurrent` can carry it through the time loop


CELLS: Registry[Cell] = Registry("cell")
POOLINGS: Registry[Pooling] = Registry("pooling")


# === Cells ===


def _recurrent_options(config: ModelConfig) -> dict:
    return {
        "activation": config.activation,
        "recurrent_activation": config.recurrent_activation,
        "recurrent_dropout": config.recurrent_dropout,
    }


CELLS.register("lstm")(
    Cell(
        lambda config, seq: keras.layers.LSTM(config.units, return_sequences=seq, **_recurrent_options(config)),
        cudnn=True,
        fusable=True,
    )
)
CELLS.register("gru")(
    Cell(
        lambda config, seq: keras.layers.GRU(config.units, return_sequences=seq, **_recurrent_options(config)),
        cudnn=True,
        fusable=True,
    )
)
CELLS.register("peephole_lstm")(
    Cell(
        lambda config, seq: keras.layers.RNN(
            PeepholeLSTMCell(config.units, **_recurrent_options(config)), return_sequences=seq
        )
    )
)
CELLS.register("simple_rnn")(
    Cell(
        lambda config, seq: keras.layers.SimpleRNN(
            config.units,
            activation=config.activation,
            recurrent_dropout=config.recurrent_dropout,
            return_sequences=seq,
        )
    )
)


def cudnn_blockers(config: ModelConfig) -> list[str]:
    """Why Keras cannot use its fused cuDNN kernel for this config (empty when it can)."""
    if not CELLS.get(config.cell).cudnn:
        return []
    reasons = []
    if config.activation != "tanh":
        reasons.append(f"model.activation is {config.activation!r}, not 'tanh'")
    if config.recurrent_activation != "sigmoid":
        reasons.append(f"model.recurrent_activation is {config.recurrent_activation!r}, not 'sigmoid'")
    if config.recurrent_dropout > 0:
        reasons.append(f"model.recurrent_dropout is {config.recurrent_dropout}, not 0")
    if config.fuse_pooling:
        reasons.append("model.fuse_pooling is true (its last layer runs lstmcls's loop, the faster one on a CPU)")
    return reasons


def fusion_blockers(config: ModelConfig) -> list[str]:
    """Why `model.fuse_pooling` cannot run this config (empty when it can)."""
    cells = [name for name in CELLS.names() if CELLS.get(name).fusable]
    poolings = [name for name in POOLINGS.names() if POOLINGS.get(name).fusable]
    reasons = []
    if config.cell not in cells:
        reasons.append(f"model.cell must be one of {', '.join(cells)}, not {config.cell!r}")
    if config.pooling not in poolings:
        reasons.append(f"model.pooling must be one of {', '.join(poolings)}, not {config.pooling!r}")
    if config.recurrent_dropout > 0:
        reasons.append("model.recurrent_dropout must be 0")
    if config.bidirectional and config.merge_mode != "concat":
        reasons.append(f"model.merge_mode must be 'concat', not {config.merge_mode!r}")
    return reasons


# === Pooling ===

POOLINGS.register("last")(Pooling(None, sequences=False, fusable=True))
POOLINGS.register("mean")(Pooling(lambda config: keras.layers.GlobalAveragePooling1D(name="mean_pooling")))
POOLINGS.register("max")(Pooling(lambda config: MaskedMaxPooling1D(name="max_pooling"), fusable=True))
POOLINGS.register("attention")(Pooling(lambda config: AttentionPooling(config.attention_units, name="attention")))


# === Model ===


def build_classifier(config: ModelConfig, vocab_size: int, num_classes: int) -> keras.Model:
    """Token ids (0 = padding, masked throughout; any length) → probabilities: one sigmoid for two classes,
    else softmax."""
    blockers = cudnn_blockers(config)
    if blockers:
        log.warning("the fast cuDNN GPU kernel for %s is off: %s", config.cell, "; ".join(blockers))
    cell, pooling = CELLS.get(config.cell), POOLINGS.get(config.pooling)

    ids = keras.Input(shape=(None,), dtype="int64", name="token_ids")
    x = keras.layers.Embedding(vocab_size, config.embedding.dim, mask_zero=True, name="embedding")(ids)
    if config.embedding.dropout:  # a channel dropped for the whole text, not single values (which neighbours leak)
        x = keras.layers.SpatialDropout1D(config.embedding.dropout, name="embedding_dropout")(x)
    for index in range(config.layers):
        last = index == config.layers - 1
        layer = cell.build(config, not last or pooling.sequences)
        if config.bidirectional:
            layer = keras.layers.Bidirectional(layer, merge_mode=config.merge_mode)
        if last and config.fuse_pooling:  # the layer, its dropout and the pooling as one loop
            x = PooledRecurrent(layer, config.pooling, config.dropout, name="pooled_recurrent")(x)
            break
        x = layer(x)
        if config.dropout:
            x = keras.layers.Dropout(config.dropout)(x)
    if pooling.build is not None and not config.fuse_pooling:
        x = pooling.build(config)(x)
    for units in config.head:
        x = keras.layers.Dense(units, activation="relu")(x)
        if config.head_dropout:
            x = keras.layers.Dropout(config.head_dropout)(x)
    binary = num_classes == 2
    outputs = keras.layers.Dense(
        1 if binary else num_classes, activation="sigmoid" if binary else "softmax", name="probabilities"
    )(x)
    return keras.Model(ids, outputs, name="classifier")


def compile_classifier(model: keras.Model, num_classes: int, config: TrainConfig) -> None:
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=config.learning_rate, clipnorm=config.clipnorm),
        loss="binary_crossentropy" if num_classes == 2 else "sparse_categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=config.jit_compile,
        steps_per_execution=config.steps_per_execution,
    )


def end_to_end(preprocessor: keras.Model, classifier: keras.Model) -> keras.Model:
    """Raw strings → probabilities: what a run saves, predicts with and exports."""
    text = keras.Input(shape=(), dtype="string", name="text")
    return keras.Model(text, classifier(preprocessor(text)), name="lstmcls")


def class_probabilities(outputs):
    """One column per class: a sigmoid output p becomes [1 - p, p]. Works on NumPy and TF tensors."""
    if outputs.shape[-1] == 1:
        return keras.ops.concatenate([1.0 - outputs, outputs], axis=-1)
    return outputs
