"""`model.pretrained`: a classifier started from a language model run holds exactly its recurrent weights and its
embedding's rows (stepped and fused alike, which then compute the same outputs); a run or network that does not fit
is refused in one line before any run is created."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import keras
import numpy as np
import pytest

from conftest import assert_clean_error, cli, write_config, write_csv
from lstmcls import runs
from lstmcls.config import load_config
from lstmcls.config.schema import ModelConfig
from lstmcls.errors import ConfigError, TrainingInterrupted
from lstmcls.models.factory import build_classifier
from lstmcls.models.layers import is_recurrent
from lstmcls.tools import language_model as lm_pretraining
from lstmcls.tools.pretraining import pretrain
from lstmcls.training.language_model import (
    classifier_recurrent_layers,
    load_language_model,
    start_from_language_model,
)
from lstmcls.training.vectors import embedding_matrix

NETWORK = {"embedding": {"dim": 8}, "units": 8, "cell": "gru", "bidirectional": True, "pooling": "max"}
LM = {"method": "language_model", "epochs": 1, "sampled": 8}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    write_csv(tmp_path / "train.csv", ["neg", "pos"], rows=80, seed=0)
    write_csv(tmp_path / "test.csv", ["neg", "pos"], rows=20, seed=1)
    return tmp_path


def pretrained(data: Path, **network) -> runs.Run:
    """A language model run pretrained for the network NETWORK changed by `network`."""
    config = write_config(data / "lm.yaml", model={**NETWORK, **network}, pretrain=LM)
    return pretrain(load_config(config)).run


def classifier_config(run: runs.Run, **network) -> ModelConfig:
    return ModelConfig(**{**NETWORK, **network, "pretrained": run.path})


def started(run: runs.Run, config: ModelConfig) -> tuple[keras.Model, dict]:
    """A classifier started from `run` as training starts it (its own random head), not trained; the coverage."""
    language_model = load_language_model(config)
    vocabulary = run.load_preprocessor().get_layer("vectorizer").get_vocabulary()
    keras.utils.set_random_seed(7)
    classifier = build_classifier(config, len(vocabulary), 2)
    counts = np.ones(len(vocabulary), dtype=np.int64)
    matrix, coverage = embedding_matrix(language_model.vectors, vocabulary, counts, "reviews", 0)
    classifier.get_layer("embedding").set_weights([matrix])
    start_from_language_model(classifier, language_model, _NoMeta())
    return classifier, coverage


class _NoMeta:
    def update_meta(self, **fields) -> None:
        pass


def language_model_layers(run: runs.Run) -> tuple[keras.Model, list[keras.layers.Layer]]:
    model = run.load_language_model()
    return model, [layer for layer in model.layers if is_recurrent(layer)]


@pytest.mark.parametrize(
    "network",
    [{}, {"cell": "lstm", "bidirectional": False, "layers": 2}, {"cell": "peephole_lstm"}, {"cell": "simple_rnn"}],
    ids=["bigru", "lstm-2-layers", "peephole_lstm", "simple_rnn"],
)
def test_a_classifier_starts_with_the_language_models_weights(data: Path, network: dict):
    run = pretrained(data, **network)
    source, sources = language_model_layers(run)
    classifier, coverage = started(run, classifier_config(run, **network))
    assert coverage["vocabulary_coverage"] == 1.0  # the same training texts: the same vocabulary
    np.testing.assert_array_equal(
        classifier.get_layer("embedding").get_weights()[0][2:], source.get_layer("embedding").get_weights()[0][2:]
    )
    targets = classifier_recurrent_layers(classifier)
    assert len(targets) == len(sources) == network.get("layers", 1)
    for target, layer in zip(targets, sources):
        for mine, theirs in zip(target.get_weights(), layer.get_weights(), strict=True):
            np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("pooling", ["max", "last"])
def test_fused_and_stepped_classifiers_started_from_one_language_model_compute_the_same(data: Path, pooling: str):
    run = pretrained(data)
    stepped, _ = started(run, classifier_config(run, pooling=pooling))
    fused, _ = started(run, classifier_config(run, pooling=pooling, fuse_pooling=True))
    (fused_layer,) = classifier_recurrent_layers(fused)
    _, (source,) = language_model_layers(run)
    for mine, theirs in zip(fused_layer.get_weights(), source.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    fused.get_layer("probabilities").set_weights(stepped.get_layer("probabilities").get_weights())  # their own heads
    ids = run.load_preprocessor()(np.array(["the film was great, yes", "awful plot", "the"]))
    np.testing.assert_allclose(fused(ids).numpy(), stepped(ids).numpy(), rtol=1e-5, atol=1e-6)


# === Refusals: one line, before a run exists ===


def test_a_network_that_differs_from_the_language_models_is_refused(data: Path):
    run = pretrained(data)
    for key, value in [("units", 16), ("cell", "lstm"), ("bidirectional", False), ("layers", 2)]:
        with pytest.raises(ConfigError, match=rf"model.pretrained: run .* model.{key}: .* set model.{key}"):
            load_language_model(classifier_config(run, **{key: value}))
    with pytest.raises(ConfigError, match="model.embedding.dim: 8, but this config has 4"):
        load_language_model(classifier_config(run, embedding={"dim": 4}))


def test_word_vectors_interrupted_and_missing_runs_are_refused(data: Path, monkeypatch):
    vectors = write_config(data / "w2v.yaml", pretrain={"min_count": 1, "epochs": 1, "workers": 1})
    with pytest.raises(ConfigError, match="holds word2vec word vectors, not a language model"):
        load_language_model(classifier_config(pretrain(load_config(vectors)).run))

    @contextlib.contextmanager
    def stopped():  # Ctrl-C during the first batch
        event = threading.Event()
        event.set()
        yield event

    monkeypatch.setattr(lm_pretraining, "stop_requests", stopped)
    with pytest.raises(TrainingInterrupted, match="pretraining interrupted"):
        pretrained(data)
    (interrupted,) = [run for run in runs.list_runs(data / "runs") if run.meta["name"] == "lm"]
    assert interrupted.status == "interrupted" and not interrupted.file(runs.VECTORS).exists()
    with pytest.raises(ConfigError, match=r"model.pretrained: run .* is interrupted"):
        load_language_model(classifier_config(interrupted))
    with pytest.raises(ConfigError, match="model.pretrained: not found"):
        load_language_model(ModelConfig(**NETWORK, pretrained=data / "runs" / "nothing"))


def test_the_command_refuses_in_one_line_and_leaves_no_run(data: Path):
    run = pretrained(data)
    config = write_config(data / "tiny.yaml", model={**NETWORK, "units": 4, "pretrained": str(run.path)})
    before = set((data / "runs").iterdir())
    assert_clean_error(cli("train", str(config)), "model.pretrained", "set model.units: 8")
    both = ["--set", f"model.embedding.pretrained={run.path}", "--set", "model.units=8"]
    assert_clean_error(cli("train", str(config), *both), "drop model.embedding.pretrained")
    assert set((data / "runs").iterdir()) == before


def test_freezing_the_embedding_of_a_language_model_is_allowed():
    config = load_config(None, ["model.pretrained=runs/lm", "model.embedding.unfreeze_after=1"])
    assert config.model.embedding.frozen
    with pytest.raises(ConfigError, match="freezing a random embedding"):
        load_config(None, ["model.embedding.unfreeze_after=1"])
    assert config.model.pretrained.is_absolute() and config.model.pretrained.name == "lm"
