"""`init_config(path)`: a starter config for a data file (CSV, TSV, JSON Lines, Parquet) or a folder of class
sub-folders, with its text and label columns (or fields) and sizes guessed from the data.

`write_starter_config` puts it in a file (what `lstmcls init` does), never over an existing one unless asked.
Nothing here imports TensorFlow, so `lstmcls init` answers at once.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from lstmcls.data.readers import file_format, open_text
from lstmcls.data.readers.folder import class_folders
from lstmcls.errors import ConfigError, DataError
from lstmcls.tools.starter import Choice, Profile, choices, render

SAMPLE_ROWS = 20000  # enough to guess from, quick on any file
MAX_LABELS = 100
NAME_KEYS = {"jsonl": ("text_field", "label_field")}  # other formats name columns


def init_config(path: str | Path, delimiter: str = ",", unlabelled: str | Path | None = None) -> str:
    """YAML for a data file or class folder: the text column is the one with the longest values, the label column
    the one with few distinct values; the rest is chosen from the texts' lengths, the classes and the data's size
    (`lstmcls.tools.starter`). A `.tsv` file is tab-separated whatever `delimiter` says. `unlabelled`: a file of
    texts without labels (one per line, or a CSV's text column) to pretrain word vectors on, with the training
    texts, before training (`model.embedding.pretrained: own`)."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"data file not found: {path}")
    extra = _unlabelled_block(Path(unlabelled)) if unlabelled is not None else {}
    kind = file_format(path)
    if kind == "folder":
        splits = _folder_splits(path)
        return _starter(path, kind, _folder_sample(Path(splits["train"])), splits, "text", "label", extra)
    if kind == "csv" and path.name.lower().endswith((".tsv", ".tsv.gz")):
        delimiter = "\t"
    values = SAMPLERS[kind](path, delimiter)
    columns = list(values)
    if len(columns) < 2 or not values[columns[0]]:
        raise DataError(f"{path}: need at least a text and a label column (or field), and some rows")
    text_column = _longest_column(values)
    candidates = [c for c in columns if c != text_column and 2 <= len(set(values[c]) - {""}) <= MAX_LABELS]
    if not candidates:
        raise DataError(f"{path}: no column with 2 to {MAX_LABELS} distinct values to use as the label")
    label_column = min(candidates, key=lambda c: len(set(values[c])))
    names = dict(zip(NAME_KEYS.get(kind, ("text_column", "label_column")), (text_column, label_column)))
    block = {"train": str(path), "validation": None, "test": None, **names}
    if kind == "csv" and delimiter != ",":
        block["delimiter"] = delimiter
    return _starter(path, kind, values, block, text_column, label_column, extra)


def _starter(
    path: Path,
    kind: str,
    values: dict[str, list[str]],
    block: dict,
    text_column: str,
    label_column: str,
    pretrain: dict[str, str],
) -> str:
    """The config, each choice made from the sample (`lstmcls.tools.starter`) under the reason for it."""
    labels = values[label_column]
    profile = Profile.of(values[text_column], labels)
    classes = sorted(set(labels) - {""})
    header = (
        f"# Starter config for {path.name} (written by `lstmcls init` from {profile.rows:,} rows): {profile.classes} "
        f"classes in {label_column!r}\n"
        f"# ({', '.join(classes[:10])}{' ...' if len(classes) > 10 else ''}), texts in {text_column!r}, 95 % within "
        f"{profile.length_p95} words. Set data.test to score with `lstmcls eval`.\n"
    )
    made = choices(profile, pretrain.get("unlabelled"))
    if "text_column" in pretrain:
        made.append(Choice("pretrain.text_column", pretrain["text_column"], "the unlabelled CSV's longest texts"))
    return render(header, {"source": kind, **block}, made)


def _unlabelled_block(path: Path) -> dict[str, str]:
    """`pretrain.unlabelled` (and the text column of a CSV, the one with the longest values, unless it is `text`)."""
    if not path.is_file():
        raise DataError(f"unlabelled text file not found: {path}")
    if not path.name.lower().endswith((".csv", ".csv.gz")):
        return {"unlabelled": str(path)}
    values = _csv_sample(path, ",")
    if not values:
        raise DataError(f"{path}: an empty CSV; give a CSV with a header row, or a text file with one text per line")
    column = _longest_column(values)
    return {"unlabelled": str(path), **({"text_column": column} if column != "text" else {})}


def _longest_column(values: dict[str, list[str]]) -> str:
    """The column whose values are longest on average: the texts, beside labels and ids."""
    return max(values, key=lambda column: np.mean([len(v) for v in values[column]]) if values[column] else 0)


def write_starter_config(
    path: str | Path,
    out: str | Path | None = None,
    delimiter: str = ",",
    force: bool = False,
    unlabelled: str | Path | None = None,
) -> Path:
    """Write `init_config(path, delimiter, unlabelled)` to `out` (default: `<file or folder stem>.yaml` in the
    working directory).

    Raises:
        ConfigError: `out` exists and `force` is not set.
    """
    text = init_config(path, delimiter, unlabelled)
    out = Path(out) if out is not None else Path(Path(path).name.split(".")[0] + ".yaml")
    if out.exists() and not force:
        raise ConfigError(f"{out} already exists; pass --out FILE or --force")
    out.write_text(text, encoding="utf-8")
    return out


# === Samples: column (or field) → its first values, as text ===


def _csv_sample(path: Path, delimiter: str) -> dict[str, list[str]]:
    csv.field_size_limit(2**31 - 1)
    with open_text(path) as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        rows = [row for _, row in zip(range(SAMPLE_ROWS), reader)]
        columns = reader.fieldnames or []
    return {column: [(row.get(column) or "").strip() for row in rows] for column in columns}


def _jsonl_sample(path: Path, _: str) -> dict[str, list[str]]:
    rows: list[dict] = []
    with open_text(path) as handle:
        for line in handle:
            if line.strip() and len(rows) < SAMPLE_ROWS:
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DataError(f"{path}: line {len(rows) + 1} is not JSON ({exc.msg})") from None
                rows.append(row if isinstance(row, dict) else {})
    fields = list(dict.fromkeys(key for row in rows for key in row))
    return {field: [_cell(row.get(field)) for row in rows] for field in fields}


def _parquet_sample(path: Path, _: str) -> dict[str, list[str]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        batch = next(parquet.iter_batches(batch_size=SAMPLE_ROWS), None)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{path}: not a Parquet file: {exc}") from None
    if batch is None:
        return {name: [] for name in parquet.schema_arrow.names}
    return {name: [_cell(value) for value in batch.column(name).to_pylist()] for name in batch.schema.names}


def _folder_sample(path: Path) -> dict[str, list[str]]:
    texts, labels = [], []
    for label in class_folders(path):
        for file in sorted((path / label).glob("*.txt"))[: SAMPLE_ROWS // 10]:
            texts.append(file.read_text(encoding="utf-8", errors="replace").strip())
            labels.append(label)
    if len(set(labels)) < 2:
        raise DataError(f"{path}: need two or more class sub-folders holding .txt files")
    return {"text": texts, "label": labels}


def _folder_splits(path: Path) -> dict[str, str | None]:
    """A folder of class folders is the training data; a folder holding `train` (and maybe `validation`, `test`)
    folders of class folders, as aclImdb does, gives each split."""
    if not (path / "train").is_dir():
        return {"train": str(path), "validation": None, "test": None}
    found = {split: path / split for split in ("train", "validation", "test")}
    return {split: str(folder) if folder.is_dir() else None for split, folder in found.items()}


def _cell(value: object) -> str:
    return "" if value is None else str(value).strip()


SAMPLERS = {"csv": _csv_sample, "jsonl": _jsonl_sample, "parquet": _parquet_sample}
