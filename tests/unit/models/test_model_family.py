"""Every cell × pooling, bidirectional and two layers deep: padding never changes a prediction; cuDNN warnings."""

import itertools
import logging

import numpy as np
import pytest

from lstmcls.components import CELLS, POOLINGS
from lstmcls.config.schema import ModelConfig
from lstmcls.models.factory import build_classifier


@pytest.mark.parametrize(("cell", "pooling"), list(itertools.product(CELLS.names(), POOLINGS.names())))
def test_padding_never_changes_a_prediction(cell, pooling):
    embedding = {"dim": 8, "dropout": 0.2}  # spatial dropout passes the mask on
    config = ModelConfig(
        cell=cell, pooling=pooling, units=4, layers=2, bidirectional=True, head=[4], embedding=embedding
    )
    model = build_classifier(config, 30, 3)
    ids = np.array([[5, 9, 2, 0, 0], [7, 3, 3, 8, 1]])
    padded = np.pad(ids, [(0, 0), (0, 6)])
    np.testing.assert_allclose(model(ids, training=False), model(padded, training=False), atol=1e-6)


def test_cudnn_warning_only_when_the_config_breaks_its_conditions(caplog):
    with caplog.at_level(logging.WARNING, logger="lstmcls"):
        build_classifier(ModelConfig(cell="lstm"), 20, 2)
        build_classifier(ModelConfig(cell="gru", recurrent_dropout=0.1), 20, 2)
    assert not [r for r in caplog.records if "cuDNN" in r.message and "lstm" in r.message]
    assert any("cuDNN" in r.message and "recurrent_dropout" in r.message for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="lstmcls"):
        build_classifier(ModelConfig(cell="lstm", activation="relu"), 20, 2)
    (record,) = [r for r in caplog.records if "cuDNN" in r.message]
    assert "model.activation is 'relu'" in record.message
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="lstmcls"):
        build_classifier(ModelConfig(cell="gru", pooling="max", fuse_pooling=True), 20, 2)
    (record,) = [r for r in caplog.records if "cuDNN" in r.message]
    assert "model.fuse_pooling is true" in record.message
