"""Explanations drawn for people: a terminal (ANSI colour or a plain table), one HTML page, a PNG of the gates.

Colours mean the same everywhere: green pushes the prediction towards the explained class, red away from
it, and the stronger the colour the larger the attribution (scaled to each text's largest one).
"""

from __future__ import annotations

import html
import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstmcls.explain.attributions import Aggregate, Explanation, Token

POSITIVE, NEGATIVE, ATTENTION = (26, 150, 65), (215, 48, 39), (33, 102, 172)  # RGB: green, red, blue


def _scale(explanation: Explanation) -> float:
    return max((abs(token.attribution) for token in explanation.tokens), default=0.0) or 1.0


def _tint(value: float, scale: float) -> tuple[int, int, int]:
    """White blended towards green (value > 0) or red (value < 0) by |value| / scale."""
    strength = min(abs(value) / scale, 1.0)
    colour = POSITIVE if value >= 0 else NEGATIVE
    return tuple(round(255 + (c - 255) * strength) for c in colour)


def _typed_words(explanation: Explanation) -> Iterator[tuple[str, float | None, bool]]:
    """Each typed word with its attribution (the sum over the tokens it became; None when the model did not
    see it) and whether it was out of the vocabulary."""
    scores: dict[int, float] = defaultdict(float)
    for token in explanation.tokens:
        if token.word is not None:
            scores[token.word] += token.attribution
    oov = {token.word for token in explanation.tokens if token.oov}
    for index, word in enumerate(explanation.words):
        yield word, scores.get(index), index in oov


def _header(explanation: Explanation) -> list[str]:
    probabilities = ", ".join(f"{name} {p:.4f}" for name, p in explanation.probabilities.items())
    cut = f"; {explanation.truncated} tokens cut by the window" if explanation.truncated else ""
    return [
        f"predicted {explanation.label} ({probabilities})",
        f"attributions towards {explanation.target}: p {explanation.target_probability:.4f} vs baseline "
        f"{explanation.baseline_probability:.4f}, completeness gap {explanation.completeness_gap:.1%} "
        f"({explanation.steps} steps){cut}",
    ]


# === Terminal ===


def to_terminal(explanations: list[Explanation], color: bool) -> str:
    """ANSI-coloured text (typed words tinted by attribution) when `color`, else an aligned table per text."""
    blocks = []
    for number, explanation in enumerate(explanations, start=1):
        body = _coloured_text(explanation) if color else _table(explanation)
        first, *rest = _header(explanation)
        blocks.append("\n".join([f"text {number}: {first}", *rest, body]))
    if color:
        blocks.append(
            "green: pushes towards the explained class, red: away; stronger colour, larger attribution; "
            "faint: not seen by the model; underlined: out of vocabulary ([UNK])"
        )
    return "\n\n".join(blocks)


def _coloured_text(explanation: Explanation) -> str:
    scale, parts = _scale(explanation), []
    for word, score, oov in _typed_words(explanation):
        if score is None:
            parts.append(f"\x1b[2m{word}\x1b[0m")
            continue
        r, g, b = _tint(score, scale)
        underline = "\x1b[4m" if oov else ""
        parts.append(f"\x1b[30;48;2;{r};{g};{b}m{underline}{word}\x1b[0m")
    text = " ".join(parts)
    if explanation.tokens[0].attention is not None:
        top = sorted(explanation.tokens, key=lambda token: token.attention or 0.0, reverse=True)[:5]
        text += "\nmost attended: " + ", ".join(f"{token.text} {token.attention:.3f}" for token in top)
    return text


def _table(explanation: Explanation) -> str:
    scale = _scale(explanation)
    attention = explanation.tokens[0].attention is not None
    rows = [("#", "token", "typed word", "attribution", "", *(["attention"] if attention else []))]
    for position, token in enumerate(explanation.tokens, start=1):
        bar = ("+" if token.attribution >= 0 else "-") * round(10 * abs(token.attribution) / scale)
        word = "" if token.word is None else explanation.words[token.word]
        rows.append(
            (
                str(position),
                token.text + (" [UNK]" if token.oov else ""),
                word,
                f"{token.attribution:+.4f}",
                bar,
                *([f"{token.attention:.4f}"] if attention else []),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    right = {0, 3, 5}  # numbers align right
    return "\n".join(
        "  ".join(
            cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))
        ).rstrip()
        for row in rows
    )


