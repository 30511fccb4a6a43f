"""The records of an unlabelled file read a bounded chunk at a time, and written back with columns added: what
`lstmcls predict --data FILE --out FILE` streams through. CSV/TSV, JSON Lines (each maybe gzipped) and Parquet
come in; CSV, JSON Lines and Parquet go out. No reader or writer holds more than one chunk, so memory stays flat
however large the input."""

from __future__ import annotations

import csv
import itertools
import json
import sys
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lstmcls.data.readers.rows import check_columns, open_text
from lstmcls.errors import DataError
from lstmcls.registry import Registry

CHUNK_ROWS = 1024
LABEL = "predicted_label"  # not `label`: a labelled file keeps its own label column beside it
PROBABILITY = "p_"  # the probability of class `neg` is written in the column `p_neg`


@dataclass(frozen=True)
class Chunk:
    """Up to a chunk's worth of one file's records, and each record's text ("" where it is blank or null)."""

    records: list[dict[str, Any]]
    texts: list[str]
    schema: Any = None  # a Parquet input's pyarrow schema, which a Parquet output keeps


@dataclass(frozen=True)
class Layout:
    """What an output holds: the input's columns (of its first file), then the predicted label and one probability
    column per class. A multi-label run's label is its label set: joined by `separator` in CSV, a list elsewhere."""

    columns: list[str]
    classes: list[str]
    multi_label: bool = False
    separator: str = "|"

    @property
    def added(self) -> list[str]:
        return added_columns(self.classes)


def added_columns(classes: list[str]) -> list[str]:
    """The columns an output adds to the input's: `label`, then `p_<class>` for each class."""
    return [LABEL, *(PROBABILITY + name for name in classes)]


# === Reading ===


class RecordReader:
    """One input format: `columns` checks a file before anything is written, `chunks` reads it."""

    @staticmethod
    def columns(path: Path, text: str) -> list[str]:
        """The file's columns (a JSON Lines file: its first object's fields); a DataError without `text`."""
        raise NotImplementedError

    @staticmethod
    def chunks(path: Path, text: str, size: int) -> Iterator[Chunk]:
        """The file's records, `size` at a time (never an empty chunk)."""
        raise NotImplementedError

    @staticmethod
    def rows(path: Path) -> int | None:
        """How many records the file holds, where that is cheap to know (None otherwise)."""
        return None


class CsvRecords(RecordReader):
    """CSV, or TSV when the name says `.tsv`; every cell a string."""

    @staticmethod
    def columns(path: Path, text: str) -> list[str]:
        with _reading(path), open_text(path) as handle:
            header = next(csv.reader(handle, delimiter=_delimiter(path)), None)
        if not header:
            raise DataError(f"{path}: the file is empty; it needs a header row with {text!r}")
        check_columns(path, header, text, setting="--text-column")
        return header

    @staticmethod
    def chunks(path: Path, text: str, size: int) -> Iterator[Chunk]:
        csv.field_size_limit(sys.maxsize)
        with _reading(path), open_text(path) as handle:
            reader = csv.DictReader(handle, delimiter=_delimiter(path))
            for rows in _batched(enumerate(reader, start=1), size):
                records = [_csv_record(path, number, row) for number, row in rows]
                yield Chunk(records, [record[text] for record in records])


def _csv_record(path: Path, number: int, row: dict) -> dict[str, str]:
    if None in row:
        raise DataError(f"{path}: row {number} has more cells than the header has columns")
    return {name: "" if value is None else value for name, value in row.items()}


def _delimiter(path: Path) -> str:
    return "\t" if ".tsv" in (suffix.lower() for suffix in path.suffixes) else ","


class JsonlRecords(RecordReader):
    """JSON Lines: one object per line (blank lines skipped); the text field a string or null."""

    @staticmethod
    def columns(path: Path, text: str) -> list[str]:
        with _reading(path), open_text(path) as handle:
            first = next(_objects(path, handle, text), None)
        return list(first[1]) if first else []

    @staticmethod
    def chunks(path: Path, text: str, size: int) -> Iterator[Chunk]:
        with _reading(path), open_text(path) as handle:
            for numbered in _batched(_objects(path, handle, text), size):
                records = [record for _, record in numbered]
                yield Chunk(records, [record[text] or "" for record in records])


def _objects(path: Path, handle: Iterable[str], text: str) -> Iterator[tuple[int, dict]]:
    """The objects of a JSON Lines file with their line numbers; a DataError at the first line that is not an
    object with a string (or null) `text` field."""
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}: line {number} is not JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise DataError(f"{path}: line {number} is a JSON {type(record).__name__}, not an object")
        if text not in record:
            fields = ", ".join(map(repr, list(record)[:10])) or "none"
            raise DataError(f"{path}: line {number} has no field {text!r} (it has {fields}; pass --text-column)")
        if record[text] is not None and not isinstance(record[text], str):
            raise DataError(
                f"{path}: line {number}: field {text!r} is a JSON {type(record[text]).__name__}, not a string"
            )
        yield number, record


class ParquetRecords(RecordReader):
    """Parquet, read a record batch at a time (pyarrow); the text column a string column."""

    @staticmethod
    def columns(path: Path, text: str) -> list[str]:
        schema = _parquet(path).schema_arrow
        check_columns(path, schema.names, text, setting="--text-column")
        _check_textual(path, text, schema.field(text).type)
        return schema.names

    @staticmethod
    def chunks(path: Path, text: str, size: int) -> Iterator[Chunk]:
        parquet = _parquet(path)
        for batch in parquet.iter_batches(batch_size=size):
            if batch.num_rows:
                records = batch.to_pylist()
                yield Chunk(records, [record[text] or "" for record in records], parquet.schema_arrow)

    @staticmethod
    def rows(path: Path) -> int | None:
        return _parquet(path).metadata.num_rows


