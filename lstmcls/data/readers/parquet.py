"""Parquet files, read row group by row group with pyarrow: a string text column and a string or integer label
column (with `multi_label`, a list column); a column of another type is an error naming the file and column."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lstmcls.config.sources import SOURCES, ParquetSource
from lstmcls.data.readers.rows import Label, LabelledTexts, Rows, check_columns, label_set
from lstmcls.data.readers.shards import FileReader
from lstmcls.errors import DataError


@SOURCES.builds("parquet")
class ParquetReader(FileReader):
    @staticmethod
    def read(block: ParquetSource, path: Path) -> LabelledTexts:
        return read_parquet(
            path, block.text_column, block.label_column, block.on_bad_rows, block.max_text_chars, block.multi_label
        )

    @staticmethod
    def rows(block: ParquetSource, path: Path, checks: Rows) -> Iterator[tuple[str, Label]]:
        return parquet_rows(path, block.text_column, block.label_column, block.multi_label, checks)


def read_parquet(
    path: Path,
    text_column: str,
    label_column: str,
    on_bad_rows: str = "error",
    max_text_chars: int = 1_000_000,
    multi_label: bool = False,
) -> LabelledTexts:
    """Read a labelled Parquet file, one row group at a time; rows are checked like CSV rows."""
    rows = Rows(on_bad_rows, max_text_chars, multi_label)
    return rows.collect(parquet_rows(Path(path), text_column, label_column, multi_label, rows)).result(path)


def parquet_rows(
    path: Path, text_column: str, label_column: str, multi_label: bool, checks: Rows
) -> Iterator[tuple[str, Label]]:
    """The (text, label) rows of a Parquet file that pass `checks`, one row group in memory at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not path.is_file():
        raise DataError(f"data file not found: {path}")
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{path}: not a Parquet file: {exc}") from None
    check_columns(path, parquet.schema_arrow.names, text_column, label_column)
    check_types(path, parquet.schema_arrow, text_column, label_column, multi_label)
    row_number = 0
    for group in range(parquet.num_row_groups):
        table = parquet.read_row_group(group, columns=[text_column, label_column])
        for text, label in zip(table.column(text_column).to_pylist(), table.column(label_column).to_pylist()):
            row_number += 1
            label = label_set(label or [], "|") if multi_label else ("" if label is None else str(label).strip())
            text = (text or "").strip()
            if checks.passes(text, label, f"{path}: row {row_number} (row group {group + 1})"):
                yield text, label


def check_types(path: Path, schema, text_column: str, label_column: str, multi_label: bool) -> None:
    """A text column must hold strings; a label column strings or integers (lists of them with multi_label)."""
    import pyarrow as pa

    def textual(kind) -> bool:
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)

    def label_like(kind) -> bool:
        return textual(kind) or pa.types.is_integer(kind)

    text_type, label_type = schema.field(text_column).type, schema.field(label_column).type
    if not textual(text_type):
        raise DataError(
            f"{path}: column {text_column!r} holds {text_type}, not text; point data.text_column at a string column"
        )
    if multi_label:
        if not (pa.types.is_list(label_type) or pa.types.is_large_list(label_type)) or not label_like(
            label_type.value_type
        ):
            raise DataError(
                f"{path}: column {label_column!r} holds {label_type}; with data.multi_label a label column holds "
                "lists of strings or integers"
            )
    elif not label_like(label_type):
        raise DataError(
            f"{path}: column {label_column!r} holds {label_type}; a label column holds strings or integers "
            "(lists need data.multi_label: true)"
        )
