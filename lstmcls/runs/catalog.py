"""Listing runs and describing one: what `lstmcls runs` and `lstmcls show` print."""

from __future__ import annotations

import json
from typing import Any

from lstmcls.errors import RunError
from lstmcls.runs.files import CLASSIFIER, CONFIG, EVAL, LOGS, META, METRICS, RUNNING
from lstmcls.runs.run import Run, read_json


def summarize(run: Run) -> dict[str, Any]:
    """One row of `lstmcls runs`: what a person compares between runs. Never raises on a broken run.

    A `running` run whose process is gone shows as `killed`; a tuning trial names its study and trial number; the
    linear baseline's accuracies stand beside the model's (None for a run without one).
    """
    meta, metrics, evaluation = optional_json(run, META), optional_json(run, METRICS), optional_json(run, EVAL)
    status = meta.get("status", "unreadable")
    trial = meta.get("tune") or {}
    return {
        "id": run.id,
        "name": meta.get("name"),
        "kind": meta.get("kind", CLASSIFIER),
        "status": run.shown_status if status == RUNNING else status,
        "study": trial.get("study"),
        "trial": trial.get("trial"),
        "started": meta.get("started"),
        "epochs": metrics.get("epochs"),
        "val_accuracy": metrics.get("validation", {}).get("accuracy"),
        "test_accuracy": evaluation.get("accuracy"),
        "baseline_val_accuracy": metrics.get("baseline", {}).get("validation", {}).get("accuracy"),
        "baseline_test_accuracy": evaluation.get("baseline", {}).get("accuracy"),
        "seconds": metrics.get("seconds"),
        "path": str(run.path),
    }


def optional_json(run: Run, name: str) -> dict[str, Any]:
    """A JSON file of the run, or {} when it is missing or unreadable (listing never fails on a broken run)."""
    try:
        return read_json(run.file(name), what=run.id) if run.file(name).is_file() else {}
    except RunError:
        return {}


def details(run: Run) -> dict[str, Any]:
    """What `lstmcls show` prints: the `summarize` row plus run.json, the config text, metrics and the files."""
    config, metrics = run.file(CONFIG), run.file(METRICS)
    return {
        **summarize(run),
        "meta": run.meta,
        "config": config.read_text() if config.is_file() else None,
        "metrics": json.loads(metrics.read_text()) if metrics.is_file() else None,
        "files": sorted(str(p) for p in run.path.rglob("*") if p.is_file() and LOGS not in p.parts),
    }
