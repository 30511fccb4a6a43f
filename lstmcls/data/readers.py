"""Readers: each source block of the config (`lstmcls.config.sources`) → raw labelled texts, checked row by row.

A reader is attached to its source's name with `@SOURCES.builds("name")`; `load_source`, `load_test` and
`read_labelled_file` find it by the block's `source` key.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import sys
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lstmcls.config.sources import SOURCES, CsvSource, ImdbSource, SourceBase
from lstmcls.errors import DataError


@dataclass(frozen=True)
class LabelledTexts:
    """Texts and their labels as the source spells them (strings), before encoding to class ids."""

    texts: list[str]
    labels: list[str] | list[tuple[str, ...]]  # one label per text, or with `multi_label` a set of labels per text
    origin: str
    dropped: dict[str, int] = field(default_factory=dict)  # rows skipped, by reason
    multi_label: bool = False


@dataclass(frozen=True)
class UnlabelledTexts:
    """Texts without labels, for pretraining word vectors, and what identifies them (for tracing)."""

    texts: list[str]
    origin: str
    fingerprint: str


@dataclass(frozen=True)
class RawSplits:
    train: LabelledTexts
    validation: LabelledTexts | None
    test: LabelledTexts | None
    label_names: list[str] | None = None  # the class order, when the source defines one
    fingerprint: dict[str, str] = field(default_factory=dict)


def load_source(block: SourceBase) -> RawSplits:
    """All splits the configured source has, for training."""
    return SOURCES.builder(block.source).load(block)


def load_test(block: SourceBase) -> LabelledTexts | None:
    """Only the test split of the configured source (None when it has none), for evaluation."""
    return SOURCES.builder(block.source).load_test(block)


def read_labelled_file(block: SourceBase, path: str | Path) -> LabelledTexts:
    """A labelled CSV read like the training data: the block's columns for a CSV source, `text,label` otherwise."""
    if not isinstance(block, CsvSource):
        block = CsvSource(source="csv", train=Path(path), on_bad_rows=block.on_bad_rows)
    return CsvReader.read(block, Path(path))


# === IMDB (tensorflow-datasets) ===


@SOURCES.builds("imdb")
class ImdbReader:
    @staticmethod
    def load(block: ImdbSource) -> RawSplits:
        builder = _imdb_builder(block)
        names = builder.info.features["label"].names
        return RawSplits(
            train=_read_tfds(builder, "train"),
            validation=None,
            test=_read_tfds(builder, "test"),
            label_names=list(names),
            fingerprint={"tfds": f"imdb_reviews/{builder.info.config_name}/{builder.info.version}"},
        )

    @staticmethod
    def load_test(block: ImdbSource) -> LabelledTexts:
        return _read_tfds(_imdb_builder(block), "test")


def load_imdb_unlabelled(block: ImdbSource) -> UnlabelledTexts:
    """The `unsupervised` split: 50,000 reviews without labels, shipped for pretraining."""
    import tensorflow_datasets as tfds

    builder = _imdb_builder(block)
    dataset = builder.as_dataset(split="unsupervised").map(lambda example: example["text"]).batch(4096)
    texts = [text.decode("utf-8") for batch in tfds.as_numpy(dataset) for text in batch]
    version = f"imdb_reviews/{builder.info.config_name}/{builder.info.version}"
    return UnlabelledTexts(texts, origin="imdb_reviews[unsupervised]", fingerprint=version)


def _imdb_builder(block: ImdbSource):
    import tensorflow_datasets as tfds

    data_dir = block.data_dir or os.environ.get("TFDS_DATA_DIR") or None
    builder = tfds.builder("imdb_reviews", data_dir=str(data_dir) if data_dir else None)
    if not builder.is_prepared():
        if not block.download:
            raise DataError(
                f"imdb_reviews is not prepared in {builder.data_dir}: point data.data_dir or TFDS_DATA_DIR "
                "at a prepared TFDS data dir, or set data.download: true (needs network)"
            )
        builder.download_and_prepare()
    return builder


def _read_tfds(builder, split: str) -> LabelledTexts:
    import tensorflow_datasets as tfds

    names = builder.info.features["label"].names
    texts: list[str] = []
    labels: list[str] = []
    for text_batch, label_batch in tfds.as_numpy(builder.as_dataset(split=split, as_supervised=True).batch(4096)):
        texts.extend(t.decode("utf-8") for t in text_batch)
        labels.extend(names[int(i)] for i in label_batch)
    return LabelledTexts(texts, labels, origin=f"imdb_reviews[{split}]")


# === CSV files ===


@SOURCES.builds("csv")
class CsvReader:
    @staticmethod
    def load(block: CsvSource) -> RawSplits:
        files = {"train": block.train, "validation": block.validation, "test": block.test}
        read = {name: CsvReader.read(block, path) for name, path in files.items() if path is not None}
        return RawSplits(
            train=read["train"],
            validation=read.get("validation"),
            test=read.get("test"),
            fingerprint={name: f"sha256:{_sha256(path)}" for name, path in files.items() if path is not None},
        )

    @staticmethod
    def load_test(block: CsvSource) -> LabelledTexts | None:
        return CsvReader.read(block, block.test) if block.test else None

    @staticmethod
    def read(block: CsvSource, path: Path) -> LabelledTexts:
        return read_csv(
            path,
            block.text_column,
            block.label_column,
            block.delimiter,
            block.on_bad_rows,
            block.max_text_chars,
            block.label_separator if block.multi_label else None,
        )


