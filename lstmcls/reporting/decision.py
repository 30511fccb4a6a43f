"""How a model's probabilities become its answer: a temperature, then a threshold or an argmax.

A run's decision is chosen on validation at the end of training and saved in the run (`decision.json`), so
`predict`, `eval`, `serve` and the exported SavedModel all answer the same way:

- `temperature` divides the model's logits before the probabilities are read (1.0 leaves them as trained);
- two classes: the second class wins when its probability reaches `threshold` (None: 0.5, the argmax);
- multi-label: label j is on when its probability reaches `thresholds[j]` (None: 0.5 for every label);
- otherwise the most probable class wins.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

EPSILON = 1e-7  # keeps the logit of a saturated probability finite


@dataclass(frozen=True)
class Decision:
    """A run's decision rule, as saved in `decision.json`."""

    multi_label: bool = False
    temperature: float = 1.0
    threshold: float | None = None  # two classes: P(second class) ≥ threshold picks the second class
    thresholds: tuple[float, ...] | None = None  # multi-label: one per label, in label order
    goal: str | None = None  # what the threshold(s) were chosen for on validation, e.g. "f1" or "precision>=0.95"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["thresholds"] = list(self.thresholds) if self.thresholds is not None else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Decision:
        thresholds = data.get("thresholds")
        return cls(**{**data, "thresholds": tuple(thresholds) if thresholds is not None else None})

    def calibrated(self, probabilities: np.ndarray) -> np.ndarray:
        """Probabilities after temperature scaling: (n, classes) class probabilities, or (n, labels) when
        multi-label (each label its own sigmoid)."""
        if self.temperature == 1.0:
            return probabilities
        clipped = np.clip(probabilities, EPSILON, 1 - EPSILON)
        if self.multi_label:
            logits = np.log(clipped) - np.log1p(-clipped)
            return 1 / (1 + np.exp(-logits / self.temperature))
        scaled = np.log(clipped) / self.temperature
        scaled = np.exp(scaled - scaled.max(axis=1, keepdims=True))
        return scaled / scaled.sum(axis=1, keepdims=True)

    def decide(self, probabilities: np.ndarray) -> np.ndarray:
        """The answer for already calibrated probabilities: class ids (n,), or a 0/1 (n, labels) array when
        multi-label."""
        if self.multi_label:
            thresholds = np.asarray(self.thresholds) if self.thresholds is not None else 0.5
            return (probabilities >= thresholds).astype(np.int64)
        if self.threshold is not None and probabilities.shape[1] == 2:
            return (probabilities[:, 1] >= self.threshold).astype(np.int64)
        return probabilities.argmax(axis=1)
