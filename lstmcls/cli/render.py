"""How each command's result appears: JSON for scripts (`--json`), else lines and tables for people (rich).

Plain text when output is not a terminal. Results go to stdout, notes about files written to stderr.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from lstmcls.inference.batch import BatchResult
    from lstmcls.inference.prediction import LabelSetPrediction, Prediction
    from lstmcls.interpret.output import ExplainOutput
    from lstmcls.interpret.types import Aggregate
    from lstmcls.runs.compare import Listing
    from lstmcls.tools.pretraining import PretrainResult
    from lstmcls.training.runner import TrainResult

SERVING_SIGNATURE = "signature serving_default: texts (string[batch]) -> probabilities (float[batch, classes]), label"
MULTI_LABEL_SIGNATURE = (
    "signature serving_default: texts (string[batch]) -> probabilities (float[batch, labels]), "
    'label (string[batch, labels]: the name where on, "" where off), multi_hot (int64[batch, labels])'
)


def print_json(data: Any, ensure_ascii: bool = True) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=ensure_ascii))


# === Commands ===


def trained(result: TrainResult, as_json: bool) -> None:
    """`lstmcls train`: the run and what to do next (a worker other than the chief has no run to show)."""
    if not result.is_chief:
        click.echo(json.dumps({"run": None}) if as_json else "done; the chief worker wrote the run")
        return
    if as_json:
        print_json({"run": str(result.run.path), **result.metrics})
        return
    click.echo(f"run: {result.run.path}")
    click.echo(f"next: lstmcls eval --run {result.run.path}")


def pretrained(result: PretrainResult, as_json: bool) -> None:
    """`lstmcls pretrain`: how many vectors, a few words' nearest neighbours, the run and what to do next."""
    run, metrics = result.run, result.metrics
    if as_json:
        print_json({"run": str(run.path), **metrics, "neighbours": result.neighbours})
        return
    click.echo(f"{metrics['words']:,} word vectors from {metrics['corpus']['tokens']:,} tokens")
    if "perplexity" in metrics:
        click.echo(_language_model_line(metrics))
    for word, nearest in result.neighbours.items():
        click.echo(f"  {word}: {', '.join(other for other, _ in nearest)}")
    click.echo(f"run: {run.path}")
    key = "model.pretrained" if "perplexity" in metrics else "model.embedding.pretrained"
    click.echo(f"next: set {key}: {run.path} in a config, then lstmcls train it")


def _language_model_line(metrics: dict[str, Any]) -> str:
    """A language model run's held-out perplexity (full softmax), of each direction, and its cost."""
    prefix = "val_perplexity_"
    each = ", ".join(f"{key.removeprefix(prefix)} {value:.1f}" for key, value in metrics.items() if prefix in key)
    return (
        f"language model: held-out perplexity {metrics['perplexity']:.1f} ({each}) after {metrics['steps']:,} steps, "
        f"{metrics['seconds_per_step']:.3f} s a step"
    )


def evaluated(run_path: Path, result: dict[str, Any], as_json: bool) -> None:
    """`lstmcls eval`: scores, per-class table and confusion matrix."""
    if as_json:
        print_json({"run": str(run_path), **result})
    else:
        evaluation(run_path, result)


def predictions(found: list[Prediction] | list[LabelSetPrediction], as_json: bool) -> None:
    """`lstmcls predict`: label, its probability and the start of the text, one line per text (a multi-label run:
    its labels and theirs, comma-separated, `-` for none)."""
    if as_json:
        print_json([asdict(p) for p in found], ensure_ascii=False)
        return
    for p in found:
        snippet = p.text if len(p.text) <= 60 else p.text[:57] + "..."
        chosen = p.labels if hasattr(p, "labels") else [p.label]
        probabilities = ",".join(f"{p.probabilities[label]:.4f}" for label in chosen) or "-"
        click.echo(f"{','.join(chosen) or '-'}\t{probabilities}\t{snippet}")


def batch_predicted(result: BatchResult, as_json: bool) -> None:
    """`lstmcls predict --data --out`: the rows written, where, and how long it took."""
    if as_json:
        print_json(result.to_json())
        return
    files = f" from {result.files} files" if result.files > 1 else ""
    click.echo(f"wrote {result.rows:,} rows{files} to {result.out} in {result.seconds:.1f} s")


def exported(path: Path, multi_label: bool = False) -> None:
    click.echo(f"SavedModel: {path}")
    click.echo(MULTI_LABEL_SIGNATURE if multi_label else SERVING_SIGNATURE)


def explained(output: ExplainOutput, as_json: bool) -> None:
    """`lstmcls explain TEXT...`: attributions per token (coloured on a terminal), then the files written."""
    from lstmcls.interpret.render_text import to_terminal

    if as_json:
        print_json([e.to_dict() for e in output.explanations], ensure_ascii=False)
    else:
        click.echo(to_terminal(output.explanations, color=sys.stdout.isatty()))
    for path in output.written:
        click.echo(f"wrote {path}", err=True)


