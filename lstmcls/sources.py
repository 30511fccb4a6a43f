"""Data sources: each is one config block class (its keys) with a `load()` that reads raw labelled texts.

A new source is one class here, registered with `@SOURCES.register("name")`.
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
from typing import Literal

from pydantic import Field, field_validator

from lstmcls.errors import DataError
from lstmcls.registry import Registry
from lstmcls.schema import Section


@dataclass(frozen=True)
class LabelledTexts:
    """Texts and their labels as the source spells them (strings), before encoding to class ids."""

    texts: list[str]
    labels: list[str]
    origin: str
    dropped: dict[str, int] = field(default_factory=dict)  # rows skipped, by reason


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


class SourceBase(Section):
    on_bad_rows: Literal["error", "skip"] = Field(
        "error", description="A bad row (empty, not UTF-8, unseen label in validation/test): stop, or skip and count."
    )
    validation_fraction: float = Field(
        0.1, gt=0.0, lt=1.0, description="Share of train held out (stratified) when no validation split is given."
    )
    bucketing: int = Field(
        8, ge=0, le=64, description="Training batches group texts of similar length, in this many buckets (0: off)."
    )

    def load(self) -> RawSplits:
        """All splits the source has, for training."""
        raise NotImplementedError

    def load_test(self) -> LabelledTexts | None:
        """Only the test split (None when there is none), for evaluation."""
        raise NotImplementedError


SOURCES: Registry[type[SourceBase]] = Registry("data source")


# === IMDB (tensorflow-datasets) ===


@SOURCES.register("imdb")
class ImdbSource(SourceBase):
    source: Literal["imdb"] = Field("imdb", description="Data source: imdb (tfds imdb_reviews) or csv.")
    data_dir: Path | None = Field(
        None, description="TFDS data dir; defaults to $TFDS_DATA_DIR, then ~/tensorflow_datasets."
    )
    download: bool = Field(False, description="Download and prepare imdb_reviews if the data dir lacks it.")

    def load(self) -> RawSplits:
        builder = self._builder()
        names = builder.info.features["label"].names
        return RawSplits(
            train=_read_tfds(builder, "train"),
            validation=None,
            test=_read_tfds(builder, "test"),
            label_names=list(names),
            fingerprint={"tfds": f"imdb_reviews/{builder.info.config_name}/{builder.info.version}"},
        )

    def load_test(self) -> LabelledTexts:
        return _read_tfds(self._builder(), "test")

    def load_unlabelled(self) -> UnlabelledTexts:
        """The `unsupervised` split: 50,000 reviews without labels, shipped for pretraining."""
        import tensorflow_datasets as tfds

        builder = self._builder()
        dataset = builder.as_dataset(split="unsupervised").map(lambda example: example["text"]).batch(4096)
        texts = [text.decode("utf-8") for batch in tfds.as_numpy(dataset) for text in batch]
        version = f"imdb_reviews/{builder.info.config_name}/{builder.info.version}"
        return UnlabelledTexts(texts, origin="imdb_reviews[unsupervised]", fingerprint=version)

    def _builder(self):
        import tensorflow_datasets as tfds

        data_dir = self.data_dir or os.environ.get("TFDS_DATA_DIR") or None
        builder = tfds.builder("imdb_reviews", data_dir=str(data_dir) if data_dir else None)
        if not builder.is_prepared():
            if not self.download:
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


@SOURCES.register("csv")
class CsvSource(SourceBase):
    source: Literal["csv"] = Field(description="Data source.")
    train: Path = Field(description="Training CSV (plain or gzip).")
    validation: Path | None = Field(None, description="Validation CSV; carved from train when absent.")
    test: Path | None = Field(None, description="Test CSV used by `lstmcls eval`.")
    text_column: str = Field("text", min_length=1, description="Column holding the text.")
    label_column: str = Field("label", min_length=1, description="Column holding the label (string or integer).")
    delimiter: str = Field(",", min_length=1, max_length=1, description="Field separator.")
    max_text_chars: int = Field(1_000_000, ge=1, description="Longer texts are bad rows (a broken quote, a dump).")

    @field_validator("train", "validation", "test")
    @classmethod
    def _absolute(cls, path: Path | None) -> Path | None:
        """Relative paths mean the working directory; the run records them absolute so eval works anywhere."""
        return path.expanduser().absolute() if path else None

    def load(self) -> RawSplits:
        files = {"train": self.train, "validation": self.validation, "test": self.test}
        read = {name: self.read(path) for name, path in files.items() if path is not None}
        return RawSplits(
            train=read["train"],
            validation=read.get("validation"),
            test=read.get("test"),
            fingerprint={name: f"sha256:{_sha256(path)}" for name, path in files.items() if path is not None},
        )

    def load_test(self) -> LabelledTexts | None:
        return self.read(self.test) if self.test else None

    def read(self, path: Path) -> LabelledTexts:
        return read_csv(
            path, self.text_column, self.label_column, self.delimiter, self.on_bad_rows, self.max_text_chars
        )


def read_csv(
    path: Path,
    text_column: str,
    label_column: str,
    delimiter: str = ",",
    on_bad_rows: str = "error",
    max_text_chars: int = 1_000_000,
) -> LabelledTexts:
    """Read a labelled CSV (gzip detected by content).

    A bad row (text or label empty or missing, bytes that are not UTF-8, a text over `max_text_chars`)
    raises a DataError naming the row, or with `on_bad_rows="skip"` is dropped and counted by reason.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"data file not found: {path}")
    csv.field_size_limit(sys.maxsize)
    texts: list[str] = []
    labels: list[str] = []
    dropped: Counter[str] = Counter()
    try:
        with open_text(path) as handle:
            reader = csv.DictReader(handle, delimiter=delimiter)
            if reader.fieldnames is None:
                raise DataError(f"{path}: the file is empty; it needs a header row with {text_column!r}")
            _check_columns(path, reader.fieldnames, text_column, label_column)
            for row_number, row in enumerate(reader, start=1):
                text, label = (row.get(text_column) or "").strip(), (row.get(label_column) or "").strip()
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
    return LabelledTexts(texts, labels, origin=str(path), dropped=dict(dropped))


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


def _row_problem(text: str, label: str, max_text_chars: int) -> str | None:
    if _has_undecodable_bytes(text) or _has_undecodable_bytes(label):
        return "bytes that are not UTF-8"
    if not text:
        return "empty text"
    if not label:
        return "empty label"
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
