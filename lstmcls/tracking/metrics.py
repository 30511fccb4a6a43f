"""The numbers a tracker shows for a run: its final validation and test scores, epochs and time."""

from __future__ import annotations

import json
from typing import Any

from lstmcls.runs import EVAL, METRICS, Run


def final_metrics(run: Run) -> dict[str, float]:
    """The kept epoch's validation scores (`validation_*`), the test split's (`test_*`, once evaluated), epochs,
    the kept epoch and seconds: what a run is compared on."""
    found: dict[str, float] = {}
    for name, prefix in ((METRICS, "validation_"), (EVAL, "test_")):
        if run.file(name).is_file():
            data = json.loads(run.file(name).read_text(encoding="utf-8"))
            found |= {prefix + key: value for key, value in numbers(data.get("validation", data)).items()}
            found |= {key: value for key, value in numbers(data).items() if key in ("epochs", "best_epoch", "seconds")}
    found.pop("test_examples", None)
    return found


def numbers(values: dict[str, Any]) -> dict[str, float]:
    """The entries that are numbers, as floats (Keras logs, history rows, JSON results)."""
    found = {}
    for key, value in values.items():
        try:
            found[key] = float(value)
        except (TypeError, ValueError):
            continue
    return found