def read_csv(
    path: Path,
    text_column: str,
    label_column: str,
    delimiter: str = ",",
    on_bad_rows: str = "error",
    max_text_chars: int = 1_000_000,
    label_separator: str | None = None,
) -> LabelledTexts:
    """Read a labelled CSV (gzip detected by content); with `label_separator`, each label cell is a set of labels.

    A bad row (text or label empty or missing, an empty label set, bytes that are not UTF-8, a text over
    `max_text_chars`) raises a DataError naming the row, or with `on_bad_rows="skip"` is dropped and counted by
    reason.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"data file not found: {path}")
    csv.field_size_limit(sys.maxsize)
    texts: list[str] = []
    labels: list[str] | list[tuple[str, ...]] = []
    dropped: Counter[str] = Counter()
    try:
        with open_text(path) as handle:
            reader = csv.DictReader(handle, delimiter=delimiter)
            if reader.fieldnames is None:
                raise DataError(f"{path}: the file is empty; it needs a header row with {text_column!r}")
            _check_columns(path, reader.fieldnames, text_column, label_column)
            for row_number, row in enumerate(reader, start=1):
                text, label = (row.get(text_column) or "").strip(), (row.get(label_column) or "").strip()
                if label_separator is not None:
                    label = label_set(label, label_separator)
                problem = _row_problem(text, label, max_text_chars)
                if problem is None:
                    texts.append(text)
                    labels.append(label)
                elif on_bad_rows == "skip":
                    dropped[problem] += 1
                else:
                    raise DataError(
                        f"{path}: row {row_number} (line {reader.line_num}): {problem}; "
                        "fix the row or set data.on_bad_rows: skip"
                    )
    except csv.Error as exc:
        raise DataError(f"{path}: malformed CSV: {exc}") from None
    except (OSError, EOFError, zlib.error) as exc:  # zlib: a corrupt .gz
        raise DataError(f"{path}: cannot read: {exc}") from None
    if not texts:
        raise DataError(f"{path}: no usable data rows under the header" + (f" ({_counts(dropped)})" if dropped else ""))
    return LabelledTexts(texts, labels, str(path), dict(dropped), multi_label=label_separator is not None)


def label_set(value: str | list, separator: str) -> tuple[str, ...]:
    """A multi-label cell as its labels, in the order written, blanks and repeats dropped: a string split on
    `separator` (a CSV cell), or a list as a JSON file holds it."""
    parts = value.split(separator) if isinstance(value, str) else value
    return tuple(dict.fromkeys(str(part).strip() for part in parts if str(part).strip()))


def read_texts(path: Path, column: str) -> UnlabelledTexts:
    """Unlabelled texts: the `column` of a `.csv` / `.csv.gz` file, else one text per line; blank texts skipped."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"unlabelled text file not found: {path} (set pretrain.unlabelled)")
    is_csv = path.name.lower().endswith((".csv", ".csv.gz"))
    texts: list[str] = []
    try:
        with open_text(path) as handle:
            if is_csv:
                reader = csv.DictReader(handle)
                _check_columns(path, reader.fieldnames or [], column, setting="pretrain.text_column")
                rows = (row.get(column) or "" for row in reader)
            else:
                rows = handle
            for number, text in enumerate(rows, start=1):
                if _has_undecodable_bytes(text):
                    raise DataError(f"{path}: {'row' if is_csv else 'line'} {number}: bytes that are not UTF-8")
                if text.strip():
                    texts.append(text.strip())
    except csv.Error as exc:
        raise DataError(f"{path}: malformed CSV: {exc}") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: cannot read: {exc}") from None
    if not texts:
        raise DataError(f"{path}: no texts in it")
    return UnlabelledTexts(texts, origin=str(path), fingerprint=f"sha256:{_sha256(path)}")


def _check_columns(
    path: Path, columns: list[str], *wanted: str, setting: str = "data.text_column / data.label_column"
) -> None:
    for column in wanted:
        if column not in columns:
            raise DataError(
                f"{path}: no column {column!r}; the header has {', '.join(map(repr, columns)) or 'nothing'} "
                f"(set {setting})"
            )


def _row_problem(text: str, label: str | tuple[str, ...], max_text_chars: int) -> str | None:
    labels = (label,) if isinstance(label, str) else label
    if _has_undecodable_bytes(text) or any(map(_has_undecodable_bytes, labels)):
        return "bytes that are not UTF-8"
    if not text:
        return "empty text"
    if not label:
        return "empty label" if isinstance(label, str) else "empty label set"
    if len(text) > max_text_chars:
        return f"text longer than data.max_text_chars ({max_text_chars:,} characters)"
    return None


def _has_undecodable_bytes(value: str) -> bool:
    """`surrogateescape` decoding maps each byte that is not UTF-8 to a lone surrogate U+DC80..U+DCFF."""
    return any("\udc80" <= char <= "\udcff" for char in value)


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{count} {reason}" for reason, count in counter.most_common())


def open_text(path: Path) -> io.TextIOBase:
    with open(path, "rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    raw = gzip.open(path, "rb") if gzipped else open(path, "rb")
    return io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
