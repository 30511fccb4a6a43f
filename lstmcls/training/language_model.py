"""A classifier started from a language model run (`model.pretrained`, docs/language-model.md): its embedding's
rows, word by word, and its recurrent layers' weights.

The run is one `lstmcls pretrain` made with `pretrain.method: language_model` for the same network: the same cell,
units, layers, direction and embedding size (checked, before any run is created). Its recurrent layers are the
classifier's, layer for layer (a bidirectional layer's forward and backward weights alike), so their weights are
copied as they are, into a fused last layer (`model.fuse_pooling`) too: `PooledRecurrent` keeps its weights in an
ordinary Keras layer. The embedding is matched to the classifier's vocabulary word by word as pretrained vectors are
(`lstmcls.training.vectors`): the two vocabularies differ when the classifier's training texts do (another seed's
validation split); a word the language model lacks, and [UNK], start from small random vectors.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import keras
import numpy as np

from lstmcls import runs
from lstmcls.config.pretraining import LANGUAGE_MODEL
from lstmcls.config.schema import ModelConfig
from lstmcls.errors import ConfigError, RunError
from lstmcls.models.fused import separated
from lstmcls.models.language_model import recurrent_layers
from lstmcls.models.layers import is_recurrent
from lstmcls.reporting import progress
from lstmcls.training.vectors import Vectors, read_vectors

log = logging.getLogger("lstmcls")

# The keys of a network that shape its weights: a language model starts only a classifier that agrees on all.
_NETWORK = ("cell", "units", "layers", "bidirectional", "embedding.dim")


@dataclass(frozen=True)
class LanguageModel:
    """What a classifier starts from: the run, its embedding's rows by word, each recurrent layer's weights."""

    run: runs.Run
    vectors: Vectors
    recurrent: list[list[np.ndarray]]  # bottom layer first, as `layer.get_weights()` gives them


def load_language_model(config: ModelConfig) -> LanguageModel | None:
    """The language model `model.pretrained` names (None when it names none), checked against the network.

    Called before a run directory exists, so a wrong run leaves nothing behind.
    """
    if config.pretrained is None:
        return None
    run = _complete_run(config.pretrained)
    trained = run.config()
    method = trained.pretrain.method if trained.pretrain else "word2vec"
    if method != LANGUAGE_MODEL or not run.file(runs.LANGUAGE_MODEL).is_file():
        raise ConfigError(
            f"model.pretrained: run {run.id} holds {method} word vectors, not a language model: name it in "
            "model.embedding.pretrained, or pretrain with pretrain.method: language_model"
        )
    for key in _NETWORK:
        theirs, ours = _value(trained.model, key), _value(config, key)
        if theirs != ours:
            raise ConfigError(
                f"model.pretrained: run {run.id} is a language model with model.{key}: {_yaml(theirs)}, but this "
                f"config has {_yaml(ours)}: set model.{key}: {_yaml(theirs)}, or pretrain a language model for it"
            )
    log.info("starting from language model run %s", run.path)
    with progress.step("reading the language model"):
        model = run.load_language_model()
        vectors = Vectors(read_vectors(run.file(runs.VECTORS), True, True), f"language model run {run.path}")
    return LanguageModel(run, vectors, [layer.get_weights() for layer in recurrent_layers(model)])


def start_from_language_model(classifier: keras.Model, language_model: LanguageModel, run: runs.Run) -> None:
    """Copy the language model's recurrent weights into the classifier's recurrent layers (a fused one included);
    the embedding is set beside, from `language_model.vectors` (`embedding.start_from_vectors`)."""
    layers = classifier_recurrent_layers(classifier)
    if len(layers) != len(language_model.recurrent):  # the config was checked: only a foreign run gets here
        found = len(language_model.recurrent)
        raise RunError(f"run {language_model.run.id} has {found} recurrent layers, not {len(layers)}; pretrain again")
    for layer, weights in zip(layers, language_model.recurrent):
        layer.set_weights(weights)
    run.update_meta(language_model=str(language_model.run.path))


def classifier_recurrent_layers(classifier: keras.Model) -> list[keras.layers.Layer]:
    """A classifier's recurrent layers, bottom first; a fused last layer gives the Keras layer that holds its
    weights."""
    return [layer for layer in separated(classifier.layers) if is_recurrent(layer)]


def _complete_run(path) -> runs.Run:
    run = runs.pretrain_run(path, "model.pretrained")
    if run is None:
        raise ConfigError(
            f"model.pretrained: not found: {path} (give a run made by `lstmcls pretrain` with pretrain.method: "
            "language_model, or runs/NAME for the newest complete pretrain run named NAME)"
        )
    return run


def _value(config: ModelConfig, key: str):
    return config.embedding.dim if key == "embedding.dim" else getattr(config, key)


def _yaml(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
