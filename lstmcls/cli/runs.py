"""Commands that read run directories without loading a model: `runs` lists them, `show` describes one, `compare`
puts runs side by side, `track` logs a finished run to MLflow."""

from __future__ import annotations

from pathlib import Path

import click

from lstmcls.cli import render
from lstmcls.cli.options import json_option


@click.command(name="runs")
@click.option(
    "--runs-dir", type=click.Path(path_type=Path), default="runs", show_default=True, help="Directory holding the runs."
)
@click.option(
    "--where",
    multiple=True,
    metavar="KEY=VALUE",
    help="Only runs whose column or config key has this value, e.g. --where model.cell=gru (repeatable).",
)
@click.option("--sort", metavar="KEY", help="Sort by a column or config key, highest first, e.g. --sort val_accuracy.")
@click.option("--ascending", is_flag=True, help="With --sort: lowest first.")
@json_option
def runs_command(runs_dir: Path, where: tuple[str, ...], sort: str | None, ascending: bool, as_json: bool) -> None:
    """List runs, newest first: kind, status, study and trial, the config keys that vary among them, epochs,
    best validation and test accuracy, time. A run whose training process is gone shows as `killed`."""
    from lstmcls.runs.compare import listing

    render.run_list(listing(runs_dir, where, sort, ascending), runs_dir, as_json)


@click.command()
@click.argument("run_path", metavar="RUN", type=click.Path(path_type=Path))
@json_option
def show(run_path: Path, as_json: bool) -> None:
    """Show one run: status, config, metrics and the paths of its files."""
    from lstmcls.runs import Run, details

    run = Run(run_path)
    run.check_exists()
    render.run_shown(details(run), as_json)


@click.command()
@click.argument("run_paths", metavar="RUN RUN...", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--png", type=click.Path(path_type=Path), help="Also draw the runs' learning curves (and ROC / PR curves) here."
)
@json_option
def compare(run_paths: tuple[Path, ...], png: Path | None, as_json: bool) -> None:
    """Compare runs side by side: the config keys that differ, validation and test metrics, epochs, time."""
    from lstmcls.runs import Run
    from lstmcls.runs.compare import compare as compare_runs
    from lstmcls.runs.compare import compare_plot

    runs = [Run(path) for path in run_paths]
    result = compare_runs(runs)
    render.compared(result, as_json)
    if png is not None:
        render.wrote(compare_plot(runs, png))


@click.command()
@click.argument("run_path", metavar="RUN", type=click.Path(path_type=Path))
@click.option(
    "--uri",
    help="MLflow tracking URI [default: the run's track.mlflow.uri, else $MLFLOW_TRACKING_URI, "
    "else ./mlruns/mlflow.db].",
)
@click.option("--experiment", help="MLflow experiment [default: the run's track.mlflow.experiment, else lstmcls].")
@json_option
def track(run_path: Path, uri: str | None, experiment: str | None, as_json: bool) -> None:
    """Log a finished RUN to MLflow after the fact: config, every epoch, final metrics, plots, model, export."""
    from lstmcls.runs import Run
    from lstmcls.tracking import track_run

    render.tracked(track_run(Run(run_path), uri, experiment), as_json)
