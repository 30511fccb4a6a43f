"""The classifier's embedding at the start of training: pretrained vectors in it, and whether (or when) it trains.

Both run inside the strategy's scope, where the classifier's weights and its optimizer's state were made.
"""

from __future__ import annotations

import logging

import keras

from lstmcls import runs
from lstmcls.config.schema import Config, EmbeddingConfig
from lstmcls.reporting import progress
from lstmcls.training.callbacks import UnfreezeEmbedding
from lstmcls.training.vectors import Vectors, embedding_matrix, log_coverage, token_counts

log = logging.getLogger("lstmcls")


def start_from_vectors(
    classifier: keras.Model,
    preprocessor: keras.Model,
    vectors: Vectors,
    texts: list[str],
    config: Config,
    run: runs.Run,
) -> None:
    """Set the embedding to the pretrained vectors; report and record how much of the vocabulary they cover."""
    vectorizer = preprocessor.get_layer("vectorizer")
    with progress.step("matching word vectors to the vocabulary"):
        counts = token_counts(vectorizer, texts)
        matrix, coverage = embedding_matrix(
            vectors, vectorizer.get_vocabulary(), counts, config.vectorizer.standardize, config.train.seed
        )
    classifier.get_layer("embedding").set_weights([matrix])
    log_coverage(coverage)
    run.update_meta(pretrained=coverage)


def freeze_embedding(classifier: keras.Model, config: EmbeddingConfig) -> list[keras.callbacks.Callback]:
    """Freeze the embedding for the whole training (`trainable: false`) or its first `unfreeze_after` epochs.

    Returns:
        The callbacks that carry out the schedule: one that unfreezes the embedding later, or none.
    """
    layer = classifier.get_layer("embedding")
    if config.unfreeze_after is not None:
        # Built with the embedding while it is trainable: Keras 3 optimizers refuse variables added later.
        classifier.optimizer.build(classifier.trainable_variables)
        layer.trainable = False
        return [UnfreezeEmbedding(config.unfreeze_after)]
    layer.trainable = config.trainable
    return []
