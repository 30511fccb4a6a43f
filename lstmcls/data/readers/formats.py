"""A labelled file read by what its name says it is (`.csv`, `.tsv`, `.jsonl`, `.parquet`, a class folder), with a
run's column or field names: what `lstmcls eval --data` and every other reader of a single labelled file use."""

from __future__ import annotations

from pathlib import Path

from lstmcls.config.sources import SOURCES, FileSource, FolderSource, SourceBase
from lstmcls.data.readers.folder import read_folder
from lstmcls.data.readers.rows import LabelledTexts, read_split
from lstmcls.errors import DataError

FORMATS = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".parquet": "parquet"}

# where each kind of source keeps the names of its text and its label
NAME_KEYS = [("text_column", "label_column"), ("text_field", "label_field"), ("text_key", "label_key")]


def file_format(path: str | Path) -> str:
    """The source a file's name says it is (`.csv`, `.tsv`, `.jsonl`, `.parquet`, each maybe gzipped, or a glob
    of them; a folder is `folder`); a DataError for any other name."""
    path = Path(path)
    if path.is_dir():
        return "folder"
    suffixes = [suffix.lower() for suffix in path.suffixes if suffix.lower() != ".gz"]
    if suffixes and suffixes[-1] in FORMATS:
        return FORMATS[suffixes[-1]]
    raise DataError(f"{path}: cannot tell the format from the name; use .csv, .tsv, .jsonl, .parquet or a folder")


def read_labelled_file(block: SourceBase, path: str | Path) -> LabelledTexts:
    """A labelled file, glob of shards or class folder in any format, read like the training data: with the run's
    text and label names and label settings where its source has them, `text` and `label` otherwise."""
    path = Path(path).expanduser().absolute()
    kind = file_format(path)
    if kind == "folder":
        return read_folder(path, FolderSource(source="folder", train=path, on_bad_rows=block.on_bad_rows))[0]
    settings = file_settings(block, kind, path)
    return read_split(path, lambda one: SOURCES.builder(kind).read(settings, one))[0]


def file_settings(block: SourceBase, kind: str, path: Path) -> FileSource:
    """The source block that reads a `kind` file like `block`'s data: its names, label settings and limits."""
    target = SOURCES.get(kind)
    text, label = next(
        ((getattr(block, t), getattr(block, lb)) for t, lb in NAME_KEYS if hasattr(block, t)), ("text", "label")
    )
    keys = {"source": kind, "train": path, "on_bad_rows": block.on_bad_rows}
    keys |= dict(zip(next(pair for pair in NAME_KEYS if pair[0] in target.model_fields), (text, label)))
    for name in ("multi_label", "label_separator", "max_text_chars"):
        if hasattr(block, name) and name in target.model_fields:
            keys[name] = getattr(block, name)
    if kind == "csv":
        tsv = ".tsv" in (suffix.lower() for suffix in path.suffixes)
        keys["delimiter"] = "\t" if tsv else getattr(block, "delimiter", ",")
    return target(**keys)