def aggregate_to_terminal(result: Aggregate) -> str:
    """Per class, the tokens that push hardest towards it: a plain table (mean attribution, occurrences)."""
    blocks = [
        f"tokens that push towards each class (mean attribution over their occurrences; {result.steps} steps, "
        f"worst completeness gap {result.max_completeness_gap:.1%})"
    ]
    for name, stats in result.classes.items():
        width = max([len(stat.token) for stat in stats] + [5])
        lines = [f"{name} ({result.texts[name]} texts)", f"  {'token'.ljust(width)}  {'mean':>8}  {'count':>6}"]
        lines += [f"  {stat.token.ljust(width)}  {stat.mean:+8.4f}  {stat.count:6d}" for stat in stats]
        blocks.append("\n".join(lines if stats else lines[:1] + ["  (no token seen often enough)"]))
    return "\n\n".join(blocks)


# === HTML ===

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; line-height: 1.5; }
section { border-top: 1px solid #ccc; padding-top: 1rem; margin-top: 1.5rem; }
.text span { padding: 0.1em 0.15em; border-radius: 0.2em; }
.unseen { color: #aaa; }
.oov { text-decoration: underline dotted; }
.tokens { display: flex; flex-wrap: wrap; gap: 0.25rem; margin-top: 0.75rem; }
.token { display: flex; flex-direction: column; align-items: stretch; font-size: 0.85rem; text-align: center; }
.token .t { padding: 0.1em 0.3em; border-radius: 0.2em; }
.token .a { height: 0.5em; margin-top: 2px; border-radius: 0.2em; }
.meta { color: #555; font-size: 0.9rem; }
table.probabilities td { padding: 0 0.5rem; }
.bar { display: inline-block; height: 0.7em; background: #888; }
.legend span { padding: 0.1em 0.4em; margin-right: 0.5rem; }
"""


def to_html(explanations: list[Explanation]) -> str:
    """One self-contained page: per text, the prediction, the typed text tinted by attribution, the tokens."""
    sections = "\n".join(_html_section(number, e) for number, e in enumerate(explanations, start=1))
    attention = any(e.tokens[0].attention is not None for e in explanations)
    legend = (
        f'<p class="legend"><span style="background:rgb{_tint(1, 1)}">pushes towards the explained class</span>'
        f'<span style="background:rgb{_tint(-1, 1)}">pushes away</span>'
        '<span class="unseen">grey: not seen by the model</span><span class="oov">dotted: out of vocabulary</span>'
        + (f'<span style="border-bottom:4px solid rgb{ATTENTION}">attention weight</span>' if attention else "")
        + '</p>\n<p class="meta">Integrated gradients over the token embeddings; colour strength is relative to '
        "each text's largest attribution. Hover a word or token for its numbers.</p>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>lstmcls explanations</title>\n'
        f"<style>{_STYLE}</style>\n</head>\n<body>\n<h1>Why the model predicted what it did</h1>\n{legend}\n"
        f"{sections}\n</body>\n</html>\n"
    )


def _html_section(number: int, explanation: Explanation) -> str:
    scale, words = _scale(explanation), []
    for word, score, oov in _typed_words(explanation):
        if score is None:
            words.append(f'<span class="unseen" title="not seen by the model">{html.escape(word)}</span>')
            continue
        css = ' class="oov"' if oov else ""
        words.append(
            f'<span{css} style="background:rgb{_tint(score, scale)}" '
            f'title="attribution {score:+.4f}">{html.escape(word)}</span>'
        )
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{p:.4f}</td>"
        f'<td><span class="bar" style="width:{p * 10:.2f}rem"></span></td></tr>'
        for name, p in explanation.probabilities.items()
    )
    meta = "<br>".join(map(html.escape, _header(explanation)))
    attention = max((token.attention or 0.0 for token in explanation.tokens), default=0.0) or 1.0
    tokens = "".join(_html_token(token, scale, attention) for token in explanation.tokens)
    return (
        f"<section>\n<h2>Text {number}: predicted {html.escape(explanation.label)}</h2>\n"
        f'<table class="probabilities">{rows}</table>\n<p class="meta">{meta}</p>\n'
        f'<p class="text">{" ".join(words)}</p>\n<h3>Tokens the model saw</h3>\n<div class="tokens">{tokens}</div>\n'
        "</section>"
    )


def _html_token(token: Token, scale: float, attention: float) -> str:
    title = f"id {token.id}{' [UNK]' if token.oov else ''}, attribution {token.attribution:+.4f}"
    strip = ""
    if token.attention is not None:
        title += f", attention {token.attention:.4f}"
        alpha = token.attention / attention
        strip = f'<span class="a" style="background:rgba{(*ATTENTION, round(alpha, 3))}"></span>'
    css = "t oov" if token.oov else "t"
    return (
        f'<span class="token" title="{html.escape(title)}"><span class="{css}" '
        f'style="background:rgb{_tint(token.attribution, scale)}">{html.escape(token.text)}</span>{strip}</span>'
    )


# === PNG ===

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
    figure.suptitle(
        f"predicted {explanation.label} (p={explanation.probabilities[explanation.label]:.3f}); "
        f"explaining {explanation.target}{note}\n{snippet!r}",
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