def _parquet(path: Path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{path}: not a Parquet file: {exc}") from None


def _check_textual(path: Path, column: str, kind) -> None:
    import pyarrow as pa

    value = kind.value_type if pa.types.is_dictionary(kind) else kind
    if not (pa.types.is_string(value) or pa.types.is_large_string(value) or pa.types.is_string_view(value)):
        raise DataError(f"{path}: column {column!r} holds {kind}, not text; point --text-column at a string column")


READERS: dict[str, type[RecordReader]] = {"csv": CsvRecords, "jsonl": JsonlRecords, "parquet": ParquetRecords}


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """A file that cannot be read or parsed as one DataError naming it."""
    try:
        yield
    except csv.Error as exc:
        raise DataError(f"{path}: malformed CSV: {exc}") from None
    except (OSError, EOFError, zlib.error) as exc:  # zlib: a corrupt .gz
        raise DataError(f"{path}: cannot read: {exc}") from None


def _batched(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


# === Writing ===

WRITERS: Registry[type[RecordWriter]] = Registry("output format")


class RecordWriter:
    """One output format, written to `path` chunk by chunk; `close` (or leaving the `with` block) finishes it."""

    def __init__(self, path: Path, layout: Layout) -> None:
        self.path, self.layout = path, layout

    def write(self, records: list[dict[str, Any]], schema: Any = None) -> None:
        """Append records that already hold the added columns; `schema`: a Parquet input's, kept where it can be."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _check_fields(records: list[dict[str, Any]], known: list[str]) -> None:
    """A CSV or Parquet output has one set of columns: a record with a field the first file lacks cannot fit."""
    names = set(known)
    for record in records:
        if not names.issuperset(record):
            extra = ", ".join(map(repr, sorted(set(record) - names)))
            raise DataError(
                f"a record has fields the first file's records lack ({extra}); a .csv or .parquet output has one "
                "set of columns: give files with the same columns, or write .jsonl"
            )


@WRITERS.register(".csv")
class CsvWriter(RecordWriter):
    def __init__(self, path: Path, layout: Layout) -> None:
        super().__init__(path, layout)
        self.handle = open(path, "w", encoding="utf-8", errors="surrogateescape", newline="")
        self.fieldnames = [*layout.columns, *layout.added]
        self.writer = csv.DictWriter(self.handle, self.fieldnames, restval="")
        self.writer.writeheader()

    def write(self, records: list[dict[str, Any]], schema: Any = None) -> None:
        _check_fields(records, self.fieldnames)
        self.writer.writerows({name: self._cell(name, value) for name, value in record.items()} for record in records)

    def _cell(self, name: str, value: Any) -> Any:
        """A cell as text: the label set joined, other lists and objects (JSON, Parquet) as JSON, null blank."""
        if name == LABEL and isinstance(value, list):
            return self.layout.separator.join(value)
        if isinstance(value, list | dict):
            return json.dumps(value, ensure_ascii=False, default=str)
        return "" if value is None else value

    def close(self) -> None:
        self.handle.close()


@WRITERS.register(".jsonl")
class JsonlWriter(RecordWriter):
    def __init__(self, path: Path, layout: Layout) -> None:
        super().__init__(path, layout)
        self.handle = open(path, "w", encoding="utf-8", errors="surrogateescape", newline="\n")

    def write(self, records: list[dict[str, Any]], schema: Any = None) -> None:
        for record in records:
            self.handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")

    def close(self) -> None:
        self.handle.close()


@WRITERS.register(".parquet")
class ParquetWriter(RecordWriter):
    """One row group per chunk. A Parquet input's column types are kept; otherwise they are read from the first
    chunk (a CSV's are all strings)."""

    def __init__(self, path: Path, layout: Layout) -> None:
        super().__init__(path, layout)
        self.writer = None

    def write(self, records: list[dict[str, Any]], schema: Any = None) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, self._schema(records, schema))
        _check_fields(records, self.writer.schema.names)
        try:
            table = pa.Table.from_pylist(records, schema=self.writer.schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeEncodeError) as exc:
            raise DataError(
                f"cannot write these records to Parquet ({exc}); their types differ from the first ones'"
            ) from None
        self.writer.write_table(table)

    def _schema(self, records: list[dict[str, Any]], schema: Any):
        import pyarrow as pa

        label = pa.list_(pa.string()) if self.layout.multi_label else pa.string()
        added = [pa.field(LABEL, label), *(pa.field(name, pa.float64()) for name in self.layout.added[1:])]
        if schema is not None:
            return pa.schema([*schema, *added])
        inferred = pa.Table.from_pylist(records).schema if records else pa.schema([])
        columns = [pa.field(name, _known_type(inferred, name)) for name in self.layout.columns]
        return pa.schema(columns + added)

    def close(self) -> None:
        if self.writer is None:  # no rows: the columns alone
            self.write([])
        self.writer.close()


def _known_type(schema, name: str):
    """A column's type as the first chunk shows it; a string where it does not (absent, or null throughout)."""
    import pyarrow as pa

    if name in schema.names and not pa.types.is_null(schema.field(name).type):
        return schema.field(name).type
    return pa.string()
