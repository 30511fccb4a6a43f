"""`predict_file(run, data, out)`: label a file, or a glob of shards, into a new file (`lstmcls predict --data
FILE --out FILE`), streaming: a bounded chunk of records is read, predicted and written before the next, so memory
stays flat however large the input. Every input column is kept; the label and each class's probability are added,
decided as `predict` decides. The output appears only when it is complete."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lstmcls.data.readers.formats import NAME_KEYS, file_format
from lstmcls.data.readers.rows import matched_files
from lstmcls.data.splits import text_dataset
from lstmcls.errors import DataError
from lstmcls.inference.prediction import batch_probabilities, decide
from lstmcls.inference.records import (
    CHUNK_ROWS,
    LABEL,
    PROBABILITY,
    READERS,
    WRITERS,
    Chunk,
    Layout,
    RecordReader,
    RecordWriter,
    added_columns,
)
from lstmcls.reporting import progress
from lstmcls.runs.run import Run


@dataclass(frozen=True)
class BatchResult:
    """What `predict_file` wrote: how many rows, where, from how many files, in how long."""

    rows: int
    out: Path
    files: int
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "out": str(self.out), "files": self.files, "seconds": round(self.seconds, 3)}


def predict_file(
    run: Run, data: str | Path, out: str | Path, text_column: str | None = None, chunk_rows: int = CHUNK_ROWS
) -> BatchResult:
    """Predict every record of `data` (`.csv`, `.tsv`, `.jsonl`, each maybe gzipped, `.parquet`, or a glob of
    shards of one of them, read in sorted order) into `out` (`.csv`, `.jsonl` or `.parquet`).

    Args:
        text_column: the column or field that holds the text; by default the one the run trained on.
        chunk_rows: how many records are read, predicted and written at a time.

    Raises:
        DataError: bad input, found before anything is written where a file's header or schema shows it; a problem
            found later leaves nothing at `out` either.
    """
    started = time.perf_counter()
    run.require_complete()
    data, out = Path(data).expanduser(), Path(out).expanduser()
    writer = output_format(out)
    reader = READERS[input_format(data)]
    files = matched_files(data)
    text = text_column or training_text_column(run)
    layout = checked_layout(run, reader, files, text, out)
    predictor, rows = Predictor(run), 0
    with replacing(out) as partial, writer(partial, layout) as written:
        with progress.bar(_total(reader, files), "predicting") as advance:
            for chunk in _chunks(reader, files, text, chunk_rows):
                written.write(predictor.added(chunk, layout), chunk.schema)
                rows += len(chunk.records)
                advance(len(chunk.records))
    return BatchResult(rows, out, len(files), time.perf_counter() - started)


class Predictor:
    """A run's model, class names and decision, loaded once for all the chunks."""

    def __init__(self, run: Run, batch_size: int = 256) -> None:
        self.model, self.names, self.decision = run.load_model(), run.label_names(), run.decision()
        self.batch_size = batch_size

    def added(self, chunk: Chunk, layout: Layout) -> list[dict[str, Any]]:
        """The chunk's records with the label and the class probabilities added, as `predict` answers them."""
        raw = batch_probabilities(self.model, text_dataset(chunk.texts, self.batch_size))
        found = decide(chunk.texts, raw, self.names, self.decision)
        added, records = set(layout.added), []
        for record, answer in zip(chunk.records, found):
            if added & record.keys():  # a JSON Lines record can have fields its file's first one lacks
                raise DataError(_taken(sorted(added & record.keys())))
            label = answer.labels if layout.multi_label else answer.label
            probabilities = {PROBABILITY + name: p for name, p in answer.probabilities.items()}
            records.append({**record, LABEL: label, **probabilities})
        return records


# === Checks before anything is written ===


def output_format(out: Path) -> type[RecordWriter]:
    """The writer `out`'s extension names; a DataError for any other."""
    try:
        return WRITERS.get(out.suffix.lower())
    except ValueError as exc:
        raise DataError(f"{out}: cannot write this kind of file; {exc} (name --out .csv, .jsonl or .parquet)") from None


def input_format(data: Path) -> str:
    kind = file_format(data)
    if kind not in READERS:
        raise DataError(f"{data}: a folder cannot be labelled into a file; give a .csv, .tsv, .jsonl or .parquet file")
    return kind


def training_text_column(run: Run) -> str:
    """The text column or field the run trained on (`text` for a source without one, such as imdb)."""
    block = run.config().data
    return next((getattr(block, text) for text, _ in NAME_KEYS if hasattr(block, text)), "text")


def checked_layout(run: Run, reader: type[RecordReader], files: list[Path], text: str, out: Path) -> Layout:
    """The output's columns, once every file has its text column and none has a column the output adds."""
    if out.exists() and any(out.samefile(path) for path in files):
        raise DataError(f"{out}: --out is one of the input files; write the predictions to a new file")
    classes = run.label_names()
    columns = [reader.columns(path, text) for path in files]
    for path, names in zip(files, columns):
        taken = sorted(set(added_columns(classes)) & set(names))
        if taken:
            raise DataError(f"{path}: {_taken(taken)}")
    separator = getattr(run.config().data, "label_separator", "|")
    return Layout(columns[0], classes, run.decision().multi_label, separator)


def _taken(names: list[str]) -> str:
    return (
        f"it already has {', '.join(map(repr, names))}, which the output adds ({LABEL!r} and {PROBABILITY}<class> "
        "for each class); rename or drop that column"
    )


# === Streaming ===


def _chunks(reader: type[RecordReader], files: list[Path], text: str, size: int) -> Iterator[Chunk]:
    for path in files:
        yield from reader.chunks(path, text, size)


def _total(reader: type[RecordReader], files: list[Path]) -> int | None:
    """How many records there are, where the files say it cheaply (Parquet's metadata); None otherwise."""
    counts = [reader.rows(path) for path in files]
    return None if None in counts else sum(counts)


@contextmanager
def replacing(out: Path) -> Iterator[Path]:
    """A file beside `out` that becomes `out` only when the block ends well: an error or Ctrl-C removes it, so a
    half-written file never passes for a complete one."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        yield partial
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
