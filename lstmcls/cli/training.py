"""Commands that make runs from a config: `train` (or resume), `pretrain` word vectors or a language model, `tune`
hyperparameters.

Each reads and checks its config before importing the training code, so a config error answers in a moment
without loading TensorFlow.
"""

from __future__ import annotations

from pathlib import Path

import click

from lstmcls.cli import render, render_tuning
from lstmcls.cli.options import json_option, set_option, track_option


@click.command()
@click.argument("config_path", metavar="CONFIG", required=False, type=click.Path(path_type=Path))
@set_option("Override a config key, e.g. --set model.units=128 (repeatable; values are YAML).")
@click.option(
    "--resume",
    "resume_path",
    type=click.Path(path_type=Path),
    help="Continue an interrupted or failed run from its last completed epoch (instead of CONFIG).",
)
@click.option(
    "--autotune",
    "budget",
    metavar="DURATION",
    help="Search hyperparameters on validation for this long (90s, 10m, 1h30m), every trial a run; the best "
    "trial's run is the trained model. The config's tune: space, else one around its values "
    "(docs/tuning.md#autotune).",
)
@track_option
@json_option
def train(
    config_path: Path | None,
    overrides: tuple[str, ...],
    resume_path: Path | None,
    budget: str | None,
    trackers: tuple[str, ...],
    as_json: bool,
) -> None:
    """Train a model from the YAML CONFIG; everything lands in runs/<run-id>/.

    Ctrl-C (or SIGTERM) stops after the current batch and prints the command that resumes the run.
    With distribute.strategy multi_worker, run the same command on every host (TF_CONFIG set per host).
    With --autotune, trials are runs like any other and the study lands in runs/tune/.
    """
    if budget is not None and resume_path is not None:
        raise click.UsageError("--autotune searches from a CONFIG; it cannot resume a run")
    if (config_path is None) == (resume_path is None):
        raise click.UsageError("give either CONFIG or --resume RUN")
    if resume_path is not None and (overrides or trackers):
        raise click.UsageError("--set and --track cannot change a run being resumed; train a new run instead")
    verbose = 0 if as_json else None
    if resume_path is not None:
        from lstmcls.training.runner import resume

        render.trained(resume(resume_path, verbose=verbose), as_json)
        return
    from lstmcls.config import load_config
    from lstmcls.tools.durations import parse_budget

    seconds = parse_budget(budget) if budget is not None else None
    config = load_config(config_path, overrides)  # first: a config error costs no more imports than this
    from lstmcls.tracking import with_trackers

    config = with_trackers(config, trackers)
    if seconds is not None:
        from lstmcls.tools.autotune import autotune

        render_tuning.autotuned(autotune(config, seconds, verbose=verbose), as_json)
        return
    from lstmcls.tools.own_vectors import train as train_model  # pretrained: own pretrains first

    render.trained(train_model(config, verbose=verbose), as_json)


@click.command()
@click.argument("config_path", metavar="CONFIG", type=click.Path(path_type=Path))
@set_option()
@json_option
def pretrain(config_path: Path, overrides: tuple[str, ...], as_json: bool) -> None:
    """Pretrain word vectors (or, with pretrain.method language_model, CONFIG's network as a language model) on
    CONFIG's training texts plus its pretrain.unlabelled text; writes runs/<run-id>/.

    Name the run in a training config's model.embedding.pretrained to start the classifier from its vectors, or a
    language model run in model.pretrained to start its embedding and recurrent layers from it.
    """
    from lstmcls.config import load_config

    config = load_config(config_path, overrides)
    from lstmcls.tools.pretraining import pretrain as pretrain_vectors

    render.pretrained(pretrain_vectors(config), as_json)


@click.command(name="tune")
@click.argument("config_path", metavar="CONFIG", required=False, type=click.Path(path_type=Path))
@click.option(
    "--trials",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Finished trials the study should hold; running again adds only the missing ones.",
)
@click.option("--timeout", type=click.FloatRange(min=0), help="Start no new trial after this many seconds.")
@click.option("--study", help="Study name [default: the config file's stem].")
@click.option(
    "--storage",
    help="Optuna storage URL shared by several machines, e.g. postgresql://user@host/db "
    "[default: SQLite in RUNS_DIR/tune/STUDY/].",
)
@set_option()
@click.option("--show", "show_name", metavar="STUDY", help="Only print the trials and best config of STUDY.")
@click.option(
    "--runs-dir",
    type=click.Path(path_type=Path),
    default="runs",
    show_default=True,
    help="Where --show looks for the study.",
)
@track_option
@json_option
def tune_command(
    config_path: Path | None,
    trials: int,
    timeout: float | None,
    study: str | None,
    storage: str | None,
    overrides: tuple[str, ...],
    show_name: str | None,
    runs_dir: Path,
    trackers: tuple[str, ...],
    as_json: bool,
) -> None:
    """Search hyperparameters with Optuna over the config's tune: space; every trial is a run in runs/.

    With --track mlflow, the study is an MLflow run and each trial a child run of it.
    """
    if (config_path is None) == (show_name is None):
        raise click.UsageError("give either CONFIG or --show STUDY")
    if show_name is not None:
        from lstmcls.tools.tuning import show_study

        render_tuning.tuned(show_study(runs_dir, show_name, storage), as_json)
        return
    from lstmcls.config import load_config

    config = load_config(config_path, overrides)  # first: a config error costs no more imports than this
    from lstmcls.tools.tuning import tune
    from lstmcls.tracking import with_trackers

    verbose = 0 if as_json else None  # the trials' epochs stay off stdout, which holds the JSON
    render_tuning.tuned(
        tune(with_trackers(config, trackers), trials, timeout, study, storage, verbose=verbose), as_json
    )
