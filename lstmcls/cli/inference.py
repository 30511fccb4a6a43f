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
@click.option(
    "--data",
    help="Label a whole file instead: a .csv, .tsv, .jsonl (each maybe .gz) or .parquet file, or a glob of shards, "
    "read a chunk at a time. Needs --out.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="With --data: the file to write, .csv, .jsonl or .parquet: every input column, then predicted_label and "
    "p_<class> for each class.",
)
@click.option("--text-column", help="With --data: the text's column or field [default: the one the run trained on].")
@json_option
def predict(
    run_path: Path | None,
    runs_dir: Path,
    texts: tuple[str, ...],
    file: TextIO | None,
    data: str | None,
    out: Path | None,
    text_column: str | None,
    as_json: bool,
) -> None:
    """Predict the label of each TEXT (or '-' to read texts from stdin, one per line), or of every row of a file:
    --data FILE_OR_GLOB --out FILE."""
    from lstmcls.runs import open_run

    if data is None and out is None and text_column is None:
        from lstmcls.inference.prediction import gather_texts
        from lstmcls.inference.prediction import predict as predict_texts

        render.predictions(predict_texts(open_run(run_path, runs_dir), gather_texts(texts, file)), as_json)
        return
    if data is None or out is None:
        raise click.UsageError("--data FILE and --out FILE go together (--text-column needs them too)")
    if texts or file is not None:
        raise click.UsageError("give either TEXT... / --file or --data FILE --out FILE")
    from lstmcls.inference.batch import predict_file

    render.batch_predicted(predict_file(open_run(run_path, runs_dir), data, out, text_column), as_json)


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
