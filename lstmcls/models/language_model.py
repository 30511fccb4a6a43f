"""The classifier's embedding and recurrent stack as a language model (`pretrain.method: language_model`, Dai & Le
2015, ULMFiT): the forward direction predicts the next token, a bidirectional layer's backward direction the
previous one, so that its weights are those of the classifier's layers and `model.pretrained` copies them in.

The network is the classifier's up to the pooling (same embedding, same cells built by the same builders, every
layer returning every step), then one Dense layer per direction over the vocabulary. Only one recurrent layer may
be bidirectional: in a stack of bidirectional layers each direction of the second layer would read the other
direction's outputs, which have already seen the token to predict (the config refuses it).

**Why a sampled softmax.** A full softmax costs a (steps × units) × (units × vocabulary) product and its gradient
on every batch: with a 20,000-word vocabulary that is most of a step on 2 CPU cores. Training scores each step's
target against `pretrain.sampled` words drawn for the batch from a log-uniform (Zipf) distribution over the ids,
which follows the vocabulary's order (most frequent first), with the sampling corrected for
(`tf.nn.sampled_softmax_loss`, Jean et al. 2015): an unbiased-in-the-limit estimate of the full softmax's gradient
at a fraction of its cost. The held-out loss and perplexity are exact (full softmax). A vocabulary no larger than
`sampled` is trained with the full softmax. The heads are ordinary Dense layers, so the saved model gives every
step's full logits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import keras
import tensorflow as tf
from keras import ops

from lstmcls.data.splits import TOKEN_IDS
from lstmcls.models.factory import recurrent_layer

if TYPE_CHECKING:
    from lstmcls.config.schema import ModelConfig

FORWARD, BACKWARD = "forward", "backward"  # the directions, and their heads' names: forward_logits, ...


# === Model ===


def build_language_model(config: ModelConfig, vocab_size: int) -> keras.Model:
    """Token ids (0 = padding, masked) → {direction: logits over the vocabulary at every step}."""
    ids = keras.Input(shape=(None,), dtype="int64", name=TOKEN_IDS)
    x = keras.layers.Embedding(vocab_size, config.embedding.dim, mask_zero=True, name="embedding")(ids)
    for _ in range(config.layers):
        x = recurrent_layer(config, True, None)(x)
    states = x if config.bidirectional else [x]
    names = (FORWARD, BACKWARD)[: len(states)]
    outputs = {name: keras.layers.Dense(vocab_size, name=f"{name}_logits")(state) for name, state in zip(names, states)}
    return keras.Model(ids, outputs, name="language_model")


def recurrent_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The recurrent layers of a language model (or a classifier's unfused stack), bottom first."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.RNN | keras.layers.Bidirectional)]


# === Targets and losses ===


def targets(ids: tf.Tensor) -> dict[str, tf.Tensor]:
    """What each direction predicts at each step: the next token (forward) and the previous one (backward);
    0 (no target) at padding and past either end of the text. Texts are right-padded with 0."""
    present = ops.not_equal(ids, 0)
    following = ops.pad(ids[:, 1:], [[0, 0], [0, 1]])
    preceding = ops.pad(ids[:, :-1], [[0, 0], [1, 0]])
    return {
        FORWARD: ops.where(present, following, ops.zeros_like(ids)),
        BACKWARD: ops.where(present, preceding, ops.zeros_like(ids)),
    }


class SampledLoss:
    """Training loss of a language model: per direction, the mean sampled-softmax (or full-softmax, when the
    vocabulary is no larger than `sampled`) loss over the steps that have a target."""

    def __init__(self, model: keras.Model, sampled: int) -> None:
        self.heads = {name: model.get_layer(f"{name}_logits") for name in model.output}
        # The same layers up to the heads: every direction's hidden states.
        self.features = keras.Model(model.input, {name: head.input for name, head in self.heads.items()})
        self.vocabulary = model.get_layer("embedding").input_dim
        self.sampled = sampled

    def __call__(self, ids: tf.Tensor, training: bool = True) -> dict[str, tf.Tensor]:
        states = self.features(ids, training=training)
        wanted = targets(ids)
        return {name: self._loss(head, states[name], wanted[name]) for name, head in self.heads.items()}

    def _loss(self, head: keras.layers.Dense, states: tf.Tensor, wanted: tf.Tensor) -> tf.Tensor:
        keep = wanted > 0
        states, wanted = tf.boolean_mask(states, keep), tf.boolean_mask(wanted, keep)
        if self.sampled >= self.vocabulary - 1:  # the full softmax is as cheap
            logits = ops.matmul(states, head.kernel) + head.bias
            losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=wanted, logits=logits)
        else:
            losses = tf.nn.sampled_softmax_loss(
                weights=tf.transpose(head.kernel),
                biases=head.bias,
                labels=tf.expand_dims(wanted, -1),
                inputs=states,
                num_sampled=self.sampled,
                num_classes=self.vocabulary,
            )
        return tf.math.divide_no_nan(tf.reduce_sum(losses), tf.cast(tf.size(losses), losses.dtype))  # 0 if none


def full_losses(model: keras.Model, ids: tf.Tensor) -> dict[str, tuple[tf.Tensor, tf.Tensor]]:
    """The exact (full softmax) loss of each direction summed over the steps that have a target, and their number."""
    logits, wanted = model(ids, training=False), targets(ids)
    found = {}
    for name, scores in logits.items():
        keep = wanted[name] > 0
        losses = tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.boolean_mask(wanted[name], keep), logits=tf.boolean_mask(scores, keep)
        )
        found[name] = (tf.reduce_sum(losses), tf.reduce_sum(tf.cast(keep, "int32")))
    return found
