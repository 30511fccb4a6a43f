"""The component tables: every name a config may use has its builder attached, and registries answer unknown
names with a "did you mean"."""

import importlib

import pytest

from lstmcls.components import CELLS, POOLINGS, STANDARDIZERS, STRATEGIES, cudnn_blockers, fusion_blockers
from lstmcls.config.schema import ModelConfig
from lstmcls.registry import Registry

# Where each table's builders live: importing the module attaches them.
BUILDERS = {
    "cells": (CELLS, "lstmcls.models.factory"),
    "poolings": (POOLINGS, "lstmcls.models.factory"),
    "standardizers": (STANDARDIZERS, "lstmcls.data.text"),
    "strategies": (STRATEGIES, "lstmcls.training.distribute"),
}


@pytest.mark.parametrize("table", BUILDERS)
def test_every_entry_has_a_builder(table: str):
    registry, module = BUILDERS[table]
    importlib.import_module(module)
    for name in registry.names():
        assert callable(registry.builder(name)), f"{table}: {name!r} has no builder"


def test_unknown_names_get_a_did_you_mean():
    with pytest.raises(ValueError, match="unknown cell 'lstn'; did you mean 'lstm'\\? known: gru, lstm"):
        CELLS.check("lstn")


def test_a_builder_needs_a_registered_name_and_only_one():
    registry: Registry[str] = Registry("widget")
    registry.register("round")("a round widget")
    with pytest.raises(ValueError, match="unknown widget 'square'"):
        registry.builds("square")(lambda: None)
    registry.builds("round")(lambda: "built")
    assert registry.builder("round")() == "built"
    with pytest.raises(ValueError, match="already has a builder"):
        registry.builds("round")(lambda: None)
    registry.register("flat")("a flat widget")
    with pytest.raises(LookupError, match="no builder is attached"):
        registry.builder("flat")


def test_blockers_name_each_key_to_change():
    assert fusion_blockers(ModelConfig(cell="gru", pooling="max")) == []
    reasons = fusion_blockers(ModelConfig(cell="peephole_lstm", pooling="mean", recurrent_dropout=0.1))
    assert [reason.split(" ")[0] for reason in reasons] == ["model.cell", "model.pooling", "model.recurrent_dropout"]
    assert cudnn_blockers(ModelConfig(cell="lstm")) == []
    assert cudnn_blockers(ModelConfig(cell="simple_rnn", activation="relu")) == []  # no cuDNN kernel to lose
