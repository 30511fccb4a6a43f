"""Text to token ids: standardisation for real-world text and the vectorizer that lives inside the model."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import keras
import tensorflow as tf

from lstmcls.layers import TokenWindow
from lstmcls.registry import Registry

if TYPE_CHECKING:
    from lstmcls.config import VectorizerConfig

# The `standardize` argument of TextVectorization: a registered function, a Keras built-in name, or None.
STANDARDIZERS: Registry[Callable | str | None] = Registry("standardizer")


@STANDARDIZERS.register("reviews")
@keras.saving.register_keras_serializable(package="lstmcls")
def standardize_reviews(texts: tf.Tensor) -> tf.Tensor:
    """Lowercase (Unicode-aware); HTML tags such as IMDB's `<br />` and punctuation become spaces.

    Apostrophes are dropped rather than split on, so "don't" stays one token ("dont").
    """
    texts = tf.strings.lower(texts, encoding="utf-8")
    texts = tf.strings.regex_replace(texts, r"<[^>]*>", " ")
    texts = tf.strings.regex_replace(texts, r"['’]", "")
    return tf.strings.regex_replace(texts, r"[[:punct:]]", " ")


STANDARDIZERS.register("lower_and_strip_punctuation")("lower_and_strip_punctuation")
STANDARDIZERS.register("lower")("lower")
STANDARDIZERS.register("none")(None)


def build_preprocessor(config: VectorizerConfig, train_texts: list[str]) -> keras.Model:
    """A model from raw strings to `max_length` token ids, its vocabulary adapted on `train_texts` only."""
    vectorizer = keras.layers.TextVectorization(
        max_tokens=config.max_tokens,
        standardize=STANDARDIZERS.get(config.standardize),
        output_mode="int",
        name="vectorizer",
    )
    vectorizer.adapt(tf.data.Dataset.from_tensor_slices(tf.constant(train_texts, dtype=tf.string)).batch(1024))
    text = keras.Input(shape=(), dtype="string", name="text")
    ids = TokenWindow(config.max_length, config.keep, name="window")(vectorizer(text))
    return keras.Model(text, ids, name="preprocessor")
