"""How searches appear: `lstmcls tune`'s trials and best config, `lstmcls train --autotune`'s search and best run.

JSON for scripts (`--json`), else lines and a table of trials, as in `render`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from lstmcls.cli.render import cell, print_json, table

if TYPE_CHECKING:
    from lstmcls.tools.autotune import AutotuneResult
    from lstmcls.tools.tuning import TuneResult


def tuned(result: TuneResult, as_json: bool) -> None:
    """`lstmcls tune`: the trials, and the best config's first line and path."""
    rows, best = result.trials, result.best_config
    if as_json:
        print_json({"study": result.study.study_name, "trials": rows, "best_config": best})
        return
    trials_table(rows)
    if best is None:
        click.echo("no complete trial yet")
        return
    click.echo(best.splitlines()[0].removeprefix("# "))
    path = result.best_config_path
    click.echo(f"best config: {path} (train it with `lstmcls train {path}`)")


def autotuned(result: AutotuneResult, as_json: bool) -> None:
    """`lstmcls train --autotune`: the trials, the best one, the time taken, and the final run (the best trial's)."""
    from lstmcls.tools.durations import format_duration

    run = result.run.path
    if as_json:
        print_json(  # the final run's metrics first: their `seconds` (the trial's) must not hide the search's
            {
                **result.final.metrics,
                "study": result.search.study.study_name,
                "folder": str(result.folder),
                "best_config": str(result.best_config_path),
                "best_trial": result.best_trial,
                "run": str(run),
                "budget_seconds": result.budget_seconds,
                "seconds": round(result.seconds, 1),
                "trials": result.search.trials,
            }
        )
        return
    trials_table(result.search.trials)
    click.echo(result.search.best_config.splitlines()[0].removeprefix("# "))
    click.echo(
        f"{result.trials} trials in {format_duration(result.seconds)} of a {format_duration(result.budget_seconds)} "
        f"budget; best config: {result.best_config_path}"
    )
    validation = result.final.metrics["validation"]
    click.echo("validation: " + ", ".join(f"{key} {value:.4f}" for key, value in validation.items()))
    click.echo(f"run: {run} (trial {result.best_trial}, a complete run of the best config)")
    click.echo(f"next: lstmcls eval --run {run}")


def trials_table(rows: list[dict[str, Any]]) -> None:
    table(
        ["trial", "state", "params", "value", "seconds"],
        [[str(r["number"]), r["state"], json.dumps(r["params"]), cell(r["value"]), str(r["seconds"])] for r in rows],
    )
