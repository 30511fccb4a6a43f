"""Explanations for a terminal: typed words tinted in ANSI colour, or a plain aligned table, and the dataset ranking."""

from __future__ import annotations

from lstmcls.interpret.highlight import attribution_scale, summary_lines, text_numbers, tint, typed_words
from lstmcls.interpret.types import Aggregate, Explanation


def to_terminal(explanations: list[Explanation], color: bool) -> str:
    """ANSI-coloured text (typed words tinted by attribution) when `color`, else an aligned table per text."""
    blocks = []
    for number, explanation in zip(text_numbers(explanations), explanations):
        body = _coloured_text(explanation) if color else _table(explanation)
        first, *rest = summary_lines(explanation)
        blocks.append("\n".join([f"text {number}: {first}", *rest, body]))
    if color:
        blocks.append(
            "green: pushes towards the explained class, red: away; stronger colour, larger attribution; "
            "faint: not seen by the model; underlined: out of vocabulary ([UNK])"
        )
    return "\n\n".join(blocks)


def _coloured_text(explanation: Explanation) -> str:
    scale, parts = attribution_scale(explanation), []
    for word, score, oov in typed_words(explanation):
        if score is None:
            parts.append(f"\x1b[2m{word}\x1b[0m")
            continue
        r, g, b = tint(score, scale)
        underline = "\x1b[4m" if oov else ""
        parts.append(f"\x1b[30;48;2;{r};{g};{b}m{underline}{word}\x1b[0m")
    text = " ".join(parts)
    if explanation.tokens[0].attention is not None:
        top = sorted(explanation.tokens, key=lambda token: token.attention or 0.0, reverse=True)[:5]
        text += "\nmost attended: " + ", ".join(f"{token.text} {token.attention:.3f}" for token in top)
    return text


def _table(explanation: Explanation) -> str:
    scale = attribution_scale(explanation)
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
