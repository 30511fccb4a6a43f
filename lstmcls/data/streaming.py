"""Streaming (`data.streaming: true`): rows flow from the files through `tf.data` each epoch, never all in memory.

Before training, one pass over the files (`stream_splits`) checks every row as the in-memory readers do, fixes the
classes, keeps each row's label (4 bytes a row: class weights and validation scores need them) and a seeded
sample of at most `data.sample_rows` training texts (reservoir sampling), from which the vocabulary and the length
buckets are made. A second pass vectorises each file once into token ids on local disk (`stream_dataset`); each
epoch reads them back, rows drawn from the files at random into a bounded shuffle buffer.

Without a validation file, validation is carved by a stable hash of each row's text: the same rows every epoch,
after a resume and on every worker, whatever the order of the files (and copies of one text fall on one side, so
none leaks from training into validation). Under multi_worker each worker trains on its own share of the training
files (`files[worker::workers]`), so every row is trained on once per epoch across the workers.
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from lstmcls.config.sources import SOURCES, FileSource
from lstmcls.data.readers.rows import Label, Rows, fingerprint, matched_files
from lstmcls.data.splits import Splits, by_length, label_order, targets
from lstmcls.errors import DataError

if TYPE_CHECKING:
    import keras
    import tensorflow as tf

    from lstmcls.config.schema import Config

log = logging.getLogger("lstmcls")

Side = Literal["all", "train", "validation"]
CHUNK_ROWS = 512  # rows a file's reader hands to tf.data at once


@dataclass(frozen=True)
class Stream:
    """One split as files read again at each pass: the rows of `side` (carved by hash, or all of them), their
    labels in file order (class ids, or multi-hot rows) and, for training, the sample the vocabulary comes from."""

    block: FileSource
    files: tuple[Path, ...]
    side: Side
    labels: np.ndarray
    label_names: tuple[str, ...]
    sample: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.labels)

    def rows(self, files: tuple[Path, ...] | None = None) -> Iterator[tuple[str, Label]]:
        """The split's (text, label) rows, file by file (the files' order), checked and carved as the first pass."""
        checks = Rows("skip", self.block.max_text_chars, self.block.multi_label)  # bad rows were dealt with already
        known = set(self.label_names)
        for path in files or self.files:
            for text, label in SOURCES.builder(self.block.source).rows(self.block, path, checks):
                if self.side != "all" and side_of(text, self.block.validation_fraction) != self.side:
                    continue
                if all(name in known for name in _label_set(label)):
                    yield text, label


def stream_splits(config: Config, workers: int = 1) -> Splits:
    """The training and validation splits of a file source as streams, after one checking and counting pass."""
    block, seed = config.data, config.train.seed
    train_files = tuple(matched_files(block.train))
    if len(train_files) < workers:
        raise DataError(
            f"{block.train}: {len(train_files)} file(s) for {workers} workers; streaming divides the training files "
            f"between the workers, so write the data as at least {workers} shards"
        )
    validation_files = tuple(matched_files(block.validation)) if block.validation else None
    first = _Pass(block, "all" if validation_files else "train", block.sample_rows, seed)
    first.read(train_files)
    names = label_order(set(first.seen) | set(first.carved.seen if first.carved else ()))
    if len(names) < 2:
        raise DataError(f"{block.train}: training data has a single class {names[0]!r}; a classifier needs two or more")
    train = first.stream(train_files, names)
    if validation_files:
        second = _Pass(block, "all", 0, seed, known=names)
        second.read(validation_files)
        validation = second.stream(validation_files, names)
        dropped = {"train": first.dropped(), "validation": second.dropped()}
    else:
        validation = first.carved.stream(train_files, names)
        dropped = {"train": first.dropped()}
    for name, split in (("train", train), ("validation", validation)):
        if not len(split):
            raise DataError(
                f"{block.train}: no {name} rows (validation is carved by hash, data.validation_fraction "
                f"{block.validation_fraction}); give more rows, a data.validation file or another fraction"
            )
    files = {"train": train_files, **({"validation": validation_files} if validation_files else {})}
    log.info(
        "streaming %d training rows from %d file(s), validating on %d", len(train), len(train_files), len(validation)
    )
    return Splits(
        train,
        validation,
        None,
        names,
        {name: fingerprint(list(found)) for name, found in files.items()},
        {name: counts for name, counts in dropped.items() if counts},
    )


def side_of(text: str, validation_fraction: float) -> Side:
    """Which side of the carve a text falls on, by a stable hash of its bytes (the same on every machine)."""
    digest = hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=8).digest()
    return "validation" if int.from_bytes(digest, "big") < validation_fraction * 2**64 else "train"


class _Pass:
    """The first pass over a split's files: every row checked (stopping or counting as `data.on_bad_rows` says),
    labels kept in order as provisional ids, a reservoir sample of texts; with `side="train"` the rows carved
    to validation are kept apart in `carved`."""

    def __init__(
        self, block: FileSource, side: Side, sample_rows: int, seed: int, known: list[str] | None = None
    ) -> None:
        self.block, self.side, self.sample_rows = block, side, sample_rows
        self.checks = Rows(block.on_bad_rows, block.max_text_chars, block.multi_label)
        self.known = set(known) if known is not None else None  # validation files: only the trained classes
        self.seen: dict[str, int] = {}  # label → provisional id, in order of first appearance
        self.ids: array | list[tuple[int, ...]] = [] if block.multi_label else array("i")
        self.sample: list[str] = []
        self.random, self.count = random.Random(seed), 0
        self.carved = _Pass(block, "validation", 0, seed, known) if side == "train" else None

    def read(self, files: tuple[Path, ...]) -> None:
        reader = SOURCES.builder(self.block.source)
        for path in files:
            for text, label in reader.rows(self.block, path, self.checks):
                if self.carved is not None and side_of(text, self.block.validation_fraction) == "validation":
                    self.carved.add(text, label, path)
                else:
                    self.add(text, label, path)

    def add(self, text: str, label: Label, path: Path) -> None:
        labels = _label_set(label)
        if self.known is not None and not all(name in self.known for name in labels):
            unseen = next(name for name in labels if name not in self.known)
            self.checks.bad(f"label {unseen!r} is not among the trained classes", str(path))
            return
        ids = tuple(self.seen.setdefault(name, len(self.seen)) for name in labels)
        self.ids.append(ids if self.block.multi_label else ids[0])
        self.count += 1
        if len(self.sample) < self.sample_rows:
            self.sample.append(text)
        elif self.sample_rows and (slot := self.random.randrange(self.count)) < self.sample_rows:
            self.sample[slot] = text

    def stream(self, files: tuple[Path, ...], names: list[str]) -> Stream:
        """The split as a stream, its provisional ids turned into `names`' order."""
        order = np.array([names.index(name) for name in self.seen], dtype=np.int32)  # empty when no rows
        if not self.block.multi_label:
            labels = order[np.frombuffer(self.ids, dtype=np.int32)] if len(self.ids) else np.zeros(0, np.int32)
        else:
            labels = np.zeros((len(self.ids), len(names)), dtype=np.int32)
            for row, ids in enumerate(self.ids):
                labels[row, order[list(ids)]] = 1
        return Stream(self.block, files, self.side, labels, tuple(names), tuple(self.sample))

    def dropped(self) -> dict[str, int]:
        counts = dict(self.checks.dropped)
        if self.carved is not None:
            for reason, count in self.carved.checks.dropped.items():
                counts[reason] = counts.get(reason, 0) + count
        return counts


