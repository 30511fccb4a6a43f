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

from lstmcls.cli import render as report
from lstmcls.errors import LstmclsError

RUN_HELP = "Run directory; defaults to the newest complete run in --runs-dir."
RUNS_DIR_HELP = "Where to look for the newest run when --run is not given."


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

    Progress is shown on a terminal only. Shell completion: see the README.
    """
    from lstmcls.reporting import progress

    progress.set_quiet(quiet)
    if not debug:  # TensorFlow's C++ start-up chatter (CUDA probing, oneDNN) is noise to a CLI user
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        logging.getLogger("tensorflow").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", message=".*shuffle=True.*")
    logging.basicConfig(format="%(message)s", stream=sys.stderr)
    logging.getLogger("lstmcls").setLevel(logging.WARNING if quiet else logging.INFO)


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
    With distribute.strategy multi_worker, run the same command on every host (TF_CONFIG set per host).
    """
    from lstmcls.config import load_config
    from lstmcls.training.runner import resume
    from lstmcls.training.runner import train as train_model

    if (config_path is None) == (resume_path is None):
        raise click.UsageError("give either CONFIG or --resume RUN")
    if resume_path is not None and overrides:
        raise click.UsageError("--set cannot change a run being resumed; train a new run instead")
    verbose = 0 if as_json else None
    if resume_path is not None:
        run = resume(resume_path, verbose=verbose)
    else:
        run = train_model(load_config(config_path, overrides), verbose=verbose)
    if run is None:  # a multi-worker cluster's worker other than the chief
        click.echo(json.dumps({"run": None}) if as_json else "done; the chief worker wrote the run")
        return
    metrics = json.loads(run.file("metrics.json").read_text())
    if as_json:
        click.echo(json.dumps({"run": str(run.path), **metrics}, indent=2))
    else:
        click.echo(f"run: {run.path}")
        click.echo(f"next: lstmcls eval --run {run.path}")


@main.command()
@click.argument("config_path", metavar="CONFIG", type=click.Path(path_type=Path))
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a config key, as for train.")
@_json_option
def pretrain(config_path: Path, overrides: tuple[str, ...], as_json: bool) -> None:
    """Pretrain word vectors on CONFIG's training texts plus its pretrain.unlabelled text; writes runs/<run-id>/.

    Name the run in a training config's model.embedding.pretrained to start the classifier from its vectors.
    """
    from lstmcls.config import load_config
    from lstmcls.tools.pretraining import pretrain as pretrain_vectors

    run = pretrain_vectors(load_config(config_path, overrides))
    metrics = json.loads(run.file("metrics.json").read_text())
    neighbours = json.loads(run.file("neighbours.json").read_text())
    if as_json:
        click.echo(json.dumps({"run": str(run.path), **metrics, "neighbours": neighbours}, indent=2))
        return
    click.echo(f"{metrics['words']:,} word vectors from {metrics['corpus']['tokens']:,} tokens")
    for word, nearest in neighbours.items():
        click.echo(f"  {word}: {', '.join(other for other, _ in nearest)}")
    click.echo(f"run: {run.path}")
    click.echo(f"next: set model.embedding.pretrained: {run.path} in a config, then lstmcls train it")


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
    from lstmcls.inference.evaluation import evaluate
    from lstmcls.runs.run import open_run

    run = open_run(run_path, runs_dir)
    result = evaluate(run, data)
    if as_json:
        click.echo(json.dumps({"run": str(run.path), **result}, indent=2))
    else:
        report.evaluation(run.path, result)


@main.command()
@_run_options
@click.argument("texts", nargs=-1)
@click.option(
    "--file", "file", type=click.File("r", encoding="utf-8"), help="Read texts from FILE, one per line ('-' for stdin)."
)
@_json_option
def predict(run_path: Path | None, runs_dir: Path, texts: tuple[str, ...], file, as_json: bool) -> None:
    """Predict the label of each TEXT (or '-' to read texts from stdin, one per line)."""
    from lstmcls.inference.prediction import predict as predict_texts
    from lstmcls.runs.run import open_run

    run = open_run(run_path, runs_dir)
    predictions = predict_texts(run, _texts(texts, file))
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
    from lstmcls.inference.export import export as export_run
    from lstmcls.runs.run import open_run

    path = export_run(open_run(run_path, runs_dir), out, force=force)
    click.echo(f"SavedModel: {path}")
    click.echo("signature serving_default: texts (string[batch]) -> probabilities (float[batch, classes]), label")


