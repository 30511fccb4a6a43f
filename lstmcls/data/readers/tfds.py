"""TensorFlow Datasets: `imdb` (imdb_reviews, and its unlabelled split for pretraining) and `tfds`, any text
classification dataset by name and feature keys, read from a prepared data dir without network."""

from __future__ import annotations

import os
from pathlib import Path

from lstmcls.config.sources import SOURCES, ImdbSource, TfdsSource
from lstmcls.data.readers.rows import LabelledTexts, RawSplits, UnlabelledTexts
from lstmcls.errors import DataError
from lstmcls.registry import did_you_mean

# === IMDB ===


@SOURCES.builds("imdb")
class ImdbReader:
    @staticmethod
    def load(block: ImdbSource) -> RawSplits:
        builder = _imdb_builder(block)
        names = builder.info.features["label"].names
        return RawSplits(
            train=read_tfds(builder, "train"),
            validation=None,
            test=read_tfds(builder, "test"),
            label_names=list(names),
            fingerprint={"tfds": _version(builder)},
        )

    @staticmethod
    def load_test(block: ImdbSource) -> LabelledTexts:
        return read_tfds(_imdb_builder(block), "test")


def load_imdb_unlabelled(block: ImdbSource) -> UnlabelledTexts:
    """The `unsupervised` split: 50,000 reviews without labels, shipped for pretraining."""
    import tensorflow_datasets as tfds

    builder = _imdb_builder(block)
    dataset = builder.as_dataset(split="unsupervised").map(lambda example: example["text"]).batch(4096)
    texts = [text.decode("utf-8") for batch in tfds.as_numpy(dataset) for text in batch]
    return UnlabelledTexts(texts, origin="imdb_reviews[unsupervised]", fingerprint=_version(builder))


def _imdb_builder(block: ImdbSource):
    import tensorflow_datasets as tfds

    builder = tfds.builder("imdb_reviews", data_dir=_data_dir(block.data_dir))
    if not builder.is_prepared():
        if not block.download:
            raise DataError(
                f"imdb_reviews is not prepared in {builder.data_dir}: point data.data_dir or TFDS_DATA_DIR "
                "at a prepared TFDS data dir, or set data.download: true (needs network)"
            )
        builder.download_and_prepare()
    return builder


# === Any TFDS text classification dataset ===


@SOURCES.builds("tfds")
class TfdsReader:
    @staticmethod
    def load(block: TfdsSource) -> RawSplits:
        builder = tfds_builder(block)
        splits = {"train": block.train_split, "validation": block.validation_split, "test": block.test_split}
        read = {name: read_tfds(builder, split, block) for name, split in splits.items() if split is not None}
        label = builder.info.features[block.label_key]
        return RawSplits(
            train=read["train"],
            validation=read.get("validation"),
            test=read.get("test"),
            label_names=list(label.names) if hasattr(label, "names") else None,
            fingerprint={"tfds": _version(builder)},
        )

    @staticmethod
    def load_test(block: TfdsSource) -> LabelledTexts | None:
        return read_tfds(tfds_builder(block), block.test_split, block) if block.test_split else None


def tfds_builder(block: TfdsSource):
    """The prepared builder of `block.name`, its feature keys checked; a name or key that does not exist, or
    data that is not prepared, is a DataError that says what would work."""
    import tensorflow_datasets as tfds

    data_dir = _data_dir(block.data_dir)
    try:
        builder = tfds.builder(block.name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError:
        base = block.name.split("/")[0].split(":")[0]
        raise DataError(
            f"no TFDS dataset {base!r} (data.name); {did_you_mean(base, tfds.list_builders())}"[:400]
        ) from None
    if not builder.is_prepared():
        raise DataError(
            f"{block.name} is not prepared in {builder.data_dir}: prepare it there (`tfds build {block.name}` "
            "on a machine with network) or point data.data_dir / TFDS_DATA_DIR at a data dir that has it"
        )
    features = builder.info.features
    for key, setting in ((block.text_key, "data.text_key"), (block.label_key, "data.label_key")):
        if key not in features:
            raise DataError(f"{block.name} has no feature {key!r} ({setting}); {did_you_mean(key, features.keys())}")
    return builder


def read_tfds(builder, split: str, block: TfdsSource | None = None) -> LabelledTexts:
    """A split's texts and labels (class names for a ClassLabel feature, else the label as text)."""
    import tensorflow_datasets as tfds

    text_key, label_key = (block.text_key, block.label_key) if block else ("text", "label")
    names = getattr(builder.info.features[label_key], "names", None)
    try:
        dataset = builder.as_dataset(split=split).map(lambda row: (row[text_key], row[label_key])).batch(4096)
    except (ValueError, KeyError) as exc:  # an unknown split or a bad slice
        known = ", ".join(builder.info.splits.keys())
        raise DataError(f"{builder.info.name}: cannot read split {split!r} ({exc}); its splits: {known}") from None
    texts: list[str] = []
    labels: list[str] = []
    for text_batch, label_batch in tfds.as_numpy(dataset):
        texts.extend(_text(text) for text in text_batch)
        labels.extend(names[int(i)] if names else _text(i) for i in label_batch)
    return LabelledTexts(texts, labels, origin=f"{builder.info.name}[{split}]")


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _data_dir(configured: Path | None) -> str | None:
    data_dir = configured or os.environ.get("TFDS_DATA_DIR") or None
    return str(data_dir) if data_dir else None


def _version(builder) -> str:
    return f"{builder.info.name}/{builder.info.config_name}/{builder.info.version}"
