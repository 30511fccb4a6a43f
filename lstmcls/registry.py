"""Name → builder registries that answer unknown names with "did you mean"."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

T = TypeVar("T")


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """A suffix for error messages: the closest known name, if any, and the full list."""
    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"{hint}known: {', '.join(known)}"


class Registry(Generic[T]):
    """Builders by name, so a new cell or data source is added in one place with one decorator."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

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
