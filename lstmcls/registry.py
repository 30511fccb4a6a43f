"""Name → entry registries that answer unknown names with "did you mean".

A registry holds what the config may name (a cell, a pooling, a data source) and what is known about it; the
module that builds the thing attaches its builder to the same name, so the schema can check names without
importing Keras or TensorFlow, and nothing depends on import order but that one attachment.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

T = TypeVar("T")
B = TypeVar("B")


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """A suffix for error messages: the closest known name, if any, and the full list."""
    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"{hint}known: {', '.join(known)}"


class Registry(Generic[T]):
    """Entries by name, so a new cell or data source is added in one place with one decorator."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        self._builders: dict[str, Any] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def decorator(item: T) -> T:
            if name in self._items:
                raise ValueError(f"{self.kind} {name!r} is already registered")
            self._items[name] = item
            return item

        return decorator

    def names(self) -> list[str]:
        return sorted(self._items)

    def check(self, name: str) -> str:
        """Return `name` if registered; raise ValueError with a "did you mean" otherwise."""
        if name not in self._items:
            raise ValueError(f"unknown {self.kind} {name!r}; {did_you_mean(name, self._items)}")
        return name

    def get(self, name: str) -> T:
        return self._items[self.check(name)]

    def builds(self, name: str) -> Callable[[B], B]:
        """Attach the builder of a registered entry (from the module that builds it: Keras, TensorFlow, readers)."""

        def decorator(builder: B) -> B:
            self.check(name)
            if name in self._builders:
                raise ValueError(f"{self.kind} {name!r} already has a builder")
            self._builders[name] = builder
            return builder

        return decorator

    def builder(self, name: str) -> Any:
        """The builder attached to `name`; a LookupError names the entry that has none (a programming error)."""
        if self.check(name) not in self._builders:
            raise LookupError(f"{self.kind} {name!r} is registered but no builder is attached to it")
        return self._builders[name]
