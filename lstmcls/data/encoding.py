"""Training and validation splits as `tf.data` of token ids, encoded once with the adapted vocabulary.

The texts are vectorized once, before training, so epochs read cached ids instead of tokenising again; on a
tf.distribute cluster each host encodes its copy outside the strategy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from lstmcls.data.splits import Splits, text_dataset, to_dataset

if TYPE_CHECKING:
    import keras
    import tensorflow as tf

    from lstmcls.config.schema import Config

VALIDATION_BATCH = 256
ENCODING_BATCH = 1024


def training_datasets(
    preprocessor: keras.Model, splits: Splits, config: Config
) -> tuple[tf.data.Dataset, tf.data.Dataset]:
    """(train, validation) batches of token ids and targets; train is shuffled per epoch, bucketed by length
    when `data.bucketing` says so, and repeats when `train.steps_per_epoch` is set (as `fit` expects)."""
    num_classes = len(splits.label_names)
    train = to_dataset(
        encode_texts(preprocessor, splits.train.texts),
        targets(splits.train.labels, num_classes),
        config.train.batch_size,
        config.train.seed,
        config.data.bucketing,
    )
    if config.train.steps_per_epoch:
        train = train.repeat()
    validation = to_dataset(
        encode_texts(preprocessor, splits.validation.texts),
        targets(splits.validation.labels, num_classes),
        VALIDATION_BATCH,
    )
    return train, validation


def encode_texts(preprocessor: keras.Model, texts: list[str]) -> np.ndarray:
    """Raw strings → token ids, through the preprocessor (its vectorizer and token window)."""
    return preprocessor.predict(text_dataset(texts, ENCODING_BATCH), verbose=0)


def targets(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Labels as the loss takes them: a float column for two classes (one sigmoid output), float 0/1 rows for
    label sets (one sigmoid per label), else class ids as they are."""
    if labels.ndim == 2:
        return labels.astype("float32")
    return labels.reshape(-1, 1).astype("float32") if num_classes == 2 else labels
