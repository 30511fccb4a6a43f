"""Text to token ids: standardisation for real-world text and the vectorizer that lives inside the model."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import keras
import tensorflow as tf
from keras import ops

from lstmcls.components import STANDARDIZERS
from lstmcls.data.splits import SUBWORD_IDS, TOKEN_IDS
from lstmcls.data.subwords import SubwordHashes

if TYPE_CHECKING:
    from lstmcls.config.schema import SubwordConfig, VectorizerConfig

# The `standardize` argument of TextVectorization, attached to the names in `lstmcls.components`. Every
# standardizer turns Unicode spaces and control characters into plain spaces: a token holding a line separator
# (IMDB has some) would break the one-token-per-line vocabulary file that a saved model reloads.


def _register(name: str):
    def decorator(function):
        return STANDARDIZERS.builds(name)(keras.saving.register_keras_serializable(package="lstmcls")(function))

    return decorator


def _plain_spaces(texts: tf.Tensor) -> tf.Tensor:
    texts = tf.strings.regex_replace(texts, r"\p{Cf}", "")
    return tf.strings.regex_replace(texts, r"[\p{Z}\p{Cc}]", " ")


@_register("reviews")
def standardize_reviews(texts: tf.Tensor) -> tf.Tensor:
    """Lowercase (Unicode-aware); HTML tags such as IMDB's `<br />` and punctuation become spaces.

    Apostrophes are dropped rather than split on, so "don't" stays one token ("dont").
    """
    texts = standardize_lower(texts)
    texts = tf.strings.regex_replace(texts, r"<[^>]*>", " ")
    texts = tf.strings.regex_replace(texts, r"['’]", "")
    return tf.strings.regex_replace(texts, r"[[:punct:]]", " ")


@_register("lower")
def standardize_lower(texts: tf.Tensor) -> tf.Tensor:
    """Lowercase only; punctuation stays attached to words."""
    return tf.strings.lower(_plain_spaces(texts), encoding="utf-8")


@_register("none")
def standardize_none(texts: tf.Tensor) -> tf.Tensor:
    """Keep the text as it is (only Unicode spaces become plain ones)."""
    return _plain_spaces(texts)


def standardizer(name: str) -> Callable[[tf.Tensor], tf.Tensor]:
    """The TensorFlow function behind a `vectorizer.standardize` name."""
    return STANDARDIZERS.builder(name)


def standardize_texts(texts: list[str], standardize: str, batch_size: int = 2048) -> list[str]:
    """Texts as the vectorizer sees them before it splits on whitespace (the configured standardizer)."""
    function = standardizer(standardize)
    found: list[str] = []
    for start in range(0, len(texts), batch_size):
        batch = tf.constant(texts[start : start + batch_size], dtype=tf.string)
        found += [text.decode("utf-8") for text in function(batch).numpy()]
    return found


def tokenize(texts: list[str], standardize: str) -> list[list[str]]:
    """Tokens exactly as the vectorizer sees them: the configured standardizer, then a whitespace split."""
    return [text.split() for text in standardize_texts(texts, standardize)]


def build_preprocessor(
    config: VectorizerConfig, train_texts: list[str], subwords: SubwordConfig | None = None
) -> keras.Model:
    """A model from raw strings to `max_length` token ids, its vocabulary adapted on `train_texts` only.

    With `subwords` (`model.embedding.subwords`) it gives a dict instead: the token ids (`token_ids`) and each
    token's n-gram buckets (`subword_ids`, `lstmcls.data.subwords`), aligned step by step.
    """
    vectorizer = keras.layers.TextVectorization(
        max_tokens=config.max_tokens,
        standardize=standardizer(config.standardize),
        output_mode="int",
        name="vectorizer",
    )
    vectorizer.adapt(tf.data.Dataset.from_tensor_slices(tf.constant(train_texts, dtype=tf.string)).batch(1024))
    text = keras.Input(shape=(), dtype="string", name="text")
    ids = TokenWindow(config.max_length, config.keep, name="window")(vectorizer(text))
    if subwords is None:
        return keras.Model(text, ids, name="preprocessor")
    hashes = SubwordHashes(
        standardizer(config.standardize),
        subwords.ngrams,
        subwords.buckets,
        subwords.per_word,
        config.max_length,
        config.keep,
        name="subword_hashes",
    )
    return keras.Model(text, {TOKEN_IDS: ids, SUBWORD_IDS: hashes(text)}, name="preprocessor")


@keras.saving.register_keras_serializable(package="lstmcls")
class TokenWindow(keras.layers.Layer):
    """Cut or pad token ids to `length`, keeping the start or the end of each text.

    `TextVectorization` can only keep the start; on reviews the end (the verdict) matters more.
    Tokens stay left-aligned with zero padding on the right, which masking and cuDNN expect.
    """

    def __init__(self, length: int, keep: str = "end", **kwargs) -> None:
        super().__init__(**kwargs)
        if keep not in ("start", "end"):
            raise ValueError(f"keep must be 'start' or 'end', got {keep!r}")
        self.length = length
        self.keep = keep

    def call(self, ids):
        ids = ops.pad(ids, [[0, 0], [0, self.length]])
        if self.keep == "start":
            return ids[:, : self.length]
        lengths = ops.sum(ops.cast(ops.not_equal(ids, 0), "int32"), axis=1)
        first = ops.maximum(lengths - self.length, 0)
        positions = ops.expand_dims(first, 1) + ops.expand_dims(ops.arange(self.length, dtype="int32"), 0)
        return ops.take_along_axis(ids, ops.cast(positions, ids.dtype), axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.length)

    def get_config(self) -> dict:
        return {**super().get_config(), "length": self.length, "keep": self.keep}
