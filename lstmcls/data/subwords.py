"""Subword ids: each token's character n-grams (fastText's, within `<` `>` word boundaries), hashed into buckets.

A word the vocabulary never saw becomes the one [UNK] id, so the n-grams are taken from the token strings, in the
preprocessor beside the vectorizer: the same standardizer, the same whitespace split and the same window as
`TextVectorization` and `TokenWindow`, so row `i`, step `t` of the subword ids belongs to token id `[i, t]`.
The classifier averages their vectors with the word's (`lstmcls.models.layers.SubwordEmbedding`).

    "where" with n-grams 3 to 4 → <wh, whe, her, ere, re>, <whe, wher, here, ere>

The n-grams are hashed with `tf.strings.to_hash_bucket_fast` (FarmHash), the same in every process and platform,
so a saved or exported model gives an unseen word the same buckets it had in training. Bucket 0 is padding.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import tensorflow as tf


def word_ngrams(words: tf.Tensor, ngrams: tuple[int, int]) -> tf.RaggedTensor:
    """Each word's character n-grams (a ragged row per word), the shortest first, within `<` `>` boundaries."""
    characters = tf.strings.unicode_split(tf.strings.join(["<", words, ">"]), "UTF-8", errors="replace")
    low, high = ngrams
    by_size = [tf.strings.ngrams(characters, size, separator="") for size in range(low, high + 1)]
    return tf.concat(by_size, axis=1) if len(by_size) > 1 else by_size[0]


def subword_ids(tokens: tf.RaggedTensor, ngrams: tuple[int, int], buckets: int) -> tf.RaggedTensor:
    """(texts, tokens) ragged strings → (texts, tokens, n-grams) ragged bucket ids in 1..buckets."""
    grams = word_ngrams(tokens.flat_values, ngrams)
    hashed = tf.strings.to_hash_bucket_fast(grams, buckets) + 1
    return tokens.with_flat_values(tf.cast(hashed, tf.int32))


@keras.saving.register_keras_serializable(package="lstmcls")
class SubwordHashes(keras.layers.Layer):
    """Raw strings → int32 (texts, `length`, `per_word`): each kept token's n-gram buckets, 0 where none.

    Tokens are those of the model's vectorizer (`standardize`, then a whitespace split), cut to `length` as
    `TokenWindow` cuts the ids (`keep`: the first or the last tokens), left-aligned with zero padding.
    """

    def __init__(
        self,
        standardize: Callable[[tf.Tensor], tf.Tensor],
        ngrams: tuple[int, int] = (3, 6),
        buckets: int = 20000,
        per_word: int = 32,
        length: int = 256,
        keep: str = "end",
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if keep not in ("start", "end"):
            raise ValueError(f"keep must be 'start' or 'end', got {keep!r}")
        if isinstance(standardize, dict | str):  # from a saved config: a registered function
            standardize = keras.saving.deserialize_keras_object(standardize)
        self.standardize = standardize
        self.ngrams = (int(ngrams[0]), int(ngrams[1]))
        self.buckets, self.per_word, self.length, self.keep = buckets, per_word, length, keep

    def call(self, texts):
        tokens = tf.strings.split(self.standardize(texts))  # what TextVectorization's whitespace split gives
        kept = tokens[:, : self.length] if self.keep == "start" else tokens[:, -self.length :]
        hashed = subword_ids(kept, self.ngrams, self.buckets)
        return hashed.to_tensor(default_value=0, shape=[None, self.length, self.per_word])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.length, self.per_word)

    def compute_output_spec(self, texts):
        return keras.KerasTensor((texts.shape[0], self.length, self.per_word), dtype="int32")

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "standardize": keras.saving.serialize_keras_object(self.standardize),
            "ngrams": list(self.ngrams),
            "buckets": self.buckets,
            "per_word": self.per_word,
            "length": self.length,
            "keep": self.keep,
        }
