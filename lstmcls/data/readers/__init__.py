"""Readers: each source block of the config (`lstmcls.config.sources`) → raw labelled texts, checked row by row.

One module per source (CSV, JSON Lines, Parquet, class folders, TensorFlow Datasets), each attaching its reader to
the source's name with `@SOURCES.builds("name")`; `load_source`, `load_test` and `read_labelled_file` find it by
the block's `source` key. The row checks, shards and fingerprints they share are in `rows`.
"""

from __future__ import annotations

from lstmcls.config.sources import SOURCES, SourceBase
from lstmcls.data.readers.csv_files import read_csv, read_texts
from lstmcls.data.readers.folder import read_folder
from lstmcls.data.readers.formats import file_format, read_labelled_file
from lstmcls.data.readers.jsonl import read_jsonl
from lstmcls.data.readers.parquet import read_parquet
from lstmcls.data.readers.rows import LabelledTexts, RawSplits, UnlabelledTexts, label_set, open_text
from lstmcls.data.readers.tfds import load_imdb_unlabelled

__all__ = [
    "LabelledTexts",
    "RawSplits",
    "UnlabelledTexts",
    "file_format",
    "label_set",
    "load_imdb_unlabelled",
    "load_source",
    "load_test",
    "open_text",
    "read_csv",
    "read_folder",
    "read_jsonl",
    "read_labelled_file",
    "read_parquet",
    "read_texts",
]


def load_source(block: SourceBase) -> RawSplits:
    """All splits the configured source has, for training."""
    return SOURCES.builder(block.source).load(block)


def load_test(block: SourceBase) -> LabelledTexts | None:
    """Only the test split of the configured source (None when it has none), for evaluation."""
    return SOURCES.builder(block.source).load_test(block)
