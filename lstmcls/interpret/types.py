"""What an explanation is: the results `lstmcls.interpret` returns, and their JSON form.

They hold plain numbers and NumPy arrays (no TensorFlow), so renderers and the CLI read them without the model.

`Explanation.to_dict()` (JSON) fields: text, words, tokens [text, id, oov, word, attribution, attention],
truncated, label, probabilities, target, target_probability, baseline_probability, completeness_gap, steps,
gates [layer, direction, cell, gates {name: [token][unit]}, cell_state, hidden, unit_importance,
max_deviation], labels (only for a multi-label run: its predicted label set). Arrays are [token][unit],
tokens in text order (also for the backward direction).
`Aggregate.to_dict()` fields: classes {class: [token, mean, count]}, texts, steps, max_completeness_gap.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class GateTrace:
    """One recurrent layer in one direction, step by step; arrays are (tokens, units) in text order."""

    layer: int
    direction: str  # forward | backward
    cell: str
    gates: dict[str, np.ndarray]  # input/forget/output (LSTM kinds) or update/reset (GRU)
    cell_state: np.ndarray | None  # LSTM kinds only
    hidden: np.ndarray
    unit_importance: np.ndarray  # (units,) |Σ_t ∂p/∂h_t · h_t|: how much each unit's state moves the output
    max_deviation: float  # largest |recomputed - layer output| over the hidden states


@dataclass(frozen=True)
class Token:
    text: str  # the standardized token (the model saw [UNK] instead when `oov`)
    id: int
    oov: bool
    word: int | None  # index into Explanation.words of the typed word it came from
    attribution: float
    attention: float | None = None  # attention pooling only


@dataclass(frozen=True)
class Explanation:
    text: str
    words: list[str]  # the text split on whitespace, as typed
    tokens: list[Token]  # what the model saw, in order
    truncated: int  # tokens the window cut (vectorizer.keep decides which end)
    label: str  # the predicted class (a multi-label run: its predicted labels, comma-separated)
    probabilities: dict[str, float]
    target: str  # the class whose probability is explained
    target_probability: float
    baseline_probability: float
    completeness_gap: float
    steps: int
    gates: list[GateTrace] = field(default_factory=list)
    labels: list[str] | None = None  # a multi-label run's predicted label set, most probable first

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.labels is None:  # one label per text: the JSON stays as it always was
            del data["labels"]
        return _jsonable(data)


@dataclass(frozen=True)
class TokenStat:
    token: str  # as the model sees it: every out-of-vocabulary word counts as [UNK]
    mean: float  # mean attribution towards the class per occurrence
    count: int  # occurrences in the texts explained for the class


@dataclass(frozen=True)
class Aggregate:
    classes: dict[str, list[TokenStat]]  # class → the tokens that push hardest towards it, strongest first
    texts: dict[str, int]  # texts explained for each class
    steps: int
    max_completeness_gap: float

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, np.ndarray):
        return np.round(value.astype(float), 6).tolist()
    return value
