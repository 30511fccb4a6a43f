"""The `lstmcls` command: a thin click shell over the Python API (see `lstmcls/__init__.py`).

Each command parses options, calls one library function and formats its result. TensorFlow is
imported inside the command bodies so `lstmcls --help` answers at once.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Any

import click

from lstmcls.errors import LstmclsError

RUN_HELP = "Run directory; defaults to the newest complete run in --runs-dir."
RUNS_DIR_HELP = "Where to look for the newest run when --run is not given."


class _Group(click.Group):
    """Turns library errors into one line on stderr and exit code 2 (`--debug` shows the traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LstmclsError as exc:
            if ctx.params.get("debug"):
                raise
            click.echo(f"{'error: ' if exc.exit_code == 2 else ''}{exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:  # a bug or an environment failure: say so briefly, keep the details on demand
            if ctx.params.get("debug"):
                raise
            click.echo(
                f"error: unexpected {type(exc).__name__}: {exc} (rerun with --debug for the traceback)", err=True
            )
            ctx.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks and TensorFlow's own log messages.")
@click.version_option(package_name="lstmcls")
def main(debug: bool) -> None:
    """Train, evaluate, run and export recurrent (LSTM) text classifiers from YAML configs."""
    if not debug:  # TensorFlow's C++ start-up chatter (CUDA probing, oneDNN) is noise to a CLI user
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        logging.getLogger("tensorflow").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", message=".*shuffle=True.*")
    logging.basicConfig(format="%(message)s", stream=sys.stderr)
    logging.getLogger("lstmcls").setLevel(logging.INFO)


def _run_options(command):
    command = click.option(
        "--runs-dir", type=click.Path(path_type=Path), default="runs", show_default=True, help=RUNS_DIR_HELP
    )(command)
    return click.option("--run", "run_path", type=click.Path(path_type=Path), help=RUN_HELP)(command)


def _json_option(command):
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts instead of a table.")(command)


@main.command()
@click.argument("config_path", metavar="CONFIG", required=False, type=click.Path(path_type=Path))
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a config key, e.g. --set model.units=128 (repeatable; values are YAML).",
)
@click.option(
    "--resume",
    "resume_path",
    type=click.Path(path_type=Path),
    help="Continue an interrupted or failed run from its last completed epoch (instead of CONFIG).",
)
@_json_option
def train(config_path: Path | None, overrides: tuple[str, ...], resume_path: Path | None, as_json: bool) -> None:
    """Train a model from the YAML CONFIG; everything lands in runs/<run-id>/.

    Ctrl-C (or SIGTERM) stops after the current batch and prints the command that resumes the run.
    """
    from lstmcls.config import load_config
    from lstmcls.training import resume
    from lstmcls.training import train as train_model

    if (config_path is None) == (resume_path is None):
        raise click.UsageError("give either CONFIG or --resume RUN")
    if resume_path is not None and overrides:
        raise click.UsageError("--set cannot change a run being resumed; train a new run instead")
    verbose = 0 if as_json else None
    if resume_path is not None:
        run = resume(resume_path, verbose=verbose)
    else:
        run = train_model(load_config(config_path, overrides), verbose=verbose)
    metrics = json.loads(run.file("metrics.json").read_text())
    if as_json:
        click.echo(json.dumps({"run": str(run.path), **metrics}, indent=2))
    else:
        click.echo(f"run: {run.path}")
        click.echo(f"next: lstmcls eval --run {run.path}")


@main.command(name="eval")
@_run_options
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    help="Labelled CSV to score instead of the config's test split (same columns as training).",
)
@_json_option
def eval_command(run_path: Path | None, runs_dir: Path, data: Path | None, as_json: bool) -> None:
    """Score a run: accuracy, per-class precision/recall/F1, confusion matrix, ROC-AUC."""
    from lstmcls.evaluation import evaluate
    from lstmcls.runs import open_run

    run = open_run(run_path, runs_dir)
    result = evaluate(run, data)
    if as_json:
        click.echo(json.dumps({"run": str(run.path), **result}, indent=2))
    else:
        _print_evaluation(run.path, result)


@main.command()
@_run_options
@click.argument("texts", nargs=-1)
@click.option(
    "--file", "file", type=click.File("r", encoding="utf-8"), help="Read texts from FILE, one per line ('-' for stdin)."
)
@_json_option
def predict(run_path: Path | None, runs_dir: Path, texts: tuple[str, ...], file, as_json: bool) -> None:
    """Predict the label of each TEXT (or '-' to read texts from stdin, one per line)."""
    from lstmcls.prediction import predict as predict_texts
    from lstmcls.runs import open_run

    items = list(texts)
    if items == ["-"]:
        items = _lines(sys.stdin)
    if file is not None:
        items += _lines(file)
    run = open_run(run_path, runs_dir)
    predictions = predict_texts(run, items)
    if as_json:
        click.echo(json.dumps([p.__dict__ for p in predictions], indent=2, ensure_ascii=False))
        return
    for p in predictions:
        snippet = p.text if len(p.text) <= 60 else p.text[:57] + "..."
        click.echo(f"{p.label}\t{p.probabilities[p.label]:.4f}\t{snippet}")


@main.command()
@_run_options
@click.option("--out", type=click.Path(path_type=Path), help="Directory for the SavedModel [default: RUN/export].")
@click.option("--force", is_flag=True, help="Replace --out if it already exists.")
def export(run_path: Path | None, runs_dir: Path, out: Path | None, force: bool) -> None:
    """Export a run as a TensorFlow SavedModel whose serving_default takes raw strings."""
    from lstmcls.export import export as export_run
    from lstmcls.runs import open_run

    path = export_run(open_run(run_path, runs_dir), out, force=force)
    click.echo(f"SavedModel: {path}")
    click.echo("signature serving_default: texts (string[batch]) -> probabilities (float[batch, classes]), label")


def _lines(handle) -> list[str]:
    return [line.rstrip("\n") for line in handle if line.strip()]


def _print_evaluation(run_path: Path, result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(markup=False)
    summary = f"accuracy {result['accuracy']:.4f}   macro F1 {result['macro_f1']:.4f}"
    if "roc_auc" in result:
        summary += f"   ROC-AUC {result['roc_auc']:.4f}"
    console.print(f"run {run_path} on {result['data']} ({result['examples']} examples)")
    console.print(summary)
    table = Table("class", "precision", "recall", "F1", "support")
    for name, row in result["per_class"].items():
        table.add_row(name, f"{row['precision']:.4f}", f"{row['recall']:.4f}", f"{row['f1']:.4f}", str(row["support"]))
    console.print(table)
    names = list(result["per_class"])
    matrix = Table("true \\ predicted", *names, title="confusion matrix")
    for name, row in zip(names, result["confusion_matrix"]):
        matrix.add_row(name, *map(str, row))
    console.print(matrix)
