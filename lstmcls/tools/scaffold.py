"""`init_config(csv_path)`: a starter config for a CSV, with its columns and sizes guessed from the data.

`write_starter_config` puts it in a file (what `lstmcls init` does), never over an existing one unless asked.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import yaml

from lstmcls.data.readers import open_text
from lstmcls.errors import ConfigError, DataError

SAMPLE_ROWS = 20000  # enough to guess from, quick on any file
MAX_LABELS = 100


def init_config(csv_path: str | Path, delimiter: str = ",") -> str:
    """YAML for a CSV: the text column is the one with the longest values, the label column the one with
    few distinct values; `max_length` covers 95 % of texts, `max_tokens` the words seen (capped at 20,000)."""
    path = Path(csv_path)
    if not path.is_file():
        raise DataError(f"data file not found: {path}")
    csv.field_size_limit(2**31 - 1)
    with open_text(path) as handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        columns = reader.fieldnames or []
        rows = [row for _, row in zip(range(SAMPLE_ROWS), reader)]
    if len(columns) < 2 or not rows:
        raise DataError(f"{path}: need a header with at least a text and a label column, and some rows")
    values = {column: [(row.get(column) or "").strip() for row in rows] for column in columns}
    text_column = max(columns, key=lambda c: np.mean([len(v) for v in values[c]]))
    candidates = [c for c in columns if c != text_column and 2 <= len(set(values[c]) - {""}) <= MAX_LABELS]
    if not candidates:
        raise DataError(f"{path}: no column with 2 to {MAX_LABELS} distinct values to use as the label")
    label_column = min(candidates, key=lambda c: len(set(values[c])))
    words = [text.lower().split() for text in values[text_column]]
    lengths = [len(w) for w in words]
    vocabulary = len({word for text in words for word in text})
    config = {
        "data": {
            "source": "csv",
            "train": str(path),
            "validation": None,
            "test": None,
            "text_column": text_column,
            "label_column": label_column,
            **({"delimiter": delimiter} if delimiter != "," else {}),
        },
        "vectorizer": {
            "max_tokens": int(min(20000, _round_up(vocabulary + 2, 1000))),
            "max_length": int(_round_up(np.percentile(lengths, 95), 16)),
            "keep": "end",
        },
        "model": {"embedding": {"dim": 64}, "cell": "lstm", "units": 64, "dropout": 0.3},
        "train": {"epochs": 5, "batch_size": 64, "learning_rate": 0.001},
    }
    classes = sorted(set(values[label_column]) - {""})
    header = (
        f"# Starter config for {path.name} (written by `lstmcls init`; guessed from {len(rows):,} rows).\n"
        f"# text column {text_column!r}; label column {label_column!r} with {len(classes)} classes: "
        f"{', '.join(classes[:10])}{' ...' if len(classes) > 10 else ''}\n"
        f"# max_length covers 95 % of texts; set data.test to score with `lstmcls eval`.\n"
    )
    return header + yaml.safe_dump(config, sort_keys=False)


def write_starter_config(
    csv_path: str | Path, out: str | Path | None = None, delimiter: str = ",", force: bool = False
) -> Path:
    """Write `init_config(csv_path, delimiter)` to `out` (default: `<CSV stem>.yaml` in the working directory).

    Raises:
        ConfigError: `out` exists and `force` is not set.
    """
    text = init_config(csv_path, delimiter)
    out = Path(out) if out is not None else Path(Path(csv_path).name.split(".")[0] + ".yaml")
    if out.exists() and not force:
        raise ConfigError(f"{out} already exists; pass --out FILE or --force")
    out.write_text(text, encoding="utf-8")
    return out


def _round_up(value: float, step: int) -> int:
    return max(step, int(math.ceil(value / step) * step))
