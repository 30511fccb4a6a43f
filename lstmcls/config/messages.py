"""One readable line for a config error: the dotted key, the problem, and what is allowed."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel

from lstmcls.config.schema import Config
from lstmcls.config.sources import SOURCES
from lstmcls.registry import did_you_mean


def describe(error: dict[str, Any]) -> str:
    """One readable line for a pydantic error: the dotted key, the problem, what is allowed."""
    path, parent = _clean_path(error["loc"])
    key = ".".join(path) or "(top level)"
    kind = error["type"]
    if kind == "extra_forbidden":
        known = [field.alias or name for name, field in parent.model_fields.items()] if parent else []
        return f"unknown key {key!r}; {did_you_mean(path[-1], known)}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag = error.get("ctx", {}).get("tag")
        found = f"unknown source {tag!r}" if tag else "missing 'source'"
        return f"{key}.source: {found}; {did_you_mean(str(tag or ''), SOURCES.names())}"
    if kind == "missing":
        return f"{key}: required key is missing"
    message = error["msg"].removeprefix("Value error, ")
    return f"{key}: {message} (got {error.get('input')!r})"


def _clean_path(loc: tuple[Any, ...]) -> tuple[list[str], type[BaseModel] | None]:
    """Drop pydantic's union tags from an error location; return it with the block holding its last key."""
    path: list[str] = []
    block: type[BaseModel] | None = Config
    parent = block
    parts = [str(part) for part in loc]
    while parts:
        part = parts.pop(0)
        path.append(part)
        parent = block
        field = block.model_fields.get(part) if block else None
        if field is None:
            block = None
        elif block is Config and part == "data" and parts and parts[0] in SOURCES.names():
            block = SOURCES.get(parts.pop(0))
        else:
            annotation = field.annotation
            optional = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            if len(optional) == 1 and typing.get_origin(annotation) in (typing.Union, types.UnionType):
                annotation = optional[0]  # `Block | None`
            if typing.get_origin(annotation) is dict and parts:  # a mapping of blocks: the next part is a key
                path.append(parts.pop(0))
                annotation = typing.get_args(annotation)[1]
            block = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return path, parent
