"""What `lstmcls explain` asks for, as one typed request: texts to explain and the files to draw them in.

`explain()` and `aggregate()` compute; this module adds what a command line needs around them (the HTML page
and PNG written to paths, a labelled file read for the dataset ranking), so a notebook user gets the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lstmcls.inference.evaluation import read_labelled
from lstmcls.interpret.attributions import aggregate, explain
from lstmcls.interpret.render_html import to_html
from lstmcls.interpret.render_png import to_png
from lstmcls.interpret.types import Aggregate, Explanation
from lstmcls.runs import Run


@dataclass(frozen=True)
class ExplainRequest:
    """Texts to explain and how.

    Attributes:
        texts: the raw strings, one explanation each.
        target: explain this class instead of each text's predicted class.
        steps: integrated-gradients steps; raise it when the completeness gap warning appears.
        gates: trace the gates, cell and hidden states (always on when `png` is given: the PNG draws them).
        html: write one self-contained HTML page of all explanations here.
        png: write a heatmap of the first text's attributions and gates here.
    """

    texts: list[str]
    target: str | None = None
    steps: int = 50
    gates: bool = False
    html: Path | None = None
    png: Path | None = None


@dataclass(frozen=True)
class ExplainOutput:
    """The explanations, and the files written for them (HTML first, then PNG)."""

    explanations: list[Explanation]
    written: list[Path] = field(default_factory=list)


def explain_request(run: Run, request: ExplainRequest) -> ExplainOutput:
    """Explain `request.texts` with a complete run and write the HTML page and PNG it asks for."""
    gates = request.gates or request.png is not None
    explanations = explain(run, request.texts, target=request.target, steps=request.steps, gates=gates)
    written = []
    if request.html is not None:
        request.html.write_text(to_html(explanations), encoding="utf-8")
        written.append(request.html)
    if request.png is not None:
        written.append(to_png(explanations[0], request.png))
    return ExplainOutput(explanations, written)


def aggregate_file(run: Run, path: str | Path, top: int = 20, steps: int = 50) -> Aggregate:
    """`aggregate` over the texts of a labelled CSV read like the run's training data."""
    return aggregate(run, read_labelled(run, path).texts, top=top, steps=steps)
