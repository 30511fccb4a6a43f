"""Commands that use a finished run: `eval` scores it, `predict` labels texts, `export` writes a SavedModel."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import click

from lstmcls.cli import render
from lstmcls.cli.options import json_option, run_options, texts_options


@click.command(name="eval")
@run_options
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    help="Labelled file to score instead of the config's test split: .csv, .tsv, .jsonl, .parquet (or a glob of "
    "them) or a folder of class folders, with the columns or fields training used.",
)
@json_option
def eval_command(run_path: Path | None, runs_dir: Path, data: Path | None, as_json: bool) -> None:
    """Score a run: accuracy, per-class precision/recall/F1, confusion matrix, ROC-AUC."""
    from lstmcls.inference.evaluation import evaluate
    from lstmcls.runs import open_run

    run = open_run(run_path, runs_dir)
    render.evaluated(run.path, evaluate(run, data), as_json)


@click.command()
@run_options
@texts_options
@json_option
def predict(run_path: Path | None, runs_dir: Path, texts: tuple[str, ...], file: TextIO | None, as_json: bool) -> None:
    """Predict the label of each TEXT (or '-' to read texts from stdin, one per line)."""
    from lstmcls.inference.prediction import gather_texts
    from lstmcls.inference.prediction import predict as predict_texts
    from lstmcls.runs import open_run

    render.predictions(predict_texts(open_run(run_path, runs_dir), gather_texts(texts, file)), as_json)


@click.command()
@run_options
@click.option("--out", type=click.Path(path_type=Path), help="Directory for the SavedModel [default: RUN/export].")
@click.option("--force", is_flag=True, help="Replace --out if it already exists.")
def export(run_path: Path | None, runs_dir: Path, out: Path | None, force: bool) -> None:
    """Export a run as a TensorFlow SavedModel whose serving_default takes raw strings."""
    from lstmcls.inference.export import export as export_run
    from lstmcls.runs import open_run

    run = open_run(run_path, runs_dir)
    render.exported(export_run(run, out, force=force), run.decision().multi_label)
