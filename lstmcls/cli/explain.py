"""`lstmcls explain`: why a run predicts what it does, for given texts or ranked over a labelled file.

Its many options become one `ExplainRequest` (`lstmcls.interpret.output`): the same typed request a notebook
user builds, with the HTML and PNG files written by the library rather than here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import click

from lstmcls.cli import render
from lstmcls.cli.options import json_option, run_options, texts_options


@click.command(name="explain")
@run_options
@texts_options
@click.option(
    "--target", help="Explain this class instead of each text's predicted class (multi-label: each predicted label)."
)
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
@json_option
def explain_command(
    run_path: Path | None,
    runs_dir: Path,
    texts: tuple[str, ...],
    file: TextIO | None,
    target: str | None,
    steps: int,
    gates: bool,
    html_path: Path | None,
    png_path: Path | None,
    data: Path | None,
    top: int,
    as_json: bool,
) -> None:
    """Explain predictions: token attributions (integrated gradients), attention weights, gate traces."""
    from lstmcls.inference.prediction import gather_texts
    from lstmcls.interpret.output import ExplainRequest, aggregate_file, explain_request
    from lstmcls.runs import open_run

    run = open_run(run_path, runs_dir)
    if data is not None:
        render.ranked(aggregate_file(run, data, top=top, steps=steps), as_json)
        return
    request = ExplainRequest(
        gather_texts(texts, file), target=target, steps=steps, gates=gates, html=html_path, png=png_path
    )
    render.explained(explain_request(run, request), as_json)
