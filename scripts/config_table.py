"""The config key table (key, default, description) of docs/config.md, generated from the config schema.

Usage:
    python scripts/config_table.py           print the table
    python scripts/config_table.py --write   replace the table in docs/config.md with the current one
    python scripts/config_table.py --check   exit 1 when docs/config.md holds a stale table (tests check it too)
"""

from __future__ import annotations

import argparse
import sys
import typing
from pathlib import Path

from pydantic import BaseModel

from lstmcls.config.schema import Config
from lstmcls.config.sources import SOURCES

DOC = Path(__file__).resolve().parents[1] / "docs" / "config.md"
HEADER = "| key | default | meaning |"


def rows(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str, str]]:
    """(dotted key, default, description) for every leaf key of a config block, recursively."""
    found = []
    for name, field in model.model_fields.items():
        annotation = _block(field.annotation)  # an optional block (`track.mlflow`) lists its keys too
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found += rows(annotation, f"{prefix}{name}.")
            continue
        if field.is_required():
            default = "required"
        else:
            value = field.get_default(call_default_factory=True)
            value = list(value) if isinstance(value, tuple) else value  # as YAML writes it: [3, 6]
            default = "null" if value is None else f"`{str(value).lower() if isinstance(value, bool) else value}`"
        cells = (default, field.description or "")  # a `|` in a cell (data.label_separator's) would end it
        found.append((f"{prefix}{name}", *(cell.replace("|", "\\|") for cell in cells)))
    return found


def _block(annotation: type) -> type[BaseModel]:
    """The block class of a field, unwrapping an optional block (`tune: TuneConfig | None`)."""
    return next((arg for arg in typing.get_args(annotation) if arg is not type(None)), annotation)


def table() -> str:
    lines = ["| key | default | meaning |", "| --- | --- | --- |"]
    for name, field in Config.model_fields.items():
        if name == "data":
            for source in SOURCES.names():
                lines += [
                    f"| `{k}` ({source}) | {d} | {m} |"
                    for k, d, m in rows(SOURCES.get(source), "data.")
                    if k != "data.source"
                ]
            lines.insert(2, f"| `data.source` | `imdb` | One of: {', '.join(SOURCES.names())}. |")
        else:
            lines += [f"| `{k}` | {d} | {m} |" for k, d, m in rows(_block(field.annotation), f"{name}.")]
    return "\n".join(lines)


def config_keys() -> list[str]:
    """Every dotted key a config may hold (for the docs test)."""
    keys = {k for source in SOURCES.names() for k, _, _ in rows(SOURCES.get(source), "data.")}
    for name, field in Config.model_fields.items():
        if name != "data":
            keys |= {k for k, _, _ in rows(_block(field.annotation), f"{name}.")}
    return sorted(keys)


def find_table(text: str) -> tuple[int, int]:
    """(start, end) character offsets of the key table in a Markdown text: its header line and the table rows
    that follow it, up to the first line that is not a table row."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.rstrip("\n") == HEADER]
    if len(starts) != 1:
        raise ValueError(f"expected one line {HEADER!r}, found {len(starts)}")
    first = last = starts[0]
    while last + 1 < len(lines) and lines[last + 1].startswith("|"):
        last += 1
    start = sum(len(line) for line in lines[:first])
    end = sum(len(line) for line in lines[: last + 1])
    return start, end


def with_table(text: str) -> str:
    """The text with its key table replaced by the current one."""
    start, end = find_table(text)
    return text[:start] + table() + "\n" + text[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help=f"replace the table in {DOC.name}")
    action.add_argument("--check", action="store_true", help=f"exit 1 when {DOC.name}'s table is stale")
    args = parser.parse_args(argv)
    if not (args.write or args.check):
        print(table())
        return 0
    text = DOC.read_text(encoding="utf-8")
    current = with_table(text)
    if args.check:
        if current != text:
            print(f"{DOC}: the config key table is stale; run python scripts/config_table.py --write", file=sys.stderr)
            return 1
        return 0
    if current != text:
        DOC.write_text(current, encoding="utf-8")
        print(f"rewrote the config key table in {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
