"""From a config's data source to encoded splits (class ids, a stratified validation split) and `tf.data`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from lstmcls.errors import DataError
from lstmcls.sources import LabelledTexts

if TYPE_CHECKING:
    import tensorflow as tf

    from lstmcls.config import Config


@dataclass(frozen=True)
class Examples:
    texts: list[str]
    labels: np.ndarray  # int32 class ids into Splits.label_names

    def __len__(self) -> int:
        return len(self.texts)


@dataclass(frozen=True)
class Splits:
    train: Examples
    validation: Examples
    test: Examples | None
    label_names: list[str]
    fingerprint: dict[str, str] = field(default_factory=dict)


def load_splits(config: Config) -> Splits:
    """Load the configured source, fix the class order from train, and carve validation if needed."""
    raw = config.data.load()
    names = raw.label_names or infer_label_names(raw.train)
    if len(set(raw.train.labels)) < 2:
        raise DataError(
            f"{raw.train.origin}: training data has a single class {names[0]!r}; a classifier needs two or more"
        )
    train = encode(raw.train, names)
    if raw.validation is not None:
        validation = encode(raw.validation, names)
    else:
        train, validation = stratified_split(train, config.data.validation_fraction, config.train.seed)
    test = encode(raw.test, names) if raw.test is not None else None
    return Splits(train, validation, test, names, raw.fingerprint)


def infer_label_names(data: LabelledTexts) -> list[str]:
    """Class order: numeric when every label is an integer (so 2 < 10), else alphabetical."""
    unique = set(data.labels)
    if all(label.lstrip("-").isdigit() for label in unique):
        return sorted(unique, key=int)
    return sorted(unique)


def encode(data: LabelledTexts, names: list[str]) -> Examples:
    """Labels to class ids; a label training never saw is an error naming it."""
    index = {name: i for i, name in enumerate(names)}
    unseen = Counter(label for label in data.labels if label not in index)
    if unseen:
        label, count = unseen.most_common(1)[0]
        raise DataError(
            f"{data.origin}: label {label!r} ({count} rows) is not among the trained classes "
            f"{', '.join(map(repr, names))}"
        )
    return Examples(data.texts, np.array([index[label] for label in data.labels], dtype=np.int32))


def stratified_split(examples: Examples, fraction: float, seed: int) -> tuple[Examples, Examples]:
    """Hold out `fraction` of each class (at least one example), shuffled with `seed`."""
    rng = np.random.default_rng(seed)
    held: list[np.ndarray] = []
    for label in np.unique(examples.labels):
        members = rng.permutation(np.flatnonzero(examples.labels == label))
        if len(members) < 2:
            raise DataError(f"class {label} has {len(members)} example; give data.validation or more examples")
        held.append(members[: max(1, round(len(members) * fraction))])
    holdout = np.zeros(len(examples), dtype=bool)
    holdout[np.concatenate(held)] = True
    return _subset(examples, ~holdout), _subset(examples, holdout)


def _subset(examples: Examples, mask: np.ndarray) -> Examples:
    return Examples([t for t, keep in zip(examples.texts, mask) if keep], examples.labels[mask])


def to_dataset(
    ids: np.ndarray, labels: np.ndarray, batch_size: int, shuffle_seed: int | None = None
) -> tf.data.Dataset:
    """Token ids and labels as a batched, prefetched `tf.data` pipeline (shuffled per epoch when seeded)."""
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((ids, labels))
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(labels), seed=shuffle_seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def text_dataset(texts: list[str], batch_size: int) -> tf.data.Dataset:
    """Raw strings as a batched `tf.data` pipeline (NumPy unicode arrays fail in Keras)."""
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices(tf.constant(texts, dtype=tf.string)).batch(batch_size)
