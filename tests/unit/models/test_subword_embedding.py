"""Subword features in the model: the word's and its n-grams' mean, and what it gives an unseen word once trained."""

import csv
import random
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from conftest import FILLER, write_config
from lstmcls.config import load_config
from lstmcls.config.schema import ModelConfig
from lstmcls.data.splits import SUBWORD_IDS, TOKEN_IDS
from lstmcls.models.factory import build_classifier
from lstmcls.models.layers import SubwordEmbedding
from lstmcls.training.runner import train


def test_a_known_word_averages_with_its_ngrams_an_unseen_one_has_its_ngrams_alone():
    layer = SubwordEmbedding(buckets=4, dim=2)
    words = np.array([[[1.0, 1.0], [5.0, 5.0], [7.0, 7.0], [9.0, 9.0]]], dtype="float32")
    ids = np.array([[2, 1, 1, 0]])  # a known word, two unseen ones ([UNK]), padding
    buckets = np.array([[[1, 2, 0], [3, 0, 0], [0, 0, 0], [0, 0, 0]]])  # the second unseen word has no n-gram
    layer.build(None)
    layer.table.assign(np.array([[0, 0], [2, 2], [6, 6], [4, 4], [8, 8]], dtype="float32"))
    vectors = layer([words, ids, buckets]).numpy()[0]
    np.testing.assert_allclose(vectors[:3], [[3, 3], [4, 4], [7, 7]])  # (1 + 2 + 6) / 3; 4 alone; [UNK]'s
    assert layer.compute_mask([words, ids, buckets]).numpy().tolist() == [[True, True, True, False]]


def test_padding_changes_no_prediction_of_a_subword_classifier():
    config = ModelConfig(units=4, embedding={"dim": 4, "subwords": {"buckets": 20, "per_word": 3}})
    model = build_classifier(config, 10, 3)
    ids, buckets = np.array([[4, 1, 7]]), np.array([[[3, 9, 0], [5, 6, 7], [1, 0, 0]]])
    padded = {TOKEN_IDS: np.pad(ids, [[0, 0], [0, 4]]), SUBWORD_IDS: np.pad(buckets, [[0, 0], [0, 4], [0, 0]])}
    np.testing.assert_allclose(
        model({TOKEN_IDS: ids, SUBWORD_IDS: buckets}).numpy(), model(padded).numpy(), rtol=1e-5, atol=1e-6
    )


def write_playing_data(path: Path, rows: int = 60) -> Path:
    """ "playing" gives a text away as pos, "sleeping" as neg."""
    rng = random.Random(0)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for i in range(rows):
            words = [rng.choice(FILLER) for _ in range(rng.randint(2, 5))]
            words.insert(rng.randint(0, len(words)), "playing" if i % 2 else "sleeping")
            writer.writerow([" ".join(words), "pos" if i % 2 else "neg"])
    return path


def test_subwords_change_the_vector_of_an_unseen_word_that_shares_ngrams_with_a_known_one(tmp_path: Path):
    write_playing_data(tmp_path / "train.csv")
    model = {"embedding": {"dim": 16, "subwords": {"ngrams": [3, 6], "buckets": 2000}}, "units": 8}
    config = write_config(tmp_path / "sub.yaml", model=model, train={"epochs": 2}, data={"test": None})
    run = train(load_config(config), verbose=0).run
    saved = run.load_model()
    preprocessor, classifier = saved.get_layer("preprocessor"), saved.get_layer("classifier")
    vectors = keras.Model(classifier.inputs, classifier.get_layer("subword_embedding").output)
    vocabulary = preprocessor.get_layer("vectorizer").get_vocabulary()
    assert "playing" in vocabulary and "playings" not in vocabulary and "zqxvk" not in vocabulary

    features = preprocessor(tf.constant(["playing", "playings", "zqxvk"]))
    assert features[TOKEN_IDS].numpy()[1:, 0].tolist() == [1, 1]  # both unseen: the one [UNK] id
    playing, playings, unrelated = vectors(features).numpy()[:, 0]
    unknown = classifier.get_layer("embedding").embeddings.numpy()[1]  # what both get without subwords

    assert not np.allclose(playings, unknown) and not np.allclose(playings, unrelated)
    # 18 of its 26 n-grams are playing's, which training moved together (0.9997 against 0.44 when written)
    assert cosine(playings, playing) > max(cosine(unrelated, playing), cosine(unknown, playing)) + 0.3


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