@main.command(name="explain")
@_run_options
@click.argument("texts", nargs=-1)
@click.option(
    "--file", "file", type=click.File("r", encoding="utf-8"), help="Read texts from FILE, one per line ('-' for stdin)."
)
@click.option("--target", help="Explain this class instead of each text's predicted class.")
@click.option(
    "--steps",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="Integrated-gradients steps; raise it when the completeness gap warning appears.",
)
@click.option("--gates", is_flag=True, help="Trace the gates, cell and hidden states of lstm/gru/peephole_lstm layers.")
@click.option("--html", "html_path", type=click.Path(path_type=Path), help="Write one self-contained HTML page.")
@click.option(
    "--png",
    "png_path",
    type=click.Path(path_type=Path),
    help="Write a heatmap of attributions and gates over the tokens (first text).",
)
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    help="Labelled CSV (columns as in training): rank the tokens that push hardest towards each class.",
)
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True, help="Tokens per class with --data.")
@_json_option
def explain_command(run_path, runs_dir, texts, file, target, steps, gates, html_path, png_path, data, top, as_json):
    """Explain predictions: token attributions (integrated gradients), attention weights, gate traces."""
    from lstmcls.explain import render as explain_render
    from lstmcls.explain.attributions import aggregate, explain
    from lstmcls.inference.evaluation import read_labelled
    from lstmcls.runs.run import open_run

    run = open_run(run_path, runs_dir)
    if data is not None:
        found = aggregate(run, read_labelled(run, data).texts, top=top, steps=steps)
        click.echo(json.dumps(found.to_dict(), indent=2) if as_json else explain_render.aggregate_to_terminal(found))
        return
    items = _texts(texts, file)
    explanations = explain(run, items, target=target, steps=steps, gates=gates or png_path is not None)
    if html_path:
        html_path.write_text(explain_render.to_html(explanations), encoding="utf-8")
    if png_path:
        explain_render.to_png(explanations[0], png_path)
    if as_json:
        click.echo(json.dumps([e.to_dict() for e in explanations], indent=2, ensure_ascii=False))
    else:
        click.echo(explain_render.to_terminal(explanations, color=sys.stdout.isatty()))
    for path in filter(None, (html_path, png_path)):
        click.echo(f"wrote {path}", err=True)


@main.command(name="runs")
@click.option(
    "--runs-dir", type=click.Path(path_type=Path), default="runs", show_default=True, help="Directory holding the runs."
)
@_json_option
def runs_command(runs_dir: Path, as_json: bool) -> None:
    """List runs, newest first: kind, status, epochs, best validation and test accuracy, time."""
    from lstmcls.runs import list_runs, summarize

    rows = [summarize(run) for run in list_runs(runs_dir)]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo(f"no runs in {runs_dir}/; train one with `lstmcls train CONFIG`")
        return
    report.runs_table(rows)


@main.command()
@click.argument("run_path", metavar="RUN", type=click.Path(path_type=Path))
@_json_option
def show(run_path: Path, as_json: bool) -> None:
    """Show one run: status, config, metrics and the paths of its files."""
    from lstmcls.runs import Run, details

    run = Run(run_path)
    run.check_exists()
    found = details(run)
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    report.run_details(found)


@main.command(name="inspect")
@click.argument("config_path", metavar="CONFIG", type=click.Path(path_type=Path))
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a config key, as for train.")
@_json_option
def inspect_command(config_path: Path, overrides: tuple[str, ...], as_json: bool) -> None:
    """Report on a config's data before training: balance, lengths, truncation, coverage, duplicates, leakage."""
    from lstmcls.config import load_config
    from lstmcls.tools.inspection import inspect_data

    found = inspect_data(load_config(config_path, overrides))
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    report.data_report(found)


@main.command()
@click.argument("csv_path", metavar="CSV_FILE", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Where to write the config [default: <CSV stem>.yaml].")
@click.option("--delimiter", default=",", show_default=True, help="Field separator of the CSV.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
def init(csv_path: Path, out: Path | None, delimiter: str, force: bool) -> None:
    """Write a starter config for CSV_FILE, guessing its text and label columns and sizes ('-' prints it)."""
    from lstmcls.errors import ConfigError
    from lstmcls.tools.scaffold import init_config

    text = init_config(csv_path, delimiter)
    if str(out) == "-":
        click.echo(text, nl=False)
        return
    out = out or Path(csv_path.name.split(".")[0] + ".yaml")
    if out.exists() and not force:
        raise ConfigError(f"{out} already exists; pass --out FILE or --force")
    out.write_text(text, encoding="utf-8")
    click.echo(f"wrote {out}; next: lstmcls inspect {out}, then lstmcls train {out}")


@main.command(name="tune")
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
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a config key, as for train.")
@click.option("--show", "show_name", metavar="STUDY", help="Only print the trials and best config of STUDY.")
@click.option(
    "--runs-dir",
    type=click.Path(path_type=Path),
    default="runs",
    show_default=True,
    help="Where --show looks for the study.",
)
@_json_option
def tune_command(config_path, trials, timeout, study, storage, overrides, show_name, runs_dir, as_json) -> None:
    """Search hyperparameters with Optuna over the config's tune: space; every trial is a run in runs/."""
    from lstmcls.config import load_config
    from lstmcls.tools.tuning import best_config, open_study, study_dir, trial_rows, tune

    if (config_path is None) == (show_name is None):
        raise click.UsageError("give either CONFIG or --show STUDY")
    if show_name:
        found = open_study(study_dir(runs_dir, show_name), show_name, storage)
        folder = study_dir(runs_dir, show_name)
    else:
        config = load_config(config_path, overrides)
        found = tune(config, trials, timeout, study, storage)
        folder = study_dir(config, found.study_name)
    rows, best = trial_rows(found), best_config(found)
    if as_json:
        click.echo(json.dumps({"study": found.study_name, "trials": rows, "best_config": best}, indent=2))
        return
    report.trials_table(rows)
    if best is None:
        click.echo("no complete trial yet")
        return
    click.echo(best.splitlines()[0].removeprefix("# "))
    click.echo(f"best config: {folder / 'best.yaml'} (train it with `lstmcls train {folder / 'best.yaml'}`)")


def _texts(arguments: tuple[str, ...], file) -> list[str]:
    """Texts from arguments ('-' alone: stdin) and from --file, one per line (blank lines skipped)."""
    items = list(arguments)
    if items == ["-"]:
        items = _lines(sys.stdin)
    if file is not None:
        items += _lines(file)
    return items


def _lines(handle) -> list[str]:
    return [line.rstrip("\n") for line in handle if line.strip()]
