"""A run's model taken apart for explaining: text → tokens → ids, the embedding, and the layers after it.

Attributions are taken with respect to the token embeddings, so the classifier has to run from embeddings
rather than ids: `ModelParts` splits the saved model into its preprocessor (vectorizer and window), its
embedding and the chain of layers after the embedding (a fused recurrent layer expanded into its parts, whose
every step is visible), and `replay` runs that chain. Tokens are what the model saw: the run's standardizer,
a whitespace split (as `TextVectorization` does) and the run's window; `encode` refuses a text the run's
vectorizer splits otherwise.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from lstmcls.data.text import standardizer
from lstmcls.errors import DataError, RunError
from lstmcls.models.fused import separated
from lstmcls.models.layers import AttentionPooling, is_recurrent
from lstmcls.runs.run import Run


@dataclass(frozen=True)
class Encoded:
    ids: np.ndarray  # (texts, max_length) what the classifier reads
    lengths: np.ndarray  # tokens seen per text
    tokens: list[list[str]]  # every token of each text, before the window

    def take(self, rows: list[int]) -> Encoded:
        """These texts, in this order (a text may come more than once)."""
        return Encoded(self.ids[rows], self.lengths[rows], [self.tokens[row] for row in rows])


class ModelParts:
    """A run's model as parts: vectorizer, window, embedding, and the classifier's layers after it."""

    def __init__(self, run: Run) -> None:
        run.require_complete()
        self.run, self.labels, config = run, run.label_names(), run.config()
        if config.model.embedding.subwords is not None:
            raise RunError(
                f"run {run.id} builds word vectors from subwords (model.embedding.subwords), which explain cannot "
                "take apart yet; explain a run trained without them"
            )
        self.decision = run.decision()  # how probabilities become the predicted class or label set
        self.cell, self.standardize = config.model.cell, standardizer(config.vectorizer.standardize)
        model = run.load_model()
        self.preprocessor, self.classifier = model.get_layer("preprocessor"), model.get_layer("classifier")
        self.vectorizer = self.preprocessor.get_layer("vectorizer")
        self.keep = self.preprocessor.get_layer("window").keep
        self.embedding = self.classifier.get_layer("embedding")
        self.chain = separated(self.classifier.layers[self.classifier.layers.index(self.embedding) + 1 :])
        self.attention = any(isinstance(layer, AttentionPooling) for layer in self.chain)
        # the IntegratedGradients `explain` builds on these parts, kept: building one traces its gradient function
        # (seconds), which a second explanation with the same parts (a server's) does not pay again
        self.integrated_gradients: Any = None

    def class_index(self, label: str) -> int:
        if label not in self.labels:
            raise DataError(f"unknown target label {label!r}; run {self.run.id} has labels {', '.join(self.labels)}")
        return self.labels.index(label)

    def encode(self, texts: list[str]) -> Encoded:
        ids = self.preprocessor(tf.constant(texts)).numpy()
        lengths = (ids != 0).sum(axis=1)
        tokens = self._split(texts)
        for number, (row, seen) in enumerate(zip(tokens, lengths), start=1):
            if not seen:
                raise DataError(f"text {number} has no tokens once standardized (punctuation only?); give it words")
            if min(len(row), ids.shape[1]) != seen:
                raise RunError(f"run {self.run.id}: its vectorizer splits text {number} unlike explain; train it again")
        return Encoded(ids, lengths, tokens)

    def word_tokens(self, words: list[list[str]]) -> list[list[list[str]]]:
        """Each typed word's own tokens, standardized in one batch."""
        split = self._split([word for text in words for word in text])
        starts = np.cumsum([0] + [len(text) for text in words])
        return [split[start:end] for start, end in zip(starts[:-1], starts[1:])]

    def _split(self, texts: list[str]) -> list[list[str]]:
        """Standardize and split on whitespace, as the run's TextVectorization does."""
        rows = tf.strings.split(self.standardize(tf.constant(texts, dtype=tf.string))).to_list()
        return [[token.decode(errors="replace") for token in row] for row in rows]


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
        if is_recurrent(layer):
            if tape is not None:
                tape.watch(output)
            recurrent.append((layer, x, output))
        x, mask = output, layer.compute_mask(x, mask)
    return x, attention, recurrent
