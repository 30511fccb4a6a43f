"""The IMDB pretraining config is ready to run on the shared IMDB data."""

from __future__ import annotations

from pathlib import Path

from conftest import ROOT


def test_imdb_pretrain_config_is_ready(imdb_data_dir: Path):
    """configs/imdb_w2v.yaml reads the unsupervised split (only its loading is checked here, not the training)."""
    from lstmcls.config import load_config
    from lstmcls.tools.pretraining import _unlabelled

    config = load_config(ROOT / "configs" / "imdb_w2v.yaml")
    texts = _unlabelled(config, config.pretrain)
    assert len(texts.texts) == 50_000 and texts.origin == "imdb_reviews[unsupervised]"