def ranked(found: Aggregate, as_json: bool) -> None:
    """`lstmcls explain --data FILE`: per class, the tokens that push hardest towards it."""
    from lstmcls.interpret.render_text import aggregate_to_terminal

    click.echo(json.dumps(found.to_dict(), indent=2) if as_json else aggregate_to_terminal(found))


def run_list(found: Listing, runs_dir: Path, as_json: bool) -> None:
    """`lstmcls runs`: one row per run, newest first (or sorted), with the config keys that vary among them."""
    if as_json:
        print_json(found.rows)
    elif not found.rows:
        click.echo(f"no runs in {runs_dir}/ (or none passes --where); train one with `lstmcls train CONFIG`")
    else:
        runs_table(found.rows, found.columns)


def compared(result: dict[str, Any], as_json: bool) -> None:
    """`lstmcls compare`: the differing config keys, then validation and test metrics, epochs and time."""
    if as_json:
        print_json(result)
        return
    rows = [["status", *result["status"]]]
    rows += [[key, *map(cell, values)] for key, values in result["config"].items()] or [["config", "(the same)"]]
    rows += [[f"val {name}", *map(cell, values)] for name, values in result["validation"].items()]
    rows += [[f"test {name}", *map(cell, values)] for name, values in result["test"].items()]
    rows += [[key.replace("_", " "), *map(cell, result[key])] for key in ("epochs", "best_epoch")]
    rows.append(["seconds", *("-" if s is None else f"{s:.1f}" for s in result["seconds"])])
    table(["", *result["runs"]], rows)


def tracked(result: dict[str, Any], as_json: bool) -> None:
    """`lstmcls track`: the MLflow run that now holds the run."""
    if as_json:
        print_json(result)
        return
    done = "logged" if result["new"] else "brought up to date"
    click.echo(f"run {result['run']} {done}: MLflow run {result['mlflow_run']}")
    click.echo(f"experiment {result['experiment']!r} at {result['uri']}")


def wrote(path: Path) -> None:
    click.echo(f"wrote {path}", err=True)


def run_shown(details: dict[str, Any], as_json: bool) -> None:
    """`lstmcls show`: one run's status, config, metrics and files."""
    if as_json:
        print_json(details)
    else:
        run_details(details)


def data_inspected(report: dict[str, Any], as_json: bool) -> None:
    """`lstmcls inspect`: the data report's table, vocabulary, leakage and warnings."""
    if as_json:
        print_json(report)
    else:
        data_report(report)


def config_written(path: Path) -> None:
    click.echo(f"wrote {path}; next: lstmcls inspect {path}, then lstmcls train {path}")


# === Tables ===


def console() -> Console:
    """Markup off (texts and paths hold brackets); no width limit into pipes and files."""
    return Console(markup=False, width=None if sys.stdout.isatty() else 200)


def table(header: list[str], rows: list[list[str]], title: str | None = None, fixed: int = 0) -> None:
    """A table; its first `fixed` columns are never squeezed (many columns shrink the others instead)."""
    grid = Table(*header, title=title)
    for index, column in enumerate(grid.columns[:fixed]):
        column.no_wrap = True
        column.min_width = max(len(str(cells[index])) for cells in [header, *rows])
    for row in rows:
        grid.add_row(*row)
    console().print(grid)


def cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def evaluation(run_path: Path, result: dict[str, Any]) -> None:
    if "per_label" in result:
        label_set_evaluation(run_path, result)
        return
    summary = f"accuracy {result['accuracy']:.4f}   macro F1 {result['macro_f1']:.4f}"
    for key, name in (("roc_auc", "ROC-AUC"), ("pr_auc", "PR-AUC"), ("ece", "ECE")):
        if key in result:
            summary += f"   {name} {result[key]:.4f}"
    print(f"run {run_path} on {result['data']} ({result['examples']} examples)")
    print(summary)
    if "baseline" in result:
        print(baseline_line(result, ("accuracy", "macro_f1")))
    if "decision" in result:
        print("decision: " + decision_line(result["decision"]))
    columns = {"precision": "precision", "recall": "recall", "f1": "F1", "pr_auc": "PR-AUC"}
    columns = {key: name for key, name in columns.items() if key in next(iter(result["per_class"].values()))}
    rows = [[name, *(cell(row[k]) for k in columns), str(row["support"])] for name, row in result["per_class"].items()]
    table(["class", *columns.values(), "support"], rows)
    names = list(result["per_class"])
    matrix = [[name, *map(str, row)] for name, row in zip(names, result["confusion_matrix"])]
    table(["true \\ predicted", *names], matrix, title="confusion matrix")


