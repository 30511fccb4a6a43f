"""Tiny labelled data in every file format lstmcls reads, from the same learnable rows as conftest's CSVs (shared
by the tests of the readers and of `lstmcls init`), and an imbalanced CSV (the class-weight tests)."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from conftest import FILLER, WORDS, write_csv


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


def write_imbalanced(path: Path, rows: int, every: int, seed: int) -> Path:
    """`pos` on one row in `every`, `neg` on the others; the label given away by one word, as in `write_csv`."""
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for i in range(rows):
            label = "pos" if i % every == 0 else "neg"
            words = [rng.choice(FILLER) for _ in range(rng.randint(3, 12))]
            words.insert(rng.randint(0, len(words)), rng.choice(WORDS[label]))
            writer.writerow([" ".join(words), label])
    return path
