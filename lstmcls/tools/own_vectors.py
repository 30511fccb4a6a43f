"""`model.embedding.pretrained: own`: word vectors pretrained on the config's own training texts (and its
`pretrain.unlabelled` text) as the first stage of training, or found again when a pretrain run made from the same
inputs is in the runs directory.

Training may not import the tools, so `own` is resolved here, above both: `lstmcls train`, `lstmcls.train` and
`tune` (so `autotune` too) turn it into the pretrain run's path before training starts. Training then sees an
ordinary pretrain run, and the run's config.yaml names it: a resume, or a new run of that config, reads the same
vectors.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lstmcls.config.schema import OWN_VECTORS, Config, PretrainConfig
from lstmcls.tools.pretraining import pretrain

if TYPE_CHECKING:
    import keras

    from lstmcls.tracking import Tracking
    from lstmcls.training.runner import TrainResult

log = logging.getLogger("lstmcls")

SUFFIX = "-vectors"  # a pretrain run made for `own` is named after the training config's run: NAME-vectors


def with_own_vectors(config: Config) -> Config:
    """The config with `pretrained: own` replaced by the pretrain run made for it (found, or pretrained now on the
    training texts and `pretrain.unlabelled` with the `pretrain:` settings); any other config as it is."""
    if config.model.embedding.pretrained != OWN_VECTORS:
        return config
    name = (config.run.name or "run") + SUFFIX
    vectors = config.model_copy(
        update={"pretrain": config.pretrain or PretrainConfig(), "run": config.run.model_copy(update={"name": name})}
    )
    result = pretrain(vectors, reuse=True)
    log.info("word vectors from pretrain run %s (%s)", result.run.path, "reused" if result.reused else "new")
    embedding = config.model.embedding.model_copy(update={"pretrained": result.run.path.absolute()})
    return config.model_copy(update={"model": config.model.model_copy(update={"embedding": embedding})})


def train(
    config: Config,
    verbose: int | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    tracking: Tracking | None = None,
    also_monitored: dict[str, str] | None = None,
) -> TrainResult:
    """`lstmcls.training.runner.train` after `with_own_vectors`: what `lstmcls train` and `lstmcls.train` run."""
    from lstmcls.training.runner import train as train_run

    return train_run(with_own_vectors(config), verbose, list(callbacks), tracking, also_monitored)
