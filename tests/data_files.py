"""Tiny labelled data in every file format lstmcls reads, from the same learnable rows as conftest's CSVs (shared
by the tests of the readers and of `lstmcls init`)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from conftest import write_csv


def examples(directory: Path, labels: list[str], rows: int, seed: int = 0) -> list[dict[str, str]]:
    """`rows` learnable (text, label) rows, as conftest's `write_csv` makes them."""
    path = write_csv(directory / f"_rows-{seed}-{rows}.csv", labels, rows=rows, seed=seed)
    with open(path, newline="", encoding="utf-8") as handle:
        found = list(csv.DictReader(handle))
    path.unlink()
    return found


def write_jsonl(path: Path, rows: list[dict], text: str = "text", label: str = "label") -> Path:
    lines = [json.dumps({text: row["text"], label: row["label"], "id": i}) for i, row in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_parquet(
    path: Path, rows: list[dict], text: str = "text", label: str = "label", replace: dict | None = None
) -> Path:
    """A Parquet file in row groups of 16 rows; `replace` replaces or adds columns (to give one a wrong type)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = {text: [row["text"] for row in rows], label: [row["label"] for row in rows], **(replace or {})}
    pq.write_table(pa.table(table), path, row_group_size=16)
    return path


def write_folder(root: Path, rows: list[dict]) -> Path:
    """One sub-folder of .txt files per class."""
    for i, row in enumerate(rows):
        (root / row["label"]).mkdir(parents=True, exist_ok=True)
        (root / row["label"] / f"{i:04d}.txt").write_text(row["text"], encoding="utf-8")
    return root
