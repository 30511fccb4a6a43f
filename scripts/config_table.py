"""Print the README's config key table (key, default, description) from the config schema.

Usage: python scripts/config_table.py   (paste the output into README.md; a test checks every key is there)
"""

from __future__ import annotations

import typing

from pydantic import BaseModel

from lstmcls.config import Config
from lstmcls.sources import SOURCES


def rows(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str, str]]:
    """(dotted key, default, description) for every leaf key of a config block, recursively."""
    found = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found += rows(annotation, f"{prefix}{name}.")
            continue
        if field.is_required():
            default = "required"
        else:
            value = field.get_default(call_default_factory=True)
            default = "null" if value is None else f"`{str(value).lower() if isinstance(value, bool) else value}`"
        found.append((f"{prefix}{name}", default, field.description or ""))
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
    """Every dotted key a config may hold (for the README test)."""
    keys = {k for source in SOURCES.names() for k, _, _ in rows(SOURCES.get(source), "data.")}
    for name, field in Config.model_fields.items():
        if name != "data":
            keys |= {k for k, _, _ in rows(_block(field.annotation), f"{name}.")}
    return sorted(keys)


if __name__ == "__main__":
    print(table())