def _label_set(label: Label) -> tuple[str, ...]:
    return (label,) if isinstance(label, str) else label


# === tf.data ===


def stream_dataset(
    stream: Stream,
    preprocessor: keras.Model,
    cache: Path,
    batch_size: int,
    bounds: list[int] | None = None,
    shuffle: tuple[int, int] | None = None,
    shard: tuple[int, int] = (1, 0),
) -> tf.data.Dataset:
    """Batches of (token ids, targets) from the stream's files, each file vectorised once into `cache`.

    The texts are vectorised once per run, like the in-memory path does, but into one tf.data snapshot per file
    on disk rather than into memory (`Dataset.save`); each epoch reads the token ids back.

    Args:
        stream: the split.
        preprocessor: the run's vectorizer and token window.
        cache: an empty folder for the token ids (about `max_length` × 8 bytes a row), removed by the caller.
        batch_size: texts per batch.
        bounds: length buckets' bounds (`splits.bucket_bounds`), or None for batches padded to `max_length`.
        shuffle: (seed, buffer rows) for training: rows drawn from the files at random, then shuffled in a
            bounded buffer, anew each epoch; None reads the files in order (validation: its labels' order).
        shard: (workers, this worker): training reads every `workers`-th file from `worker` on, and turns off
            tf.distribute's own sharding; validation is read whole by every worker.
    """
    import tensorflow as tf

    workers, worker = shard
    files = stream.files[worker::workers] if shuffle is not None else stream.files
    parts = [_saved(stream, preprocessor, path, cache / f"{index:05d}") for index, path in enumerate(files)]
    if shuffle is not None:
        seed, buffer = shuffle
        dataset = tf.data.Dataset.sample_from_datasets(parts, seed=seed, rerandomize_each_iteration=True).unbatch()
        dataset = dataset.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    else:
        dataset = parts[0]
        for part in parts[1:]:
            dataset = dataset.concatenate(part)
        dataset = dataset.unbatch()
    dataset = by_length(dataset, bounds, batch_size) if bounds else dataset.batch(batch_size)
    if shuffle is None:  # read whole, in order: its batches are known from the first pass (Keras wants them)
        dataset = dataset.apply(tf.data.experimental.assert_cardinality(math.ceil(len(stream) / batch_size)))
    if shuffle is not None and workers > 1:
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
        dataset = dataset.with_options(options)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _saved(stream: Stream, preprocessor: keras.Model, path: Path, folder: Path) -> tf.data.Dataset:
    """One file's (token ids, targets) in chunks of rows, vectorised and saved to `folder` (bounded memory), read
    back."""
    import tensorflow as tf

    names, multi_label = list(stream.label_names), stream.block.multi_label
    index = {name: i for i, name in enumerate(names)}
    empty = targets(stream.labels[:0], len(names))  # the targets' shape and type, as in memory
    spec = (tf.TensorSpec([None], tf.string), tf.TensorSpec([None, *empty.shape[1:]], tf.as_dtype(empty.dtype)))

    def chunks() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The file's rows in chunks: one step from Python into tf.data per chunk, not per row."""
        texts: list[str] = []
        labels: list[np.ndarray] = []
        for text, label in stream.rows((path,)):
            texts.append(text)
            labels.append(_target(label, index, multi_label, len(names)))
            if len(texts) == CHUNK_ROWS:
                yield np.array(texts, dtype=object), np.stack(labels)
                texts, labels = [], []
        if texts:
            yield np.array(texts, dtype=object), np.stack(labels)

    rows = tf.data.Dataset.from_generator(chunks, output_signature=spec)
    rows = rows.map(lambda texts, labels: (preprocessor(texts), labels), num_parallel_calls=tf.data.AUTOTUNE)
    rows.save(str(folder))  # in chunks: far fewer elements to write, read back and draw from than rows
    return tf.data.Dataset.load(str(folder))


def _target(label: Label, index: dict[str, int], multi_label: bool, classes: int) -> np.ndarray:
    """A row's label as the loss takes it (see `splits.targets`)."""
    if multi_label:
        hot = np.zeros(classes, dtype=np.float32)
        hot[[index[name] for name in label]] = 1.0
        return hot
    if classes == 2:
        return np.array([index[label]], dtype=np.float32)
    return np.array(index[label], dtype=np.int32)
