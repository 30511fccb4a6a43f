"""Durations as people write them (`90s`, `10m`, `1h30m`, `600` seconds) and the floor of a time budget.

Kept free of TensorFlow, so that `lstmcls train --autotune 10x` answers at once.
"""

from __future__ import annotations

import math
import re

from lstmcls.errors import ConfigError

# Below this no autotune is worth starting: loading the data, building and compiling a model and fitting the
# linear baseline take seconds before the first epoch, and a search needs several trials.
# Whether a budget above it fits a trial on the data at hand is known after the first trial (`autotune`).
MIN_BUDGET_SECONDS = 30.0
_UNITS = (("h", 3600), ("m", 60), ("s", 1))
_NUMBER = r"\d+(?:\.\d+)?"
_DURATION = re.compile("".join(f"(?:({_NUMBER}){unit})?" for unit, _ in _UNITS))
_EXAMPLES = "e.g. 90s, 10m, 1h30m or 600 (seconds)"


def parse_duration(text: str, option: str = "--autotune") -> float:
    """Seconds in `text`: a plain number of seconds, or hours, minutes and seconds in that order (`1h30m`, `2m30s`).

    Raises:
        ConfigError: one line naming `option`, the text and the forms it takes.
    """
    compact = re.sub(r"\s+", "", text).lower()
    if re.fullmatch(_NUMBER, compact):
        return float(compact)
    match = _DURATION.fullmatch(compact)
    if not compact or match is None:
        raise ConfigError(f"{option} {text!r} is not a duration; give seconds or h, m and s, {_EXAMPLES}")
    return sum(float(amount) * seconds for amount, (_, seconds) in zip(match.groups(), _UNITS) if amount)


def parse_budget(text: str, option: str = "--autotune") -> float:
    """A time budget: `parse_duration`, then `check_budget` (a plain small number hints at minutes)."""
    seconds = parse_duration(text, option)
    minutes = re.fullmatch(_NUMBER, text.strip()) is not None and seconds * 60 >= MIN_BUDGET_SECONDS
    check_budget(seconds, f"{option} {text}", hint=f"did you mean {text.strip()}m? " if minutes else "")
    return seconds


def check_budget(seconds: float, what: str = "the autotune budget", hint: str = "") -> None:
    """Refuse a budget under MIN_BUDGET_SECONDS, saying what would do."""
    if seconds < MIN_BUDGET_SECONDS:
        raise ConfigError(
            f"{what}: {format_duration(seconds)} is too short to search (at least "
            f"{format_duration(MIN_BUDGET_SECONDS)}); {hint}a search needs several trials, "
            "e.g. 10m"
        )


def format_duration(seconds: float) -> str:
    """`600` → `10m`, `5400` → `1h30m`, `45.2` → `46s` (rounded up): the form `parse_duration` reads."""
    left, parts = math.ceil(seconds - 1e-9), []
    for unit, size in _UNITS:
        if left >= size or (unit == "s" and not parts):
            parts.append(f"{left // size}{unit}")
            left %= size
    return "".join(parts)
