"""The same-work reference (scripts/plain_keras.py) builds the network lstmcls builds, in Keras's own layers."""

import sys

import numpy as np
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))

import plain_keras  # noqa: E402

from lstmcls.config import load_config  # noqa: E402
from lstmcls.models.factory import build_classifier  # noqa: E402


@pytest.mark.parametrize("fused", [False, True])
def test_the_reference_computes_what_lstmcls_computes_for_configs_imdb_yaml(fused: bool):
    """With the same weights, the reference and lstmcls's model (its Keras layers, or its fused loop) give the same
    probabilities on padded ids: the reference differs only in how fast it runs."""
    overrides = ["model.embedding.dim=8", "model.units=4", f"model.fuse_pooling={str(fused).lower()}"]
    config = load_config(ROOT / "configs" / "imdb.yaml", overrides)
    reference = plain_keras.network(config, vocabulary_size=50)
    lstmcls = build_classifier(config.model, vocab_size=50, num_classes=2)
    assert reference.count_params() == lstmcls.count_params()
    reference.set_weights(lstmcls.get_weights())
    ids = np.random.default_rng(0).integers(1, 50, size=(4, 12))
    ids[0, 5:] = 0  # padding, masked on both sides
    ids[1, 9:] = 0
    np.testing.assert_allclose(reference.predict(ids, verbose=0), lstmcls.predict(ids, verbose=0), atol=1e-5)


def test_the_reference_refuses_what_it_does_not_build():
    config = load_config(ROOT / "configs" / "imdb_bilstm.yaml")  # a head of Dense layers
    with pytest.raises(SystemExit, match="model.head"):
        plain_keras.supported(config)
