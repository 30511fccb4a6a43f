"""JSON Lines files (plain or gzip): one JSON object per line, the text and the label in fields named by the config;
with `multi_label` the label is a JSON list (or a string split on `label_separator`)."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from pathlib import Path

from lstmcls.config.sources import SOURCES, JsonlSource
from lstmcls.data.readers.rows import Label, LabelledTexts, Rows, label_set, open_text
from lstmcls.data.readers.shards import FileReader
from lstmcls.errors import DataError


@SOURCES.builds("jsonl")
class JsonlReader(FileReader):
    @staticmethod
    def read(block: JsonlSource, path: Path) -> LabelledTexts:
        return read_jsonl(
            path,
            block.text_field,
            block.label_field,
            block.on_bad_rows,
            block.max_text_chars,
            block.label_separator if block.multi_label else None,
        )

    @staticmethod
    def rows(block: JsonlSource, path: Path, checks: Rows) -> Iterator[tuple[str, Label]]:
        separator = block.label_separator if block.multi_label else None
        return jsonl_rows(path, block.text_field, block.label_field, separator, checks)


def read_jsonl(
    path: Path,
    text_field: str,
    label_field: str,
    on_bad_rows: str = "error",
    max_text_chars: int = 1_000_000,
    label_separator: str | None = None,
) -> LabelledTexts:
    """Read a labelled JSON Lines file; blank lines are allowed, every other line is a row checked like a CSV
    row (a line that is not a JSON object, or lacks a field, is a bad row too)."""
    rows = Rows(on_bad_rows, max_text_chars, multi_label=label_separator is not None)
    return rows.collect(jsonl_rows(Path(path), text_field, label_field, label_separator, rows)).result(path)


def jsonl_rows(
    path: Path, text_field: str, label_field: str, label_separator: str | None, checks: Rows
) -> Iterator[tuple[str, Label]]:
    """The (text, label) rows of a JSON Lines file that pass `checks`, one at a time (what streaming reads)."""
    if not path.is_file():
        raise DataError(f"data file not found: {path}")
    try:
        with open_text(path) as handle:
            for line_number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                where = f"{path}: line {line_number}"
                row, problem = _parse(line, text_field, label_field)
                if checks.bad(problem, where):
                    continue
                label = _label(row[label_field], label_separator)
                if checks.bad(None if label is not None else _label_problem(label_separator), where):
                    continue
                text = str(row[text_field]).strip()
                if checks.passes(text, label, where):
                    yield text, label
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: cannot read: {exc}") from None


def _parse(line: str, text_field: str, label_field: str) -> tuple[dict, str | None]:
    """The object on a line, or the problem with it."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return {}, f"not JSON ({exc.msg})"
    if not isinstance(row, dict):
        return {}, f"a JSON {type(row).__name__}, not an object"
    for name, setting in ((text_field, "data.text_field"), (label_field, "data.label_field")):
        if name not in row:
            fields = ", ".join(map(repr, list(row)[:10])) or "none"
            return row, f"no field {name!r} (the object has {fields}; set {setting})"
    if not isinstance(row[text_field], str):
        return row, f"field {text_field!r} is a JSON {type(row[text_field]).__name__}, not a string"
    return row, None


def _label(value: object, separator: str | None) -> str | tuple[str, ...] | None:
    """A label as text (a string or a number), or with `separator` a label set; None when the value cannot be one."""
    if separator is not None:
        if isinstance(value, list) and all(isinstance(part, str | int) for part in value):
            return label_set(value, separator)
        return label_set(value, separator) if isinstance(value, str) else None
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip()


def _label_problem(separator: str | None) -> str:
    if separator is not None:
        return "label is not a list of strings or a string"
    return "label is not a string or an integer (a list needs data.multi_label: true)"
