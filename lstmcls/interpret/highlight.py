"""What every rendering of an explanation shares, so colours and numbers mean the same in each format.

Green pushes the prediction towards the explained class, red away from it, and the stronger the colour the
larger the attribution (scaled to each text's largest one). Typed words get the sum of their tokens'
attributions. `render_text` and `render_html` draw with these.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from lstmcls.interpret.types import Explanation

POSITIVE, NEGATIVE, ATTENTION = (26, 150, 65), (215, 48, 39), (33, 102, 172)  # RGB: green, red, blue


def attribution_scale(explanation: Explanation) -> float:
    return max((abs(token.attribution) for token in explanation.tokens), default=0.0) or 1.0


def tint(value: float, scale: float) -> tuple[int, int, int]:
    """White blended towards green (value > 0) or red (value < 0) by |value| / scale."""
    strength = min(abs(value) / scale, 1.0)
    colour = POSITIVE if value >= 0 else NEGATIVE
    return tuple(round(255 + (c - 255) * strength) for c in colour)


def typed_words(explanation: Explanation) -> Iterator[tuple[str, float | None, bool]]:
    """Each typed word with its attribution (the sum over the tokens it became; None when the model did not
    see it) and whether it was out of the vocabulary."""
    scores: dict[int, float] = defaultdict(float)
    for token in explanation.tokens:
        if token.word is not None:
            scores[token.word] += token.attribution
    oov = {token.word for token in explanation.tokens if token.oov}
    for index, word in enumerate(explanation.words):
        yield word, scores.get(index), index in oov


def text_numbers(explanations: list[Explanation]) -> list[int]:
    """The number of the text each explanation is of: a multi-label run explains a text once per predicted
    label, one after the other."""
    numbers, number = [], 0
    for previous, explanation in zip([None, *explanations], explanations):
        again = explanation.labels is not None and previous is not None and previous.text == explanation.text
        number += not again
        numbers.append(number)
    return numbers


def predicted(explanation: Explanation) -> str:
    """The predicted class, or a multi-label run's predicted labels (which may be none)."""
    return explanation.label or "no label"


def summary_lines(explanation: Explanation) -> list[str]:
    probabilities = ", ".join(f"{name} {p:.4f}" for name, p in explanation.probabilities.items())
    cut = f"; {explanation.truncated} tokens cut by the window" if explanation.truncated else ""
    return [
        f"predicted {predicted(explanation)} ({probabilities})",
        f"attributions towards {explanation.target}: p {explanation.target_probability:.4f} vs baseline "
        f"{explanation.baseline_probability:.4f}, completeness gap {explanation.completeness_gap:.1%} "
        f"({explanation.steps} steps){cut}",
    ]
