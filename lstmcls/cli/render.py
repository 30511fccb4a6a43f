"""Readable summaries for the terminal: tables of evaluations, runs, trials and data reports (rich).

Plain text when output is not a terminal; the CLI's `--json` options print the same data for scripts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table


def console() -> Console:
    """Markup off (texts and paths hold brackets); no width limit into pipes and files."""
    return Console(markup=False, width=None if sys.stdout.isatty() else 200)


def table(header: list[str], rows: list[list[str]], title: str | None = None) -> None:
    grid = Table(*header, title=title)
    for row in rows:
        grid.add_row(*row)
    console().print(grid)


def cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def evaluation(run_path: Path, result: dict[str, Any]) -> None:
    summary = f"accuracy {result['accuracy']:.4f}   macro F1 {result['macro_f1']:.4f}"
    if "roc_auc" in result:
        summary += f"   ROC-AUC {result['roc_auc']:.4f}"
    print(f"run {run_path} on {result['data']} ({result['examples']} examples)")
    print(summary)
    rows = [
        [name, *(f"{row[k]:.4f}" for k in ("precision", "recall", "f1")), str(row["support"])]
        for name, row in result["per_class"].items()
    ]
    table(["class", "precision", "recall", "F1", "support"], rows)
    names = list(result["per_class"])
    matrix = [[name, *map(str, row)] for name, row in zip(names, result["confusion_matrix"])]
    table(["true \\ predicted", *names], matrix, title="confusion matrix")


def runs_table(rows: list[dict[str, Any]]) -> None:
    columns = {"id": "run", "name": "config", "kind": "kind", "status": "status", "epochs": "epochs",
               "val_accuracy": "val acc", "test_accuracy": "test acc", "seconds": "seconds"}  # fmt: skip
    rows = [{**row, "seconds": None if row["seconds"] is None else round(row["seconds"])} for row in rows]
    table(list(columns.values()), [[cell(row[key]) for key in columns] for row in rows])


def run_details(details: dict[str, Any]) -> None:
    """`lstmcls show`: status, times, metrics, config and files of one run (`lstmcls.runs.run.details`)."""
    meta, metrics = details["meta"], details["metrics"] or {}
    error = f" ({meta['error']})" if meta.get("error") else ""
    print(f"{details['kind']} run {details['id']}: {details['status']}{error}")
    print(f"started {meta.get('started')}, finished {meta.get('finished', '-')}, seed {meta.get('seed')}")
    if "validation" in metrics:
        print("validation: " + ", ".join(f"{k} {v:.4f}" for k, v in metrics["validation"].items()))
    if "words" in metrics:
        print(f"{metrics['words']:,} word vectors from {metrics['corpus']['tokens']:,} tokens")
    if details["test_accuracy"] is not None:
        print(f"test accuracy: {details['test_accuracy']:.4f}")
    print("\nconfig:\n" + (details["config"] or "(missing)"))
    print("files:\n  " + "\n  ".join(details["files"]))


def trials_table(rows: list[dict[str, Any]]) -> None:
    table(
        ["trial", "state", "params", "value", "seconds"],
        [[str(r["number"]), r["state"], json.dumps(r["params"]), cell(r["value"]), str(r["seconds"])] for r in rows],
    )


def data_report(report: dict[str, Any]) -> None:
    splits = report["splits"]
    header = ["", *splits]
    rows = [["examples", *(f"{s['examples']:,}" for s in splits.values())]]
    rows += [
        [f"class {name}", *(f"{s['class_counts'][name]:,}" for s in splits.values())] for name in report["classes"]
    ]
    for key in ("p5", "p50", "p95", "max"):
        rows.append([f"tokens {key}", *(str(s["length_tokens"][key]) for s in splits.values())])
    rows.append(["truncated", *(f"{s['truncated']:.1%}" for s in splits.values())])
    for key in ("duplicates", "conflicting_duplicates", "empty_after_standardize"):
        rows.append([key.replace("_", " "), *(str(s[key]) for s in splits.values())])
    table(header, rows)
    vocabulary = report["vocabulary"]
    print(
        f"vocabulary: {vocabulary['distinct_tokens']:,} distinct training tokens; "
        f"max_tokens {vocabulary['max_tokens']:,} covers {vocabulary['train_coverage']:.1%} of training tokens"
        + (f" and {vocabulary['test_coverage']:.1%} of test tokens" if "test_coverage" in vocabulary else "")
    )
    print("leakage: " + (", ".join(f"{k.replace('_', '/')} {v}" for k, v in report["leakage"].items()) or "-"))
    for warning in report["warnings"]:
        print(f"warning: {warning}")
    if not report["warnings"]:
        print("no warnings")
