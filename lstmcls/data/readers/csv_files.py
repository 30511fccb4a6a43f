"""CSV and TSV files (plain or gzip), one file or a glob of shards, checked row by row; and unlabelled texts for
pretraining (a CSV column, or one text per line)."""

from __future__ import annotations

import csv
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

from lstmcls.config.sources import SOURCES, CsvSource
from lstmcls.data.readers.rows import (
    Label,
    LabelledTexts,
    Rows,
    UnlabelledTexts,
    check_columns,
    has_undecodable_bytes,
    label_set,
    open_text,
    sha256,
)
from lstmcls.data.readers.shards import FileReader
from lstmcls.errors import DataError


@SOURCES.builds("csv")
class CsvReader(FileReader):
    @staticmethod
    def read(block: CsvSource, path: Path) -> LabelledTexts:
        return read_csv(
            path,
            block.text_column,
            block.label_column,
            block.delimiter,
            block.on_bad_rows,
            block.max_text_chars,
            block.label_separator if block.multi_label else None,
        )

    @staticmethod
    def rows(block: CsvSource, path: Path, checks: Rows) -> Iterator[tuple[str, Label]]:
        separator = block.label_separator if block.multi_label else None
        return csv_rows(path, block.text_column, block.label_column, block.delimiter, separator, checks)


def read_csv(
    path: Path,
    text_column: str,
    label_column: str,
    delimiter: str = ",",
    on_bad_rows: str = "error",
    max_text_chars: int = 1_000_000,
    label_separator: str | None = None,
) -> LabelledTexts:
    """Read a labelled CSV (gzip detected by content); with `label_separator`, each label cell is a set of labels.

    A bad row (text or label empty or missing, an empty label set, bytes that are not UTF-8, a text over
    `max_text_chars`) raises a DataError naming the row, or with `on_bad_rows="skip"` is dropped and counted by
    reason.
    """
    rows = Rows(on_bad_rows, max_text_chars, multi_label=label_separator is not None)
    rows.collect(csv_rows(Path(path), text_column, label_column, delimiter, label_separator, rows))
    return rows.result(path, "no usable data rows under the header")


def csv_rows(
    path: Path, text_column: str, label_column: str, delimiter: str, label_separator: str | None, checks: Rows
) -> Iterator[tuple[str, Label]]:
    """The (text, label) rows of a CSV that pass `checks`, one at a time (what streaming reads)."""
    if not path.is_file():
        raise DataError(f"data file not found: {path}")
    csv.field_size_limit(sys.maxsize)
    try:
        with open_text(path) as handle:
            reader = csv.DictReader(handle, delimiter=delimiter)
            if reader.fieldnames is None:
                raise DataError(f"{path}: the file is empty; it needs a header row with {text_column!r}")
            check_columns(path, reader.fieldnames, text_column, label_column)
            for row_number, row in enumerate(reader, start=1):
                text, label = (row.get(text_column) or "").strip(), (row.get(label_column) or "").strip()
                if label_separator is not None:
                    label = label_set(label, label_separator)
                if checks.passes(text, label, f"{path}: row {row_number} (line {reader.line_num})"):
                    yield text, label
    except csv.Error as exc:
        raise DataError(f"{path}: malformed CSV: {exc}") from None
    except (OSError, EOFError, zlib.error) as exc:  # zlib: a corrupt .gz
        raise DataError(f"{path}: cannot read: {exc}") from None


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
                check_columns(path, reader.fieldnames or [], column, setting="pretrain.text_column")
                rows = (row.get(column) or "" for row in reader)
            else:
                rows = handle
            for number, text in enumerate(rows, start=1):
                if has_undecodable_bytes(text):
                    raise DataError(f"{path}: {'row' if is_csv else 'line'} {number}: bytes that are not UTF-8")
                if text.strip():
                    texts.append(text.strip())
    except csv.Error as exc:
        raise DataError(f"{path}: malformed CSV: {exc}") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: cannot read: {exc}") from None
    if not texts:
        raise DataError(f"{path}: no texts in it")
    return UnlabelledTexts(texts, origin=str(path), fingerprint=f"sha256:{sha256(path)}")
