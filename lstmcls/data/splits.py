"""From a config's data source to encoded splits (class ids or multi-hot label sets, a stratified validation
split) and `tf.data`."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from lstmcls.data.readers import LabelledTexts, load_source
from lstmcls.errors import DataError

log = logging.getLogger("lstmcls")

# A subword model's preprocessor gives a dict of these (`lstmcls.data.subwords`), its classifier takes it.
TOKEN_IDS, SUBWORD_IDS = "token_ids", "subword_ids"
Features: TypeAlias = "np.ndarray | dict[str, np.ndarray]"  # token ids, or a subword model's dict of arrays

if TYPE_CHECKING:
    import tensorflow as tf

    from lstmcls.config.schema import Config
    from lstmcls.data.streaming import Stream


@dataclass(frozen=True)
class Examples:
    texts: list[str]
    labels: np.ndarray  # int32 class ids into Splits.label_names; multi-label: int32 0/1 (texts, labels)

    def __len__(self) -> int:
        return len(self.texts)


@dataclass(frozen=True)
class Splits:
    train: Examples | Stream  # streams with `data.streaming` (lstmcls.data.streaming)
    validation: Examples | Stream
    test: Examples | None
    label_names: list[str]
    fingerprint: dict[str, str] = field(default_factory=dict)
    dropped: dict[str, dict[str, int]] = field(default_factory=dict)  # split → reason → rows skipped

    @property
    def vocabulary_texts(self) -> list[str]:
        """The training texts the vocabulary is made from: all of them, or a streamed split's sample."""
        return list(self.train.sample) if hasattr(self.train, "sample") else self.train.texts

    @property
    def multi_label(self) -> bool:
        """Whether each text has a set of labels (`data.multi_label`) rather than one class."""
        return self.train.labels.ndim == 2


def load_splits(config: Config) -> Splits:
    """Load the configured source, fix the class order from train, and carve validation if needed."""
    raw = load_source(config.data)
    names = raw.label_names or infer_label_names(raw.train)
    if len({label for labels in _label_sets(raw.train) for label in labels}) < 2:
        raise DataError(
            f"{raw.train.origin}: training data has a single class {names[0]!r}; a classifier needs two or more"
        )
    skip = config.data.on_bad_rows == "skip"
    parts = {"train": raw.train, "validation": raw.validation, "test": raw.test}
    encoded = {split: encode(data, names, skip) for split, data in parts.items() if data is not None}
    dropped = {split: data.dropped for split, data in parts.items() if data is not None and data.dropped}
    for split, reasons in dropped.items():
        counts = ", ".join(f"{count} {reason}" for reason, count in reasons.items())
        log.warning("skipped %d %s rows: %s", sum(reasons.values()), split, counts)
    train, validation = encoded["train"], encoded.get("validation")
    if validation is None:
        train, validation = stratified_split(train, config.data.validation_fraction, config.train.seed)
    return Splits(train, validation, encoded.get("test"), names, raw.fingerprint, dropped)


def infer_label_names(data: LabelledTexts) -> list[str]:
    """Class order: numeric when every label is an integer (so 2 < 10), else alphabetical."""
    return label_order({label for labels in _label_sets(data) for label in labels})


def label_order(unique: set[str]) -> list[str]:
    """The class order of a set of labels: numeric when every label is an integer (so 2 < 10), else alphabetical."""
    if all(label.lstrip("-").isdigit() for label in unique):
        return sorted(unique, key=int)
    return sorted(unique)


def encode(data: LabelledTexts, names: list[str], skip: bool = False) -> Examples:
    """Labels to class ids (multi-label: to 0/1 rows, one column per label). A label training never saw is an
    error naming it, or with `skip` a dropped row (counted into `data.dropped`)."""
    index = {name: i for i, name in enumerate(names)}
    sets = _label_sets(data)
    unseen = Counter(label for labels in sets for label in labels if label not in index)
    if unseen and not skip:
        label, count = unseen.most_common(1)[0]
        raise DataError(
            f"{data.origin}: label {label!r} ({count} rows) is not among the trained classes "
            f"{', '.join(map(repr, names))}; fix the labels or set data.on_bad_rows: skip"
        )
    keep = [i for i, labels in enumerate(sets) if all(label in index for label in labels)]
    if unseen:
        data.dropped["label not seen in training"] = len(sets) - len(keep)
    if not data.multi_label:
        return Examples([data.texts[i] for i in keep], np.array([index[sets[i][0]] for i in keep], dtype=np.int32))
    hot = np.zeros((len(keep), len(names)), dtype=np.int32)
    for row, i in enumerate(keep):
        hot[row, [index[label] for label in sets[i]]] = 1
    return Examples([data.texts[i] for i in keep], hot)


