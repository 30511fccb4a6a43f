"""`lstmcls pretrain` on a tiny corpus, and a classifier trained from its run: train → eval → export → serve."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import FILLER, WORDS, assert_clean_error, cli, write_config, write_csv
from lstmcls.config.schema import EmbeddingConfig
from lstmcls.data.readers import read_texts
from lstmcls.errors import DataError
from lstmcls.training.vectors import load_pretrained


def write_unlabelled(path: Path, lines: int = 200, seed: int = 3) -> Path:
    """Unlabelled reviews in the labelled data's words, with punctuation and HTML the vectorizer strips."""
    rng = random.Random(seed)
    words = FILLER + [word for group in WORDS.values() for word in group]
    texts = (" ".join(rng.choice(words) for _ in range(rng.randint(4, 14))) + ". Really!<br />" for _ in range(lines))
    path.write_text("\n".join(texts) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Tiny labelled data, an unlabelled text file and a config with a pretrain block; returns the config."""
    write_csv(tmp_path / "train.csv", ["neg", "pos"], rows=80, seed=0)
    write_csv(tmp_path / "test.csv", ["neg", "pos"], rows=20, seed=1)
    unlabelled = write_unlabelled(tmp_path / "unlabelled.txt")
    pretrain = {"min_count": 1, "epochs": 2, "workers": 1, "unlabelled": str(unlabelled), "sg": True}
    return write_config(tmp_path / "w2v.yaml", pretrain=pretrain)


def test_pretrain_then_train_eval_export_from_its_run(corpus: Path, tmp_path: Path):
    import tensorflow as tf

    result = cli("pretrain", str(corpus), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    run = Path(report["run"])
    meta = json.loads((run / "run.json").read_text())
    assert meta["kind"] == "pretrain" and meta["status"] == "complete" and meta["data"]["unlabelled"].startswith("sha")
    assert yaml.safe_load((run / "config.yaml").read_text())["pretrain"]["dim"] == 8  # from model.embedding.dim
    assert report["corpus"]["texts"] == 72 + 200 and report["corpus"]["unlabelled_texts"] == 200
    vocabulary = [line.split("\t")[0] for line in (run / "vocabulary.tsv").read_text().splitlines()]
    assert "really" in vocabulary and "yes" in vocabulary  # the vectorizer's tokens: lowercased, punctuation gone
    assert not {"Really!", "really!", "yes!", "<br", "/>"} & set(vocabulary)
    neighbours = json.loads((run / "neighbours.json").read_text())
    assert neighbours and all(len(nearest) == 8 for nearest in neighbours.values())

    runs_dir = tmp_path / "runs"
    assert_clean_error(cli("eval", "--runs-dir", str(runs_dir)), "no complete run")  # a pretrain run is no classifier
    for command in (["eval", "--run"], ["predict", "x", "--run"], ["export", "--run"], ["explain", "x", "--run"]):
        assert_clean_error(cli(*command, str(run)), "is a pretrain run, not a classifier run")
    assert_clean_error(cli("train", "--resume", str(run)), "is a pretrain run")

    config = write_config(tmp_path / "tiny.yaml", model={"embedding": {"dim": 8, "pretrained": str(run)}})
    trained = cli("train", str(config), "--json")
    assert trained.exit_code == 0, trained.output
    classifier = Path(json.loads(trained.stdout)["run"])
    coverage = json.loads((classifier / "run.json").read_text())["pretrained"]
    # Every vocabulary word occurs in the pretraining corpus: all of them match exactly iff tokenisation agrees.
    assert coverage["vocabulary_coverage"] == 1.0 and coverage["words_found_after_standardizing"] == 0
    assert coverage["vectors"] == f"pretrain run {run}"
    named = load_pretrained(EmbeddingConfig(dim=8, pretrained=runs_dir / meta["name"]))  # runs/NAME: the newest
    assert named.origin == f"pretrain run {run}"

    evaluation = cli("eval", "--runs-dir", str(runs_dir), "--json")
    assert evaluation.exit_code == 0 and json.loads(evaluation.stdout)["examples"] == 20
    listing = cli("runs", "--runs-dir", str(runs_dir), "--json")
    assert sorted(row["kind"] for row in json.loads(listing.stdout)) == ["classifier", "pretrain"]
    assert "pretrain" in cli("runs", "--runs-dir", str(runs_dir)).stdout
    shown = cli("show", str(run)).stdout
    assert shown.startswith("pretrain run") and "word vectors from" in shown and "vectors.bin" in shown

    out = tmp_path / "exported"
    assert cli("export", "--run", str(classifier), "--out", str(out)).exit_code == 0
    served = tf.saved_model.load(str(out)).signatures["serving_default"](
        texts=tf.constant(["a great superb film", "awful boring plot"])
    )
    probabilities = served["probabilities"].numpy()
    assert probabilities.shape == (2, 2) and np.allclose(probabilities.sum(axis=1), 1.0)
    assert set(served["label"].numpy().astype(str)) <= {"neg", "pos"}


def test_pretrain_fasttext_without_unlabelled_text_is_reproducible_with_one_worker(corpus: Path):
    options = ["--set", "pretrain.method=fasttext", "--set", "pretrain.unlabelled=null"]
    for _ in range(2):
        result = cli("pretrain", str(corpus), *options)
        assert result.exit_code == 0, result.output
    assert "next: set model.embedding.pretrained:" in result.stdout
    first, second = sorted((corpus.parent / "runs").iterdir())
    assert json.loads((first / "metrics.json").read_text())["corpus"]["unlabelled_texts"] == 0
    assert (first / "vectors.bin").read_bytes() == (second / "vectors.bin").read_bytes()


def test_pretrain_bad_input_leaves_no_run(corpus: Path):
    missing = corpus.parent / "nope.txt"
    assert_clean_error(cli("pretrain", str(corpus), "--set", f"pretrain.unlabelled={missing}"), "not found", "nope")
    result = cli("pretrain", str(corpus), "--set", "pretrain.min_count=100000")
    assert_clean_error(result, "lower pretrain.min_count")
    assert_clean_error(cli("pretrain", str(corpus), "--set", "pretrain.method=glove"), "pretrain.method")
    assert_clean_error(cli("pretrain", str(corpus), "--set", "pretrain.windw=3"), "did you mean 'window'")
    assert not (corpus.parent / "runs").exists()


def test_unlabelled_csv_reads_its_text_column(tmp_path: Path):
    path = write_csv(tmp_path / "more.csv.gz", ["neg", "pos"], rows=6, text="review")
    texts = read_texts(path, "review")
    assert len(texts.texts) == 6 and texts.fingerprint.startswith("sha256:") and texts.texts[0].endswith("<br />")
    with pytest.raises(DataError, match="no column 'text'.*set pretrain.text_column"):
        read_texts(path, "text")
