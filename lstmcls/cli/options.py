"""Options several commands share, spelled once so they read and behave the same everywhere."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

Command = TypeVar("Command", bound=Callable)

RUN_HELP = "Run directory; defaults to the newest complete run in --runs-dir."
RUNS_DIR_HELP = "Where to look for the newest run when --run is not given."
SET_HELP = "Override a config key, as for train."


def run_options(command: Command) -> Command:
    """--run RUN and --runs-dir DIR: which run a command works on (`lstmcls.runs.open_run`)."""
    command = click.option(
        "--runs-dir", type=click.Path(path_type=Path), default="runs", show_default=True, help=RUNS_DIR_HELP
    )(command)
    return click.option("--run", "run_path", type=click.Path(path_type=Path), help=RUN_HELP)(command)


def json_option(command: Command) -> Command:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts instead of a table.")(command)


def set_option(help: str = SET_HELP) -> Callable[[Command], Command]:
    """--set KEY=VALUE, repeatable: dotted config overrides (`lstmcls.config.load_config`)."""
    return click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help=help)


def texts_options(command: Command) -> Command:
    """TEXTS... ('-' alone: stdin) and --file FILE, one text per line (`lstmcls.inference.prediction.gather_texts`)."""
    command = click.option(
        "--file",
        "file",
        type=click.File("r", encoding="utf-8"),
        help="Read texts from FILE, one per line ('-' for stdin).",
    )(command)
    return click.argument("texts", nargs=-1)(command)


class _Trackers(click.Choice):
    """The tracker registry's names, read when the option is parsed or shown: importing the registry at start-up
    would load the config schema for every command, `lstmcls --help` too."""

    def __init__(self) -> None:
        self.case_sensitive = True

    @property
    def choices(self) -> tuple[str, ...]:
        from lstmcls.tracking import TRACKERS

        return tuple(TRACKERS.names())


def track_option(command: Command) -> Command:
    """--track NAME, repeatable: also log to this experiment tracker (`lstmcls.tracking.with_trackers`)."""
    return click.option(
        "--track",
        "trackers",
        multiple=True,
        type=_Trackers(),
        help="Also log the run to this tracker with its defaults, unless the config's track: block sets it up.",
    )(command)
