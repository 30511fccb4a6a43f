"""The data source blocks of a config (`data:`): one block class per source, told apart by its `source` key.

A new source is one block class here, registered with `@SOURCES.register("name")`, and one reader in
`lstmcls.data.readers` (a module per source) attached to the same name with `@SOURCES.builds("name")`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from lstmcls.config.section import AbsolutePath, Section
from lstmcls.registry import Registry


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


SOURCES: Registry[type[SourceBase]] = Registry("data source")


@SOURCES.register("imdb")
class ImdbSource(SourceBase):
    source: Literal["imdb"] = Field("imdb", description="Data source: imdb (tfds imdb_reviews), or see data.source.")
    data_dir: Path | None = Field(
        None, description="TFDS data dir; defaults to $TFDS_DATA_DIR, then ~/tensorflow_datasets."
    )
    download: bool = Field(False, description="Download and prepare imdb_reviews if the data dir lacks it.")


@SOURCES.register("tfds")
class TfdsSource(SourceBase):
    source: Literal["tfds"] = Field(description="Data source.")
    name: str = Field(
        min_length=1, description="TFDS dataset name, with a config or version if needed (ag_news_subset)."
    )
    data_dir: Path | None = Field(
        None, description="TFDS data dir; defaults to $TFDS_DATA_DIR, then ~/tensorflow_datasets (read offline)."
    )
    text_key: str = Field("text", min_length=1, description="Feature holding the text.")
    label_key: str = Field("label", min_length=1, description="Feature holding the label (a ClassLabel or text).")
    train_split: str = Field("train", min_length=1, description="TFDS split to train on; slices work (train[:90%]).")
    validation_split: str | None = Field(None, description="TFDS split to validate on; carved from train when absent.")
    test_split: str | None = Field("test", description="TFDS split `lstmcls eval` scores; null: none.")


class FileSource(SourceBase):
    """What every source read from files has: the split files (each a path or a glob of shards)."""

    train: AbsolutePath = Field(description="Training file, or a glob of shards (data/train-*.jsonl).")
    validation: AbsolutePath | None = Field(None, description="Validation file or glob; carved from train when absent.")
    test: AbsolutePath | None = Field(None, description="Test file or glob used by `lstmcls eval`.")
    multi_label: bool = Field(
        False, description="Each text has a set of labels (one sigmoid per label; see docs/multilabel.md)."
    )
    max_text_chars: int = Field(1_000_000, ge=1, description="Longer texts are bad rows (a broken quote, a dump).")
    streaming: bool = Field(
        False,
        description="Stream rows from the files through tf.data each epoch instead of holding them in memory "
        "(data larger than memory; see docs/data.md).",
    )
    sample_rows: int = Field(
        100_000, ge=1, description="Streaming: training rows sampled (seeded) to build the vocabulary and buckets."
    )
    shuffle_buffer: int = Field(10_000, ge=1, description="Streaming: rows in the shuffle buffer (memory bound).")


@SOURCES.register("csv")
class CsvSource(FileSource):
    source: Literal["csv"] = Field(description="Data source.")
    text_column: str = Field("text", min_length=1, description="Column holding the text.")
    label_column: str = Field("label", min_length=1, description="Column holding the label (string or integer).")
    label_separator: str = Field(
        "|", min_length=1, description="With multi_label: what separates the labels in a label cell, e.g. a|b."
    )
    delimiter: str = Field(",", min_length=1, max_length=1, description="Field separator.")


@SOURCES.register("jsonl")
class JsonlSource(FileSource):
    source: Literal["jsonl"] = Field(description="Data source.")
    text_field: str = Field("text", min_length=1, description="Field of each JSON object holding the text.")
    label_field: str = Field(
        "label", min_length=1, description="Field holding the label; with multi_label a JSON list or a|b string."
    )
    label_separator: str = Field(
        "|", min_length=1, description="With multi_label: what separates the labels in a label string, e.g. a|b."
    )


@SOURCES.register("parquet")
class ParquetSource(FileSource):
    source: Literal["parquet"] = Field(description="Data source.")
    text_column: str = Field("text", min_length=1, description="Column holding the text (a string column).")
    label_column: str = Field(
        "label", min_length=1, description="Column holding the label: string or integer; with multi_label a list."
    )


@SOURCES.register("folder")
class FolderSource(SourceBase):
    source: Literal["folder"] = Field(description="Data source.")
    train: AbsolutePath = Field(description="Folder with one sub-folder of .txt files per class (aclImdb/train).")
    validation: AbsolutePath | None = Field(
        None, description="Validation folder, same layout; carved from train when absent."
    )
    test: AbsolutePath | None = Field(None, description="Test folder, same layout, used by `lstmcls eval`.")
    class_names: list[str] | None = Field(
        None, description="Only these sub-folders, in this class order (aclImdb: [neg, pos]); default: all, sorted."
    )
    max_text_chars: int = Field(1_000_000, ge=1, description="Longer texts are bad rows.")
