"""The model factory: token ids (and subwords) → embedding → recurrent stack → pooling → head → probabilities.

A new cell or pooling is one entry in `lstmcls.components` (its name and what it can do) and one builder here,
attached with `@CELLS.builds("name")` or `POOLINGS.builds("name")`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import keras

from lstmcls.components import CELLS, POOLINGS, cudnn_blockers
from lstmcls.data.splits import SUBWORD_IDS, TOKEN_IDS
from lstmcls.models.fused import PooledRecurrent
from lstmcls.models.layers import AttentionPooling, MaskedMaxPooling1D, PeepholeLSTMCell, SubwordEmbedding

if TYPE_CHECKING:
    from lstmcls.config.schema import ModelConfig

log = logging.getLogger("lstmcls")


# === Cells: (config, return_sequences) → one direction of a recurrent layer ===


def _recurrent_options(config: ModelConfig) -> dict:
    return {
        "activation": config.activation,
        "recurrent_activation": config.recurrent_activation,
        "recurrent_dropout": config.recurrent_dropout,
    }


@CELLS.builds("lstm")
def _lstm(config: ModelConfig, sequences: bool) -> keras.layers.Layer:
    return keras.layers.LSTM(config.units, return_sequences=sequences, **_recurrent_options(config))


@CELLS.builds("gru")
def _gru(config: ModelConfig, sequences: bool) -> keras.layers.Layer:
    return keras.layers.GRU(config.units, return_sequences=sequences, **_recurrent_options(config))


@CELLS.builds("peephole_lstm")
def _peephole_lstm(config: ModelConfig, sequences: bool) -> keras.layers.Layer:
    return keras.layers.RNN(PeepholeLSTMCell(config.units, **_recurrent_options(config)), return_sequences=sequences)


@CELLS.builds("simple_rnn")
def _simple_rnn(config: ModelConfig, sequences: bool) -> keras.layers.Layer:
    return keras.layers.SimpleRNN(
        config.units,
        activation=config.activation,
        recurrent_dropout=config.recurrent_dropout,
        return_sequences=sequences,
    )


# === Pooling: config → the layer that turns the sequence into one vector (None: the last step's output) ===

POOLINGS.builds("last")(lambda config: None)
POOLINGS.builds("mean")(lambda config: keras.layers.GlobalAveragePooling1D(name="mean_pooling"))
POOLINGS.builds("max")(lambda config: MaskedMaxPooling1D(name="max_pooling"))
POOLINGS.builds("attention")(lambda config: AttentionPooling(config.attention_units, name="attention"))


# === Model ===


def build_classifier(config: ModelConfig, vocab_size: int, num_classes: int, multi_label: bool = False) -> keras.Model:
    """Token ids (0 = padding, masked throughout; any length) → probabilities: one sigmoid for two classes, one
    sigmoid per label when `multi_label` (labels are independent), else softmax. With `embedding.subwords` the
    input is a dict of the token ids and their n-gram buckets, as the preprocessor gives them."""
    blockers = cudnn_blockers(config)
    if blockers:
        log.warning("the fast cuDNN GPU kernel for %s is off: %s", config.cell, "; ".join(blockers))
    sequences = POOLINGS.get(config.pooling).sequences

    inputs, x = _embedded(config, vocab_size)
    if config.embedding.dropout:  # a channel dropped for the whole text, not single values (which neighbours leak)
        x = keras.layers.SpatialDropout1D(config.embedding.dropout, name="embedding_dropout")(x)
    for index in range(config.layers):
        last = index == config.layers - 1
        layer = recurrent_layer(config, not last or sequences, config.merge_mode)
        if last and config.fuse_pooling:  # the layer, its dropout and the pooling as one loop
            x = PooledRecurrent(layer, config.pooling, config.dropout, name="pooled_recurrent")(x)
            break
        x = layer(x)
        if config.dropout:
            x = keras.layers.Dropout(config.dropout)(x)
    pooling = None if config.fuse_pooling else POOLINGS.builder(config.pooling)(config)
    if pooling is not None:
        x = pooling(x)
    for units in config.head:
        x = keras.layers.Dense(units, activation="relu")(x)
        if config.head_dropout:
            x = keras.layers.Dropout(config.head_dropout)(x)
    binary = num_classes == 2 and not multi_label
    outputs = keras.layers.Dense(
        1 if binary else num_classes,
        activation="sigmoid" if binary or multi_label else "softmax",
        name="probabilities",
    )(x)
    return keras.Model(inputs, outputs, name="classifier")


def recurrent_layer(config: ModelConfig, sequences: bool, merge_mode: str | None) -> keras.layers.Layer:
    """One layer of the recurrent stack: the cell's layer, or a Bidirectional of it that merges the directions by
    `merge_mode` (None: a list of both, as the language model reads them)."""
    layer = CELLS.builder(config.cell)(config, sequences)
    return keras.layers.Bidirectional(layer, merge_mode=merge_mode) if config.bidirectional else layer


def _embedded(config: ModelConfig, vocab_size: int) -> tuple[Any, Any]:
    """The classifier's inputs and each step's vector: token ids (any length) → the word embedding; with
    `embedding.subwords`, a dict of the token ids and their n-gram buckets → the word's and its n-grams' mean."""
    ids = keras.Input(shape=(None,), dtype="int64", name=TOKEN_IDS)
    x = keras.layers.Embedding(vocab_size, config.embedding.dim, mask_zero=True, name="embedding")(ids)
    subwords = config.embedding.subwords
    if subwords is None:
        return ids, x
    buckets = keras.Input(shape=(None, subwords.per_word), dtype="int32", name=SUBWORD_IDS)
    x = SubwordEmbedding(subwords.buckets, config.embedding.dim, name="subword_embedding")([x, ids, buckets])
    return {TOKEN_IDS: ids, SUBWORD_IDS: buckets}, x


def end_to_end(preprocessor: keras.Model, classifier: keras.Model) -> keras.Model:
    """Raw strings → probabilities: what a run saves, predicts with and exports."""
    text = keras.Input(shape=(), dtype="string", name="text")
    return keras.Model(text, classifier(preprocessor(text)), name="lstmcls")


def class_probabilities(outputs):
    """One column per class: a sigmoid output p becomes [1 - p, p] (a multi-label model's columns, one per label,
    stay as they are: it has two or more). Works on NumPy and TF tensors."""
    if outputs.shape[-1] == 1:
        return keras.ops.concatenate([1.0 - outputs, outputs], axis=-1)
    return outputs