def _label_sets(data: LabelledTexts) -> list[tuple[str, ...]]:
    """Every text's labels as a tuple: its set with `multi_label`, else its one label."""
    return data.labels if data.multi_label else [(label,) for label in data.labels]


def stratified_split(examples: Examples, fraction: float, seed: int) -> tuple[Examples, Examples]:
    """Hold out `fraction` of each class (at least one example), shuffled with `seed`. Multi-label texts count
    towards their rarest label, so a rare label is held out too."""
    rng = np.random.default_rng(seed)
    strata = examples.labels
    if strata.ndim == 2:
        strata = np.where(strata == 1, strata.sum(axis=0), np.inf).argmin(axis=1)
    held: list[np.ndarray] = []
    for label in np.unique(strata):
        members = rng.permutation(np.flatnonzero(strata == label))
        if len(members) < 2:
            raise DataError(f"class {label} has {len(members)} example; give data.validation or more examples")
        held.append(members[: max(1, round(len(members) * fraction))])
    holdout = np.zeros(len(examples), dtype=bool)
    holdout[np.concatenate(held)] = True
    return _subset(examples, ~holdout), _subset(examples, holdout)


def _subset(examples: Examples, mask: np.ndarray) -> Examples:
    return Examples([t for t, keep in zip(examples.texts, mask) if keep], examples.labels[mask])


def targets(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Labels as the loss takes them: a float column for two classes (one sigmoid output), float 0/1 rows for
    label sets (one sigmoid per label), else class ids as they are."""
    if labels.ndim == 2:
        return labels.astype("float32")
    return labels.reshape(-1, 1).astype("float32") if num_classes == 2 else labels


def token_ids(features: Any) -> Any:
    """The token ids among a preprocessor's outputs: the outputs themselves, or a subword model's `token_ids`."""
    return features[TOKEN_IDS] if isinstance(features, dict) else features


def to_dataset(
    ids: Features, labels: np.ndarray, batch_size: int, shuffle_seed: int | None = None, buckets: int = 0
) -> tf.data.Dataset:
    """Token ids (or a subword model's dict of arrays, `lstmcls.data.subwords`) and labels as a batched, prefetched
    `tf.data` pipeline (shuffled per epoch when seeded).

    With `buckets`, each batch holds texts of similar length, padded only to its bucket's bound: recurrent
    layers then step through far less padding. The bounds are fixed (length quantiles of `ids`) so a compiled
    (XLA) step sees few distinct shapes.
    """
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((ids, labels))
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(labels), seed=shuffle_seed, reshuffle_each_iteration=True)
    if not buckets:
        return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
    lengths = np.count_nonzero(token_ids(ids), axis=1)  # tokens are left-aligned, padding is 0
    bounds = bucket_bounds(lengths, buckets, token_ids(ids).shape[1])
    # Which bucket a text falls in depends on its length only, so the batch count is known (Keras wants it).
    sizes = np.bincount(np.searchsorted(bounds, lengths, side="right"), minlength=len(bounds) + 1)
    batches = int(np.sum(np.ceil(sizes / batch_size)))
    bucketed = by_length(dataset, bounds, batch_size)
    return bucketed.apply(tf.data.experimental.assert_cardinality(batches)).prefetch(tf.data.AUTOTUNE)


def by_length(dataset: tf.data.Dataset, bounds: list[int], batch_size: int) -> tf.data.Dataset:
    """(ids, label) rows batched with rows of a similar length, each batch padded only to its bucket's bound (a
    subword model's n-gram buckets with their token ids)."""
    import tensorflow as tf

    def tokens_only(row, label):
        steps = tf.math.count_nonzero(token_ids(row), dtype=tf.int32)
        return tf.nest.map_structure(lambda feature: feature[:steps], row), label

    return dataset.map(tokens_only).bucket_by_sequence_length(
        lambda row, label: tf.shape(token_ids(row))[0],
        bucket_boundaries=bounds,
        bucket_batch_sizes=[batch_size] * (len(bounds) + 1),
        pad_to_bucket_boundary=True,
    )


def bucket_bounds(lengths: np.ndarray, buckets: int, max_length: int) -> list[int]:
    """Upper bounds (exclusive) of length buckets holding about equal shares of the texts, rounded up to 8."""
    quantiles = np.quantile(lengths, np.arange(1, buckets) / buckets) if buckets > 1 else []
    inner = {int(np.ceil((q + 1) / 8) * 8) for q in quantiles}
    return sorted(bound for bound in inner if bound <= max_length) + [max_length + 1]


def text_dataset(texts: list[str], batch_size: int) -> tf.data.Dataset:
    """Raw strings as a batched `tf.data` pipeline (NumPy unicode arrays fail in Keras)."""
    import tensorflow as tf

    return tf.data.Dataset.from_tensor_slices(tf.constant(texts, dtype=tf.string)).batch(batch_size)
