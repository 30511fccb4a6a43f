"""Commands about data before any training: `inspect` a config's data, `init` a starter config for its files."""

from __future__ import annotations

from pathlib import Path

import click

from lstmcls.cli import render
from lstmcls.cli.options import json_option, set_option


@click.command(name="inspect")
@click.argument("config_path", metavar="CONFIG", type=click.Path(path_type=Path))
@set_option()
@json_option
def inspect_command(config_path: Path, overrides: tuple[str, ...], as_json: bool) -> None:
    """Report on a config's data before training: balance, lengths, truncation, coverage, duplicates, leakage."""
    from lstmcls.config import load_config

    config = load_config(config_path, overrides)
    from lstmcls.tools.inspection import inspect_data

    render.data_inspected(inspect_data(config), as_json)


@click.command()
@click.argument("path", metavar="FILE_OR_FOLDER", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Where to write the config [default: <name>.yaml].")
@click.option("--delimiter", default=",", show_default=True, help="Field separator of a CSV (a .tsv is tab).")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.option(
    "--unlabelled",
    type=click.Path(path_type=Path),
    help="Text without labels (one per line, or a CSV's text column): train pretrains word vectors on it first.",
)
def init(path: Path, out: Path | None, delimiter: str, force: bool, unlabelled: Path | None) -> None:
    """Write a starter config for a CSV, TSV, .jsonl or .parquet file or a folder of class folders, guessing its
    text and label columns and sizes ('--out -' prints it)."""
    from lstmcls.tools.scaffold import init_config, write_starter_config

    if out == Path("-"):
        click.echo(init_config(path, delimiter, unlabelled), nl=False)
        return
    render.config_written(write_starter_config(path, out, delimiter, force=force, unlabelled=unlabelled))
