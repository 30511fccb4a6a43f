"""Comparing runs: their configs as dotted keys, the keys that vary, `lstmcls runs --where/--sort`, and
`lstmcls compare RUN RUN...` (the keys that differ, metrics and time side by side, curves overlaid)."""

from __future__ import annotations

import csv
import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lstmcls.errors import ConfigError, RunError
from lstmcls.runs.catalog import optional_json, summarize
from lstmcls.runs.files import CONFIG, CURVES, EVAL, HISTORY, METRICS, PLOTS
from lstmcls.runs.run import Run, list_runs

# Where a run is written, what it is called and where it is tracked is not what it learned (the name has its own
# column).
NOT_COMPARED = ("run.", "track.")
_ABSENT = object()


def flat_config(run: Run) -> dict[str, Any]:
    """A run's resolved config as dotted keys (`model.embedding.dim: 8`); {} when config.yaml is unreadable."""
    try:
        raw = yaml.safe_load(run.file(CONFIG).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return flatten(raw) if isinstance(raw, dict) else {}


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested blocks as dotted keys; lists and empty blocks stay values."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def varying(configs: Sequence[dict[str, Any]]) -> list[str]:
    """The compared keys whose values are not the same in every config (a key one config lacks differs).

    A run without a readable config (one that broke before writing it) has nothing to compare and is left out.
    """
    configs = [config for config in configs if config]
    keys = dict.fromkeys(key for config in configs for key in config)
    return [
        key
        for key in keys
        if not key.startswith(NOT_COMPARED) and len({_comparable(config.get(key, _ABSENT)) for config in configs}) > 1
    ]


def _comparable(value: Any) -> str:
    return "<absent>" if value is _ABSENT else json.dumps(value, sort_keys=True, default=str)


# === lstmcls runs ===


@dataclass(frozen=True)
class Listing:
    """What `lstmcls runs` shows: one row per run (`summarize`, plus `config`: its values of `columns`)."""

    rows: list[dict[str, Any]]
    columns: list[str]


def listing(
    runs_dir: str | Path, where: Sequence[str] = (), sort: str | None = None, ascending: bool = False
) -> Listing:
    """The runs of `runs_dir`, newest first, with the config keys that vary among those shown.

    Args:
        where: `KEY=VALUE` filters, all of which a run must pass; KEY is a column (`status`, `val_accuracy`, ...)
            or a dotted config key (`model.cell`); VALUE is read as YAML (`model.units=64` is a number).
        sort: a column or config key; the highest value first (a leaderboard), runs without it last.
        ascending: the lowest value first instead.

    Raises:
        ConfigError: a filter that is not KEY=VALUE, or a key no run has.
    """
    runs = list_runs(Path(runs_dir))
    rows = [{**summarize(run), "config": flat_config(run)} for run in runs]
    if not rows:
        return Listing([], [])
    known = {key for row in rows for key in (*row, *row["config"]) if key != "config"}
    for condition in where:
        key, value = _condition(condition, known)
        rows = [row for row in rows if _matches(_value(row, key), value)]
    if sort is not None:
        _check_key(sort, known, "--sort")
        present = [row for row in rows if _value(row, sort) is not None]
        present.sort(key=lambda row: _order(_value(row, sort)), reverse=not ascending)
        rows = present + [row for row in rows if _value(row, sort) is None]
    columns = varying([row["config"] for row in rows])
    shown = [{**row, "config": {key: row["config"].get(key) for key in columns}} for row in rows]
    return Listing(shown, columns)


def _condition(text: str, known: set[str]) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--where {text!r}: expected KEY=VALUE, for example --where model.cell=gru")
    _check_key(key.strip(), known, "--where")
    try:
        return key.strip(), yaml.safe_load(value)
    except yaml.YAMLError:
        return key.strip(), value


def _check_key(key: str, known: set[str], option: str) -> None:
    if key not in known:
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(
            f"{option}: no run has {key!r}; {hint}give a column (status, val_accuracy, ...) or a config key "
            "as in a run's config.yaml (model.cell, train.epochs, ...)"
        )


def _value(row: dict[str, Any], key: str) -> Any:
    return row[key] if key in row else row["config"].get(key)


def _matches(actual: Any, wanted: Any) -> bool:
    """Equal, or equal as text, or as numbers: YAML reads `1e-3` as text, a run's config holds 0.001."""
    if actual == wanted or str(actual) == str(wanted):
        return True
    actual, wanted = _number(actual), _number(wanted)
    return actual is not None and actual == wanted


def _number(value: Any) -> float | None:
    if isinstance(value, bool):  # true is no 1
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _order(value: Any) -> tuple[int, Any]:
    """Numbers before text, each in its own order (mixed columns never fail to sort)."""
    return (0, float(value)) if isinstance(value, int | float) else (1, str(value))


# === lstmcls compare ===


def compare(runs: Sequence[Run]) -> dict[str, Any]:
    """Two or more runs side by side: the config keys that differ, validation and test metrics, epochs, time.

    Every value is a list with one entry per run, in the order given (None where a run lacks it).
    """
    if len(runs) < 2:
        raise RunError("give two runs or more to compare (their directories under runs/)")
    for run in runs:
        run.check_exists()
    configs = [flat_config(run) for run in runs]
    metrics = [optional_json(run, METRICS) for run in runs]
    tests = [optional_json(run, EVAL) for run in runs]
    return {
        "runs": [run.id for run in runs],
        "paths": [str(run.path) for run in runs],
        "status": [summarize(run)["status"] for run in runs],
        "config": {key: [config.get(key) for config in configs] for key in varying(configs)},
        "validation": _side_by_side([m.get("validation", {}) for m in metrics]),
        "test": _side_by_side([{k: v for k, v in t.items() if isinstance(v, float)} for t in tests]),
        "epochs": [m.get("epochs") for m in metrics],
        "best_epoch": [m.get("best_epoch") for m in metrics],
        "seconds": [m.get("seconds") for m in metrics],
    }


def _side_by_side(scores: list[dict[str, Any]]) -> dict[str, list[Any]]:
    names = dict.fromkeys(name for score in scores for name in score)
    return {name: [score.get(name) for score in scores] for name in names}


def compare_plot(runs: Sequence[Run], out: Path) -> Path:
    """The runs' learning curves overlaid in one PNG, and their ROC and precision-recall curves where every run
    has them (the test split's, else the validation split's)."""
    from lstmcls.reporting.plots import comparison

    histories = {}
    for run in runs:
        if not run.file(HISTORY).is_file():
            raise RunError(f"run {run.id} has no {HISTORY} (it never finished an epoch); leave it out of --png")
        with open(run.file(HISTORY), newline="") as handle:
            histories[run.id] = list(csv.DictReader(handle))
    for split in ("test", "validation"):
        paths = [run.file(PLOTS) / CURVES.format(split=split) for run in runs]
        if all(path.is_file() for path in paths):
            curves = {run.id: json.loads(path.read_text()) for run, path in zip(runs, paths)}
            return comparison(histories, out, curves, split)
    return comparison(histories, out)
