"""An explanation as a PNG of heatmaps over its tokens: attribution, attention, and the recurrent gates and states.

Gate traces need `explain(..., gates=True)`; matplotlib is imported only when a PNG is drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstmcls.interpret.types import Explanation

UNITS_SHOWN = 4  # units per trace drawn one by one: those that move the explained probability most


@dataclass(frozen=True)
class _Panel:
    title: str
    values: np.ndarray  # (rows, tokens)
    rows: list[str]
    cmap: str
    label: str  # of the colour bar
    diverging: bool  # centred on zero


def to_png(explanation: Explanation, path: str | Path) -> Path:
    """Heatmaps over the tokens: attribution, attention, and per recurrent layer and direction the gates
    (averaged over units) and the state of the units that move the explained probability most."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = _panels(explanation)
    labels = [token.text + ("*" if token.oov else "") for token in explanation.tokens]
    count = len(labels)
    cell = min(0.3, 32 / count)  # inches per token: a long text gets narrow columns, then every other label
    stride = math.ceil(0.11 / cell)
    heights = [max(len(panel.rows), 2) * 0.3 + 0.45 for panel in panels]
    figure, axes = plt.subplots(
        len(panels),
        1,
        figsize=(4.5 + max(5.0, count * cell), sum(heights) + 1.8),
        gridspec_kw={"height_ratios": heights},
        sharex=True,
        squeeze=False,
        layout="constrained",
    )
    for ax, panel in zip(axes[:, 0], panels):
        limit = float(np.abs(panel.values).max()) or 1.0
        low, high = (-limit, limit) if panel.diverging else (0.0, 1.0 if panel.cmap == "viridis" else limit)
        image = ax.imshow(panel.values, aspect="auto", cmap=panel.cmap, vmin=low, vmax=high, interpolation="nearest")
        ax.set_yticks(range(len(panel.rows)), panel.rows, fontsize=8)
        ax.set_title(panel.title, fontsize=9, loc="left")
        bar = figure.colorbar(image, ax=ax, pad=0.01, fraction=0.02, aspect=6, ticks=[low, (low + high) / 2, high])
        bar.ax.tick_params(labelsize=7)
        bar.set_label(panel.label, fontsize=7)
    size = 7 if cell < 0.2 else 8
    axes[-1, 0].set_xticks(range(0, count, stride), labels[::stride], rotation=90, fontsize=size)
    axes[0, 0].tick_params(axis="x", labeltop=True, labelrotation=90, labelsize=size)  # token names on top too
    axes[-1, 0].set_xlabel(
        "tokens the model saw, in order (* out of vocabulary" + (f"; every {stride}th labelled)" if stride > 1 else ")")
    )
    snippet = explanation.text if len(explanation.text) <= 80 else explanation.text[:77] + "..."
    note = "" if explanation.gates else "  (no gate traces: explain with gates=True)"
    shown = explanation.labels if explanation.labels is not None else [explanation.label]  # a label set, or one
    answer = ", ".join(f"{name} (p={explanation.probabilities[name]:.3f})" for name in shown) or "no label"
    figure.suptitle(
        f"predicted {answer}; explaining {explanation.target}{note}\n{snippet!r}",
        fontsize=10,
    )
    path = Path(path)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _panels(explanation: Explanation) -> list[_Panel]:
    target = explanation.target
    panels = [
        _Panel(
            f"attribution towards {target} (integrated gradients): green pushes towards it, red away",
            np.array([[token.attribution for token in explanation.tokens]]),
            ["attribution"],
            "RdYlGn",
            "attribution",
            diverging=True,
        )
    ]
    if explanation.tokens[0].attention is not None:
        weights = np.array([[token.attention for token in explanation.tokens]])
        panels.append(
            _Panel("attention weight per token (they sum to 1)", weights, ["attention"], "Blues", "weight", False)
        )
    for trace in explanation.gates:
        reading = " (reads right to left)" if trace.direction == "backward" else ""
        where = f"layer {trace.layer + 1}, {trace.direction} {trace.cell}{reading}"
        units = trace.hidden.shape[1]
        means = np.stack([values.mean(axis=1) for values in trace.gates.values()])
        gates = [f"{name} gate" for name in trace.gates]
        panels.append(
            _Panel(
                f"{where}: gates, mean over {units} units (0 closed, 1 open)", means, gates, "viridis", "gate", False
            )
        )
        state, kind = (trace.hidden, "hidden") if trace.cell_state is None else (trace.cell_state, "cell")
        top = np.argsort(-trace.unit_importance)[: min(UNITS_SHOWN, units)]
        title = f"{where}: {kind} state of the {len(top)} units (of {units}) that move p({target}) most"
        panels.append(_Panel(title, state[:, top].T, [f"unit {u}" for u in top], "PuOr", f"{kind} state", True))
    return panels
