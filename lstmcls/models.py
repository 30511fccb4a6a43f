"""The model factory: token ids → embedding → recurrent stack → class probabilities.

A new cell is one builder here, registered with `@CELLS.register("name")`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import keras

from lstmcls.registry import Registry

if TYPE_CHECKING:
    from lstmcls.config import ModelConfig, TrainConfig

# name → builder(config, return_sequences) of one recurrent layer (one direction).
CELLS: Registry[Callable[[ModelConfig, bool], keras.layers.Layer]] = Registry("cell")


# === Layers ===


@CELLS.register("lstm")
def lstm(config: ModelConfig, return_sequences: bool) -> keras.layers.Layer:
    return keras.layers.LSTM(
        config.units, recurrent_dropout=config.recurrent_dropout, return_sequences=return_sequences
    )


# === Model ===


def build_classifier(config: ModelConfig, vocab_size: int, length: int, num_classes: int) -> keras.Model:
    """Token ids (0 = padding, masked throughout) → probabilities: one sigmoid for two classes, else softmax."""
    ids = keras.Input(shape=(length,), dtype="int64", name="token_ids")
    x = keras.layers.Embedding(vocab_size, config.embedding.dim, mask_zero=True, name="embedding")(ids)
    build_cell = CELLS.get(config.cell)
    for index in range(config.layers):
        layer = build_cell(config, index < config.layers - 1)
        if config.bidirectional:
            layer = keras.layers.Bidirectional(layer)
        x = layer(x)
        if config.dropout:
            x = keras.layers.Dropout(config.dropout)(x)
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
