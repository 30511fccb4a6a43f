"""Training and validation splits as `tf.data` of token ids (and a subword model's n-gram buckets), encoded once
with the adapted vocabulary.

The texts are vectorized once, before training, so epochs read cached ids instead of tokenising again; on a
tf.distribute cluster each host encodes its copy outside the strategy.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lstmcls.data.splits import Features, Splits, bucket_bounds, targets, text_dataset, to_dataset, token_ids
from lstmcls.data.streaming import Stream, stream_dataset
from lstmcls.reporting import progress

if TYPE_CHECKING:
    import keras
    import tensorflow as tf

    from lstmcls.config.schema import Config

VALIDATION_BATCH = 256
ENCODING_BATCH = 1024
BOUNDS_SAMPLE = 2_000  # texts whose lengths place the length buckets' bounds (quantiles need no more)


def training_datasets(
    preprocessor: keras.Model, splits: Splits, config: Config, cache: Path, shard: tuple[int, int] = (1, 0)
) -> tuple[tf.data.Dataset, tf.data.Dataset]:
    """(train, validation) batches of token ids and targets; train is shuffled per epoch, bucketed by length
    when `data.bucketing` says so, and repeats when `train.steps_per_epoch` is set (as `fit` expects).

    Splits in memory are encoded once here; streamed splits file by file into token ids in `cache` (an empty
    folder the caller removes), the training files divided between the workers by `shard` (workers, worker)."""
    if isinstance(splits.train, Stream):
        train, validation = _streamed(preprocessor, splits, config, cache, shard)
    else:
        num_classes = len(splits.label_names)
        train = to_dataset(
            encode_texts(preprocessor, splits.train.texts),
            targets(splits.train.labels, num_classes),
            config.train.batch_size,
            config.train.seed,
            config.data.bucketing,
        )
        validation = to_dataset(
            encode_texts(preprocessor, splits.validation.texts),
            targets(splits.validation.labels, num_classes),
            VALIDATION_BATCH,
        )
    return (train.repeat() if config.train.steps_per_epoch else train), validation


def _streamed(
    preprocessor: keras.Model, splits: Splits, config: Config, cache: Path, shard: tuple[int, int]
) -> tuple[tf.data.Dataset, tf.data.Dataset]:
    """Streamed splits as `tf.data`, the length buckets' bounds taken from (part of) the vocabulary's sample."""
    bounds = None
    if config.data.bucketing:
        sample = list(splits.train.sample[:BOUNDS_SAMPLE])
        lengths = np.count_nonzero(token_ids(encode_texts(preprocessor, sample)), axis=1)
        bounds = bucket_bounds(lengths, config.data.bucketing, config.vectorizer.max_length)
    shuffle = (config.train.seed, config.data.shuffle_buffer)
    with progress.step("vectorising the streamed files"):
        train_cache, validation_cache = cache / "train", cache / "validation"
        train = stream_dataset(splits.train, preprocessor, train_cache, config.train.batch_size, bounds, shuffle, shard)
        validation = stream_dataset(splits.validation, preprocessor, validation_cache, VALIDATION_BATCH)
    return train, validation


def encode_texts(preprocessor: keras.Model, texts: list[str]) -> Features:
    """Raw strings → token ids, through the preprocessor (its vectorizer and token window); a subword model's
    preprocessor gives a dict of them and their n-gram buckets."""
    return preprocessor.predict(text_dataset(texts, ENCODING_BATCH), verbose=0)
