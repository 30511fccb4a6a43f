"""Pretrained word vectors: every file format, matching to the vocabulary, frozen and unfrozen training, bad input."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import keras
import numpy as np
import pytest

from conftest import assert_clean_error, cli, write_config, write_csv
from lstmcls.config import load_config
from lstmcls.config.schema import EmbeddingConfig
from lstmcls.errors import ConfigError
from lstmcls.training.vectors import embedding_matrix, load_pretrained

FORMATS = ["word2vec_text", "word2vec_binary", "glove", "fasttext_vec"]


def file_vectors(words: list[str], dim: int = 8, seed: int = 7) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {word: rng.normal(0.0, 0.5, dim).astype("float32") for word in words}


def write_vector_file(path: Path, kind: str, vectors: dict[str, np.ndarray]) -> Path:
    """A vector file written by hand in the layout each tool uses (not by gensim, which reads it)."""
    dim = len(next(iter(vectors.values())))
    header = f"{len(vectors)} {dim}\n"
    if kind == "word2vec_binary":
        body = b"".join(
            word.encode() + b" " + struct.pack(f"<{dim}f", *vector) + b"\n" for word, vector in vectors.items()
        )
        path.write_bytes(header.encode() + body)
        return path
    trailing = " " if kind == "fasttext_vec" else ""  # fastText ends each row with a space
    rows = "".join(f"{word} {' '.join(repr(float(v)) for v in vector)}{trailing}\n" for word, vector in vectors.items())
    path.write_text(("" if kind == "glove" else header) + rows, encoding="utf-8")
    return path


# === Reading and matching ===


@pytest.mark.parametrize("kind", FORMATS)
def test_known_words_get_the_file_vectors_and_unknown_words_a_random_fallback(tmp_path: Path, kind: str):
    # "Good" comes first in the file, but the vocabulary's "good" takes the file's exact "good";
    # "great" is only in the file as "Great" (word2vec files keep case; GloVe is lowercase).
    great = "great" if kind == "glove" else "Great"
    vectors = file_vectors(["Good", "good", great, "movie", "zebra"])
    path = write_vector_file(tmp_path / f"vectors.{kind}", kind, vectors)
    vocabulary = ["", "[UNK]", "the", "good", "movie", "great", "boring", "plot"]
    counts = np.array([0, 3, 50, 20, 10, 5, 4, 2])
    loaded = load_pretrained(EmbeddingConfig(dim=8, pretrained=path))
    matrix, coverage = embedding_matrix(loaded, vocabulary, counts, "reviews", seed=42)

    assert matrix.shape == (8, 8) and matrix.dtype == np.float32
    np.testing.assert_array_equal(matrix[3], vectors["good"])
    np.testing.assert_array_equal(matrix[4], vectors["movie"])
    np.testing.assert_array_equal(matrix[5], vectors[great])
    np.testing.assert_array_equal(matrix[0], np.zeros(8))  # padding
    fallback = matrix[[1, 2, 6, 7]]  # [UNK], the, boring, plot
    assert np.all(np.isfinite(fallback)) and np.all(np.abs(fallback).sum(axis=1) > 0)
    assert not any(np.allclose(row, v) for row in fallback for v in vectors.values())
    assert np.abs(fallback).max() < 5 * 0.5  # small: on the found vectors' scale
    again, _ = embedding_matrix(loaded, vocabulary, counts, "reviews", seed=42)
    other, _ = embedding_matrix(loaded, vocabulary, counts, "reviews", seed=43)
    np.testing.assert_array_equal(again, matrix)  # seeded by train.seed
    assert not np.allclose(other[2], matrix[2])

    assert coverage["vocabulary_words"] == 6 and coverage["words_found"] == 3
    assert coverage["words_found_after_standardizing"] == (0 if kind == "glove" else 1)
    assert coverage["vocabulary_coverage"] == pytest.approx(3 / 6, abs=1e-4)
    assert coverage["token_coverage"] == pytest.approx((20 + 10 + 5) / (50 + 20 + 10 + 5 + 4 + 2), abs=1e-4)
    assert coverage["most_frequent_missing"] == ["the", "boring", "plot"]


def test_fallback_is_scaled_to_the_found_vectors(tmp_path: Path):
    vectors = file_vectors([f"w{i}" for i in range(200)])
    path = write_vector_file(tmp_path / "v.txt", "word2vec_text", vectors)
    vocabulary = ["", "[UNK]", *vectors, *(f"x{i}" for i in range(300))]
    matrix, _ = embedding_matrix(
        load_pretrained(EmbeddingConfig(dim=8, pretrained=path)), vocabulary, np.ones(len(vocabulary)), "reviews", 1
    )
    assert float(np.std(matrix[202:])) == pytest.approx(float(np.std(matrix[2:202])), rel=0.15)


# === Training with vectors: frozen, unfrozen, recorded ===


@pytest.fixture
def with_vectors(tmp_path: Path) -> tuple[Path, dict[str, np.ndarray]]:
    """Tiny data and a word2vec file with vectors for a few of its words; returns (config, vectors)."""
    write_csv(tmp_path / "train.csv", ["neg", "pos"], rows=80, seed=0)
    write_csv(tmp_path / "test.csv", ["neg", "pos"], rows=20, seed=1)
    vectors = file_vectors(["good", "bad", "movie", "the", "zebra"])
    path = write_vector_file(tmp_path / "vectors.txt", "word2vec_text", vectors)
    config = write_config(tmp_path / "tiny.yaml", model={"embedding": {"dim": 8, "pretrained": str(path)}})
    return config, vectors


class EmbeddingRecorder(keras.callbacks.Callback):
    """The embedding matrix at the start of training and at the end of every epoch, by epoch number."""

    def __init__(self) -> None:
        super().__init__()
        self.weights: dict[str, np.ndarray] = {}

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self.weights[f"begin{epoch}"] = self.model.get_layer("embedding").get_weights()[0].copy()

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        self.weights[f"end{epoch}"] = self.model.get_layer("embedding").get_weights()[0].copy()


def run_embedding(run: Path) -> tuple[list[str], np.ndarray]:
    from lstmcls.runs.run import Run

    model = Run(run).load_model()
    vocabulary = model.get_layer("preprocessor").get_layer("vectorizer").get_vocabulary()
    return vocabulary, model.get_layer("classifier").get_layer("embedding").get_weights()[0]


@pytest.mark.parametrize("trainable", [False, True])
def test_trainable_false_keeps_the_vectors_through_training(with_vectors, trainable: bool):
    from lstmcls.training.runner import train

    config, vectors = with_vectors
    recorder = EmbeddingRecorder()
    run = train(load_config(config, [f"model.embedding.trainable={str(trainable).lower()}"]), 0, [recorder]).run
    vocabulary, embedding = run_embedding(run.path)
    rows = [vocabulary.index(word) for word in ("good", "bad", "movie", "the")]
    if trainable:  # the control: the same training moves the vectors when allowed to
        assert not np.allclose(embedding[rows], [vectors[w] for w in ("good", "bad", "movie", "the")])
    else:
        np.testing.assert_array_equal(embedding[rows], [vectors[w] for w in ("good", "bad", "movie", "the")])
        np.testing.assert_array_equal(embedding, recorder.weights["begin0"])  # the fallback rows too
    coverage = json.loads((run.path / "run.json").read_text())["pretrained"]
    assert coverage["words_found"] == 4 and coverage["vectors"] == str(with_vectors[0].parent / "vectors.txt")
    assert 0 < coverage["token_coverage"] < 1 and "yes" in coverage["most_frequent_missing"]


def test_unfreeze_after_one_epoch_changes_the_embedding_only_from_the_second(with_vectors):
    from lstmcls.training.runner import train

    config, _ = with_vectors
    recorder = EmbeddingRecorder()
    overrides = ["model.embedding.unfreeze_after=1", "train.epochs=2", "train.patience=null"]
    train(load_config(config, overrides), 0, [recorder])
    weights = recorder.weights
    np.testing.assert_array_equal(weights["end0"], weights["begin0"])
    assert not np.allclose(weights["end1"], weights["end0"])


def test_a_resumed_run_keeps_the_freeze_schedule_by_epoch_number(with_vectors, monkeypatch):
    from lstmcls.errors import TrainingInterrupted
    from lstmcls.training import embedding, runner

    class StopAfterFirstEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs=None) -> None:
            raise TrainingInterrupted("stop")  # after BackupAndRestore saved epoch 1

    config, _ = with_vectors
    overrides = ["model.embedding.unfreeze_after=2", "train.epochs=3", "train.patience=null"]
    with pytest.raises(TrainingInterrupted):
        runner.train(load_config(config, overrides), 0, [StopAfterFirstEpoch()])
    (run,) = (config.parent / "runs").iterdir()
    recorder = EmbeddingRecorder()
    schedule = embedding.freeze_embedding
    monkeypatch.setattr(embedding, "freeze_embedding", lambda model, config: [*schedule(model, config), recorder])
    runner.resume(run, verbose=0)
    assert sorted(recorder.weights) == ["begin1", "begin2", "end1", "end2"]  # resumed at the second epoch
    np.testing.assert_array_equal(recorder.weights["end1"], recorder.weights["begin1"])  # still frozen
    assert not np.allclose(recorder.weights["end2"], recorder.weights["end1"])


# === Bad input: one line, exit code 2, no run left behind ===


def test_freezing_settings_are_checked(tmp_path: Path):
    with pytest.raises(ConfigError, match="drop unfreeze_after or set trainable"):
        load_config(
            None,
            ["model.embedding.pretrained=v.txt", "model.embedding.trainable=false", "model.embedding.unfreeze_after=1"],
        )
    with pytest.raises(ConfigError, match="freezing a random embedding"):
        load_config(None, ["model.embedding.trainable=false"])


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ("10 8\n" + "".join(f"w{i} {' '.join(['0.1'] * 8)}\n" for i in range(3)), ["not a complete vector file"]),
        (f"2 8\ngood {' '.join(['0.1'] * 8)}\nbad 0.1 0.2 0.3\n", ["not a complete vector file"]),
        (f"good {' '.join(['0.1'] * 8)}\nbad 0.1 0.2\n", ["not a complete vector file"]),  # GloVe
        ("text,label\ngood film,pos\n", ["not a vector file"]),
        ("", ["not a vector file"]),
    ],
    ids=["header-says-more-rows", "short-row", "glove-short-row", "a-csv", "empty"],
)
def test_broken_vector_files(with_vectors, content: str, fragments: list[str]):
    config, _ = with_vectors
    path = config.parent / "vectors.txt"
    path.write_text(content, encoding="utf-8")
    assert_clean_error(cli("train", str(config)), str(path), *fragments)
    assert not (config.parent / "runs").exists()


def test_truncated_binary_file(with_vectors):
    config, vectors = with_vectors
    path = write_vector_file(config.parent / "vectors.bin", "word2vec_binary", vectors)
    path.write_bytes(path.read_bytes()[:-20])
    result = cli("train", str(config), "--set", f"model.embedding.pretrained={path}")
    assert_clean_error(result, "not a complete vector file")


def test_missing_file_and_wrong_dimension(with_vectors):
    config, _ = with_vectors
    missing = config.parent / "nope.vec"
    result = cli("train", str(config), "--set", f"model.embedding.pretrained={missing}")
    assert_clean_error(result, "model.embedding.pretrained: not found", str(missing))
    result = cli("train", str(config), "--set", "model.embedding.dim=16", "--set", "model.units=4")
    assert_clean_error(result, "8-dimensional vectors", "set model.embedding.dim: 8", "use 16-dimensional vectors")
    assert not (config.parent / "runs").exists()


def test_a_run_that_is_not_a_finished_pretrain_run_is_refused(with_vectors, trained: Path):
    config, _ = with_vectors
    result = cli("train", str(config), "--set", f"model.embedding.pretrained={trained}")
    assert_clean_error(result, "model.embedding.pretrained", "is a classifier run, not a pretrain run")
    unfinished = config.parent / "unfinished"
    unfinished.mkdir()
    (unfinished / "run.json").write_text('{"kind": "pretrain", "status": "failed", "error": "MemoryError: "}')
    result = cli("train", str(config), "--set", f"model.embedding.pretrained={unfinished}")
    assert_clean_error(result, "is failed", "pretrain again")
    assert not (config.parent / "runs").exists()
