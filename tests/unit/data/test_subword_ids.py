"""Subword ids: fastText's character n-grams, hashed, aligned with the token ids through the window and batches."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from lstmcls.config.schema import SubwordConfig, VectorizerConfig
from lstmcls.data.splits import SUBWORD_IDS, TOKEN_IDS, to_dataset
from lstmcls.data.subwords import word_ngrams
from lstmcls.data.text import build_preprocessor

TRAIN = ["alpha beta gamma", "alpha delta"]


def test_ngrams_are_fasttexts_within_word_boundaries_shortest_first():
    grams = word_ngrams(tf.constant(["where", "a"]), (3, 4)).to_list()
    where = ["<wh", "whe", "her", "ere", "re>", "<whe", "wher", "here", "ere>"]
    assert grams == [[gram.encode() for gram in where], [b"<a>"]]


@pytest.mark.parametrize("keep", ["start", "end"])
def test_each_step_holds_its_tokens_ngrams_and_padding_holds_none(keep: str):
    subwords = SubwordConfig(ngrams=(3, 3), buckets=1000, per_word=8)
    preprocessor = build_preprocessor(VectorizerConfig(max_length=3, keep=keep), TRAIN, subwords)
    features = preprocessor(tf.constant(["Omega BETA beta!", "alpha", "the unseen words go on"]))
    ids, buckets = features[TOKEN_IDS].numpy(), features[SUBWORD_IDS].numpy()
    assert buckets.shape == (3, 3, 8) and buckets.dtype == np.int32
    words = tf.constant(["omega", "beta", "alpha", "unseen", "words", "go", "on", "the"])
    alone = build_preprocessor(VectorizerConfig(max_length=1), TRAIN, subwords)(words)[SUBWORD_IDS].numpy()[:, 0]
    kept = [
        ["omega", "beta", "beta"],
        ["alpha"],
        ["the", "unseen", "words"] if keep == "start" else ["words", "go", "on"],
    ]
    for row, tokens in enumerate(kept):
        for step, token in enumerate(tokens):  # the same buckets as the word alone: aligned with its token id
            np.testing.assert_array_equal(buckets[row, step], alone[[w.decode() for w in words.numpy()].index(token)])
        assert np.count_nonzero(ids[row]) == len(tokens) and not buckets[row, len(tokens) :].any()
    assert (buckets[ids != 0][:, 0] > 0).all()  # every token has n-grams, in 1..buckets
    assert buckets.max() <= 1000


def test_a_long_word_keeps_its_shortest_ngrams():
    subwords = SubwordConfig(ngrams=(3, 6), buckets=50, per_word=4)
    features = build_preprocessor(VectorizerConfig(max_length=2), TRAIN, subwords)(tf.constant(["abcdefghij"]))
    grams = word_ngrams(tf.constant(["abcdefghij"]), (3, 3)).to_list()[0][:4]
    expected = (tf.strings.to_hash_bucket_fast(grams, 50) + 1).numpy()
    np.testing.assert_array_equal(features[SUBWORD_IDS].numpy()[0, 0], expected)


def test_subword_preprocessor_survives_save_and_load(tmp_path):
    preprocessor = build_preprocessor(VectorizerConfig(max_length=4), TRAIN, SubwordConfig(buckets=100))
    preprocessor.save(tmp_path / "pre.keras")
    again = keras.saving.load_model(tmp_path / "pre.keras")
    texts = tf.constant(["alphas betas unseen", ""])
    for name in (TOKEN_IDS, SUBWORD_IDS):
        np.testing.assert_array_equal(again(texts)[name].numpy(), preprocessor(texts)[name].numpy())


def test_bucketed_batches_keep_subwords_with_their_token_ids():
    rng = np.random.default_rng(0)
    ids = np.zeros((200, 16), dtype=np.int64)
    for row, length in enumerate(rng.integers(0, 17, 200)):
        ids[row, :length] = rng.integers(1, 50, length)
    buckets = np.repeat(ids[:, :, None], 3, axis=2).astype(np.int32) * [1, 2, 0]  # derived from the id: checkable
    labels = np.arange(200)
    batches = list(to_dataset({TOKEN_IDS: ids, SUBWORD_IDS: buckets}, labels, 16, shuffle_seed=1, buckets=4))
    assert sorted(np.concatenate([y.numpy() for _, y in batches])) == list(range(200))
    for x, y in batches:
        assert x[SUBWORD_IDS].shape[1] == x[TOKEN_IDS].shape[1] < 17
        np.testing.assert_array_equal(x[SUBWORD_IDS].numpy(), x[TOKEN_IDS].numpy()[:, :, None] * [1, 2, 0])
        for row, label in zip(x[TOKEN_IDS].numpy(), y.numpy()):
            np.testing.assert_array_equal(row[row != 0], ids[label][ids[label] != 0])
