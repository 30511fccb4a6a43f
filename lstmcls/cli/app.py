"""The `lstmcls` command group: global options, logging, and the one place library errors become an exit.

The commands live one module per group (training, inference, explain, runs, data); each parses its options,
calls one library function and hands the result to `render`. Library modules are imported inside command
bodies, so `lstmcls --help` answers at once and TensorFlow loads only for the commands that use it.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import click

from lstmcls.cli import data, explain, inference, runs, serve, tensorflow_quiet, training
from lstmcls.errors import LstmclsError


class _Group(click.Group):
    """Turns library errors into one line on stderr and exit code 2 (`--debug` shows the traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise  # click's own: --help, usage errors (exit 2)
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
@click.option("-q", "--quiet", is_flag=True, help="No progress bars or step messages; results and errors only.")
@click.version_option(package_name="lstmcls")
def main(debug: bool, quiet: bool) -> None:
    """Train, evaluate, run and export recurrent (LSTM) text classifiers from YAML configs.

    Progress is shown on a terminal only. Shell completion: see docs/commands.md.
    """
    from lstmcls.reporting import progress

    progress.set_quiet(quiet)
    tensorflow_quiet.configure(debug)
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "INFO" if debug else "WARNING")  # MLflow's database set-up lines
    logging.basicConfig(format="%(message)s", stream=sys.stderr)
    logging.getLogger("lstmcls").setLevel(logging.WARNING if quiet else logging.INFO)


for _command in (
    training.train,
    training.pretrain,
    inference.eval_command,
    inference.predict,
    inference.export,
    explain.explain_command,
    runs.runs_command,
    runs.show,
    runs.compare,
    runs.track,
    data.inspect_command,
    data.init,
    training.tune_command,
    serve.serve,
):
    main.add_command(_command)