def baseline_line(result: dict[str, Any], metrics: tuple[str, ...]) -> str:
    """The linear baseline's figures on the same texts, and the model's lead over each in points."""
    figures, leads = [], []
    for metric in metrics:
        name = metric.replace("_", " ").replace("f1", "F1")
        figures.append(f"{name} {result['baseline'][metric]:.4f}")
        leads.append(_lead(result[metric], result["baseline"][metric]))
    return f"linear baseline (TF-IDF + logistic regression): {', '.join(figures)}; the model {' / '.join(leads)} points"


def decision_line(decision: dict[str, Any]) -> str:
    """A two-class run's threshold (and the goal it was chosen for) and temperature, as eval shows them."""
    parts = []
    if decision.get("threshold") is not None:
        parts.append(f"{decision.get('goal') or 'chosen'} threshold {decision['threshold']:.4f} on the second class")
    if decision.get("temperature", 1.0) != 1.0:
        parts.append(f"temperature {decision['temperature']:.4f}")
    return ", ".join(parts) or "the most probable class"


def label_set_evaluation(run_path: Path, result: dict[str, Any]) -> None:
    """A multi-label run's scores, and a row per label with the threshold it is decided at."""
    print(f"run {run_path} on {result['data']} ({result['examples']} examples)")
    print(
        f"micro F1 {result['micro_f1']:.4f}   macro F1 {result['macro_f1']:.4f}   "
        f"subset accuracy {result['subset_accuracy']:.4f}   Hamming loss {result['hamming_loss']:.4f}"
    )
    if "baseline" in result:
        print(baseline_line(result, ("micro_f1", "macro_f1")))
    rows = [
        [
            name,
            *(f"{row[k]:.4f}" for k in ("precision", "recall", "f1")),
            str(row["support"]),
            f"{row['threshold']:.3f}",
        ]
        for name, row in result["per_label"].items()
    ]
    table(["label", "precision", "recall", "F1", "support", "threshold"], rows)


def runs_table(rows: list[dict[str, Any]], varying: list[str]) -> None:
    """The runs, the study and trial column when a run is a trial, and a column per config key that varies."""
    columns = {"id": "run", "name": "config", "kind": "kind", "status": "status"}
    if any(row["study"] is not None for row in rows):
        columns["trial"] = "study/trial"
    after = {"epochs": "epochs", "val_accuracy": "val acc", "test_accuracy": "test acc"}
    if any(row["baseline_val_accuracy"] is not None for row in rows):  # the model's validation lead, in points
        after["lead"] = "vs baseline"
    after["seconds"] = "seconds"
    rows = [
        {
            **row,
            "lead": _lead(row["val_accuracy"], row["baseline_val_accuracy"]),
            **{key: json.dumps(value) if isinstance(value, list) else value for key, value in row["config"].items()},
            "trial": None if row["study"] is None else f"{row['study']}/{row['trial']}",
            "seconds": None if row["seconds"] is None else round(row["seconds"]),
        }
        for row in rows
    ]
    fixed = len(columns)  # which run it is: never squeezed by many varying keys
    columns |= {key: key for key in varying} | after
    table(list(columns.values()), [[cell(row.get(key)) for key in columns] for row in rows], fixed=fixed)


def _lead(model: float | None, baseline: float | None) -> str | None:
    """The model's figure minus the linear baseline's, in points ("+1.2")."""
    return None if model is None or baseline is None else f"{100 * (model - baseline):+.1f}"


def run_details(details: dict[str, Any]) -> None:
    """`lstmcls show`: status, times, metrics, config and files of one run (`lstmcls.runs.catalog.details`)."""
    from lstmcls.runs import TRACKING

    meta, metrics = details["meta"], details["metrics"] or {}
    error = f" ({meta['error']})" if meta.get("error") else ""
    print(f"{details['kind']} run {details['id']}: {details['status']}{error}")
    print(f"started {meta.get('started')}, finished {meta.get('finished', '-')}, seed {meta.get('seed')}")
    if "validation" in metrics:
        print("validation: " + ", ".join(f"{k} {v:.4f}" for k, v in metrics["validation"].items()))
    if "words" in metrics:
        print(f"{metrics['words']:,} word vectors from {metrics['corpus']['tokens']:,} tokens")
    if "perplexity" in metrics:
        print(_language_model_line(metrics))
    if details["test_accuracy"] is not None:
        print(f"test accuracy: {details['test_accuracy']:.4f}")
    if "baseline" in metrics:
        baseline = metrics["baseline"]
        test = details["baseline_test_accuracy"]
        print(
            f"linear baseline ({baseline['model']}, C={baseline['C']:g}): validation accuracy "
            f"{baseline['validation']['accuracy']:.4f}" + (f", test accuracy {test:.4f}" if test is not None else "")
        )
    mlflow = meta.get(TRACKING, {}).get("mlflow")
    if mlflow:
        print(f"MLflow: run {mlflow['run_id']} in experiment {mlflow['experiment']!r} at {mlflow['uri']}")
    print("\nconfig:\n" + (details["config"] or "(missing)"))
    print("files:\n  " + "\n  ".join(details["files"]))


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
