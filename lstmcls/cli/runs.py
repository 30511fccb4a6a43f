"""Commands that read run directories without loading a model: `runs` lists them, `show` describes one."""

from __future__ import annotations

from pathlib import Path

import click

from lstmcls.cli import render
from lstmcls.cli.options import json_option


@click.command(name="runs")
@click.option(
    "--runs-dir", type=click.Path(path_type=Path), default="runs", show_default=True, help="Directory holding the runs."
)
@json_option
def runs_command(runs_dir: Path, as_json: bool) -> None:
    """List runs, newest first: kind, status, epochs, best validation and test accuracy, time."""
    from lstmcls.runs import list_runs, summarize

    render.run_list([summarize(run) for run in list_runs(runs_dir)], runs_dir, as_json)


@click.command()
@click.argument("run_path", metavar="RUN", type=click.Path(path_type=Path))
@json_option
def show(run_path: Path, as_json: bool) -> None:
    """Show one run: status, config, metrics and the paths of its files."""
    from lstmcls.runs import Run, details

    run = Run(run_path)
    run.check_exists()
    render.run_shown(details(run), as_json)
