"""Explanations as one self-contained HTML page: per text, the prediction, the typed text tinted, the tokens."""

from __future__ import annotations

import html

from lstmcls.interpret.highlight import (
    ATTENTION,
    attribution_scale,
    predicted,
    summary_lines,
    text_numbers,
    tint,
    typed_words,
)
from lstmcls.interpret.types import Explanation, Token

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
    sections = "\n".join(_html_section(number, e) for number, e in zip(text_numbers(explanations), explanations))
    attention = any(e.tokens[0].attention is not None for e in explanations)
    legend = (
        f'<p class="legend"><span style="background:rgb{tint(1, 1)}">pushes towards the explained class</span>'
        f'<span style="background:rgb{tint(-1, 1)}">pushes away</span>'
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
    scale, words = attribution_scale(explanation), []
    for word, score, oov in typed_words(explanation):
        if score is None:
            words.append(f'<span class="unseen" title="not seen by the model">{html.escape(word)}</span>')
            continue
        css = ' class="oov"' if oov else ""
        words.append(
            f'<span{css} style="background:rgb{tint(score, scale)}" '
            f'title="attribution {score:+.4f}">{html.escape(word)}</span>'
        )
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{p:.4f}</td>"
        f'<td><span class="bar" style="width:{p * 10:.2f}rem"></span></td></tr>'
        for name, p in explanation.probabilities.items()
    )
    meta = "<br>".join(map(html.escape, summary_lines(explanation)))
    attention = max((token.attention or 0.0 for token in explanation.tokens), default=0.0) or 1.0
    tokens = "".join(_html_token(token, scale, attention) for token in explanation.tokens)
    return (
        f"<section>\n<h2>Text {number}: predicted {html.escape(predicted(explanation))}</h2>\n"
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
        f'style="background:rgb{tint(token.attribution, scale)}">{html.escape(token.text)}</span>{strip}</span>'
    )
