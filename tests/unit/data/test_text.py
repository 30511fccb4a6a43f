"""Text standardisation and the token window that keeps the start or the end of long texts."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from lstmcls.config.schema import VectorizerConfig
from lstmcls.data.text import TokenWindow, build_preprocessor, standardize_reviews


def test_reviews_standardizer_handles_html_case_and_punctuation():
    out = standardize_reviews(tf.constant(["Great FILM!<br /><br />Don't miss it...", "ÉTÉ, chaud"]))
    assert [t.decode().split() for t in out.numpy()] == [["great", "film", "dont", "miss", "it"], ["été", "chaud"]]


@pytest.mark.parametrize(
    ("keep", "expected"),
    [("end", [[3, 4, 5], [7, 8, 0], [0, 0, 0]]), ("start", [[1, 2, 3], [7, 8, 0], [0, 0, 0]])],
)
def test_token_window_keeps_the_chosen_end_and_pads_right(keep, expected):
    ids = tf.constant([[1, 2, 3, 4, 5], [7, 8, 0, 0, 0], [0, 0, 0, 0, 0]], dtype=tf.int64)
    assert TokenWindow(3, keep)(ids).numpy().tolist() == expected


def test_preprocessor_adapts_on_train_only_and_outputs_fixed_length():
    config = VectorizerConfig(max_tokens=10, max_length=4, keep="end")
    pre = build_preprocessor(config, ["alpha beta gamma", "alpha delta"])
    vocabulary = pre.get_layer("vectorizer").get_vocabulary()
    assert vocabulary[:3] == ["", "[UNK]", "alpha"] and "omega" not in vocabulary
    ids = np.asarray(pre(tf.constant(["omega beta beta beta alpha", "alpha"])))
    assert ids.shape == (2, 4)
    assert ids[0].tolist() == [vocabulary.index("beta")] * 3 + [2]  # the end is kept
    assert ids[1].tolist() == [2, 0, 0, 0]


@pytest.mark.parametrize("standardize", ["reviews", "lower", "none"])
def test_vocabulary_with_unicode_separators_survives_save_and_load(standardize, tmp_path):
    texts = ["line\u2028separator", "next\x85line", "no\xa0break space", "soft\xadhyphen", "cr\rhere"]
    pre = build_preprocessor(VectorizerConfig(max_tokens=50, standardize=standardize), texts)
    pre.save(tmp_path / "pre.keras")
    again = keras.saving.load_model(tmp_path / "pre.keras")
    vocabulary = again.get_layer("vectorizer").get_vocabulary()
    assert vocabulary == pre.get_layer("vectorizer").get_vocabulary()
    assert "softhyphen" in vocabulary or "softhyphen" in [v.lower() for v in vocabulary]
