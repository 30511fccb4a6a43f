"""Integrated gradients over the token embeddings: how much each token moved the explained probability.

- Integrated gradients (Sundararajan et al. 2017) average the gradient of the explained class's probability
  along the straight path from a baseline to the token embeddings. The baseline is the padding embedding
  (row 0) at every position under the text's own mask, so the recurrent layers read exactly the text's
  positions. A token's attribution is Σ_d (x - x')·ḡ; attributions add up to F(x) - F(x') (completeness), and
  `completeness_gap` says how far they miss: |Σ attribution - (F(x) - F(x'))| / max(|F(x) - F(x')|, 1e-3).
- The average is the trapezoid rule over `steps` intervals (many texts' path points in one batch), refined:
  a saturated recurrent state can flip between two attractors along the path, so F jumps within 1e-6 of
  alpha or less (the longer the text, the sharper), between grid points whose gradients never see it. Each
  interval whose trapezoid misses F's own change by over REFINE·|F(x) - F(x')| is halved, worst first, up to
  `steps` more points per text. A jump between neighbouring float32 alphas stays in the gap (the warning
  says so) unless the gradient at its ends carries half of it or more: then that trapezoid is scaled to it.

A path point is (alpha, F, slopes, attention weights): slopes split dF/dα per token (Σ_d (x - x')·∂F/∂x).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf

from lstmcls.errors import RunError
from lstmcls.interpret.model_parts import ModelParts, replay
from lstmcls.models.factory import class_probabilities

log = logging.getLogger("lstmcls")

GAP_WARNING = 0.05  # completeness gap above which attributions are too coarse to trust
BATCH_SEQUENCES = 512  # path points (whole sequences) per gradient batch: speed vs memory
REFINE = 0.002  # an interval whose trapezoid misses F's change by this share of F(x) - F(x') is bisected


@dataclass(frozen=True)
class Attributions:
    attributions: np.ndarray  # (texts, max_length)
    probabilities: np.ndarray  # (texts, classes)
    targets: np.ndarray  # explained class per text
    scores: np.ndarray  # F(x): the explained class's probability
    baseline_scores: np.ndarray  # F(x')
    gaps: np.ndarray
    attention: np.ndarray  # (texts, max_length); zeros without attention pooling


@dataclass
class _Integral:
    """The path integral of every text while it is refined."""

    ids: np.ndarray  # (texts, max_length)
    lengths: np.ndarray  # tokens per text
    targets: np.ndarray  # the explained class per text
    budget: np.ndarray  # path points each text may still add
    attributions: np.ndarray = field(init=False)  # (texts, max_length): the integral so far
    ends: np.ndarray = field(init=False)  # (texts, 2): F(x'), F(x)
    tolerance: np.ndarray = field(init=False)  # the miss above which an interval is halved, per text
    stuck: np.ndarray = field(init=False)  # F jumps between neighbouring float32 alphas
    pending: list = field(default_factory=list)  # (miss, text, start point, end point): intervals to halve

    def __post_init__(self) -> None:
        self.attributions = np.zeros(self.ids.shape, np.float32)
        self.ends, self.tolerance = np.zeros((len(self.ids), 2)), np.zeros(len(self.ids))
        self.stuck = np.zeros(len(self.ids), bool)


class IntegratedGradients:
    """Integrated gradients of a run's classifier from its embeddings (module docstring)."""

    def __init__(self, parts: ModelParts) -> None:
        self.parts, self.embedding = parts, parts.embedding
        dim, spec = self.embedding.output_dim, tf.TensorSpec
        texts = [spec([None, None, dim]), spec([None, None], tf.bool)]
        points = [spec([None], tf.int32), spec([None], tf.float32), spec([None], tf.int32)]
        self._slopes = tf.function(self._path_slopes, input_signature=texts + points)

    def __call__(self, ids: np.ndarray, targets: list[int | None], steps: int) -> Attributions:
        """Attributions for every text towards its target (None: the predicted class): the trapezoid rule on
        `steps` intervals, then up to `steps` more path points per text where it misses F's change; texts of
        similar length share batches."""
        lengths = (ids != 0).sum(axis=1)
        predicted = self.parts.classifier.predict(ids, BATCH_SEQUENCES, verbose=0)
        probabilities = np.asarray(class_probabilities(predicted))
        wanted = np.array([-1 if target is None else target for target in targets])  # -1: the predicted class
        chosen = np.where(wanted < 0, probabilities.argmax(axis=1), wanted).astype(np.int32)
        integral = _Integral(ids, lengths, chosen, np.full(len(ids), steps))
        attention = self._ends(integral)
        drift = np.abs(integral.ends[:, 1] - probabilities[np.arange(len(ids)), chosen]).max()
        if drift > 1e-4:  # explain replays the classifier layer by layer from its embeddings
            raise RunError(
                f"run {self.parts.run.id}: explain cannot replay this classifier's layers (off by {drift:.2g})"
            )
        self._refine(integral, steps)
        baseline, scores = integral.ends[:, 0], integral.ends[:, 1]
        change = scores - baseline
        gaps = np.abs(integral.attributions.sum(axis=1) - change) / np.maximum(np.abs(change), 1e-3)
        _warn_gaps(gaps, steps, integral.stuck)
        return Attributions(integral.attributions, probabilities, chosen, scores, baseline, gaps, attention)

    def _ends(self, integral: _Integral) -> np.ndarray:
        """F at the baseline and at the text, one trapezoid over [0, 1] per text; the attention weights."""
        attention = np.zeros(integral.ids.shape, np.float32)
        order = np.argsort(-integral.lengths, kind="stable")
        alphas = np.tile(np.float32([0, 1]), len(order))
        points = self._points(integral, np.repeat(order, 2), alphas)
        for row, start, end in zip(order, points, points):  # the baseline, then the text
            integral.ends[row], attention[row, : len(end[3])] = (start[1], end[1]), end[3]
            integral.tolerance[row] = REFINE * max(abs(end[1] - start[1]), 1e-3)
            integral.attributions[row, : len(end[2])] = _trapezoid(start, end)
            integral.pending.append((np.inf, row, start, end))
        return attention

    def _refine(self, integral: _Integral, steps: int) -> None:
        """Split [0, 1] into `steps` intervals, then halve each text's worst miss, one per round."""
        first = True
        while integral.pending:
            split = _choose(integral, steps if first else 2, first)
            split.sort(key=lambda interval: -integral.lengths[interval[0]])
            rows = np.array([row for row, inner, _, _ in split for _ in inner], int)
            alphas = np.concatenate([np.zeros(0, np.float32), *(inner for _, inner, _, _ in split)])
            points, first = self._points(integral, rows, alphas), False
            for row, inner, start, end in split:
                _integrate(integral, row, [start, *(next(points) for _ in inner), end])

    def _points(self, integral: _Integral, rows: np.ndarray, alphas: np.ndarray):
        """Path points, text `rows[k]` at `alphas[k]` in order. A batch is trimmed to its longest text: give
        rows longest first."""
        ids, lengths = integral.ids, integral.lengths
        for start in range(0, len(rows), BATCH_SEQUENCES):
            batch, at = rows[start : start + BATCH_SEQUENCES], alphas[start : start + BATCH_SEQUENCES]
            texts, index = np.unique(batch, return_inverse=True)
            chunk = ids[texts, : lengths[texts].max()]  # padding is masked: trimming it changes nothing
            embedded = tf.gather(self.embedding.embeddings, chunk)
            result = self._slopes(embedded, chunk != 0, index.astype(np.int32), at, integral.targets[batch])
            for row, alpha, slopes, score, weights in zip(batch, at, *(value.numpy() for value in result)):
                yield float(alpha), float(score), slopes[: lengths[row]].copy(), weights[: lengths[row]].copy()

    def _path_slopes(self, embedded, mask, index, alphas, targets):
        """At path points, text `index` of the batch at `alphas`: per-token slopes, F and attention weights."""
        baseline = self.embedding.embeddings[0]
        delta = tf.gather(embedded - baseline, index)
        path = baseline + alphas[:, None, None] * delta
        with tf.GradientTape() as tape:
            tape.watch(path)
            probabilities, attention, _ = replay(self.parts.chain, path, tf.gather(mask, index))
            score = tf.gather(class_probabilities(probabilities), targets, batch_dims=1)
        slopes = tf.reduce_sum(delta * tape.gradient(score, path), axis=-1)
        return slopes, score, tf.zeros_like(slopes) if attention is None else attention


def _choose(integral: _Integral, pieces: int, first: bool) -> list[tuple]:
    """This round's intervals to split into `pieces` as (text, inner alphas, start, end): each text's worst miss
    while its budget lasts (every interval in the first round); an interval float32 cannot split is settled or
    counted as stuck, and the others wait for a later round."""
    split, later, taken = [], [], set()
    for interval in sorted(integral.pending, key=lambda interval: -interval[0]):
        _, row, start, end = interval
        inner = (start[0] + (end[0] - start[0]) * np.arange(1, pieces) / pieces).astype(np.float32)
        if row in taken:
            later.append(interval)
        elif first or integral.budget[row] and start[0] < inner[0] < end[0]:
            integral.budget[row] -= not first
            taken.add(row)
            split.append((row, inner, start, end))
        elif integral.budget[row]:  # neighbouring float32 alphas: F jumps between them
            integral.stuck[row] |= not _settle(integral.attributions[row], start, end)
    integral.pending = later
    return split


def _integrate(integral: _Integral, row: int, points: list[tuple]) -> None:
    """Replace the trapezoid of an interval by those of its pieces; queue the pieces that miss F's change."""
    start, end = points[0], points[-1]
    pieces = sum(_trapezoid(a, b) for a, b in zip(points, points[1:]))
    integral.attributions[row, : len(start[2])] += pieces - _trapezoid(start, end)
    for a, b in zip(points, points[1:]):
        miss = abs(float(_trapezoid(a, b).sum()) - (b[1] - a[1]))
        if miss > integral.tolerance[row]:
            integral.pending.append((miss, row, a, b))


def _trapezoid(start: tuple, end: tuple) -> np.ndarray:
    """The trapezoid rule per token between two path points (alpha, F, slopes, attention weights)."""
    return (end[0] - start[0]) / 2 * (start[2] + end[2])


def _settle(attributions: np.ndarray, start: tuple, end: tuple) -> bool:
    """Scale the trapezoid of an interval float32 cannot split to F's jump if the gradient at its ends carries
    half of it or more (it points across a transition too steep to sample); False and no change otherwise."""
    trapezoid = _trapezoid(start, end)
    ratio = (end[1] - start[1]) / float(trapezoid.sum()) if trapezoid.sum() else 0.0
    if 0 < ratio <= 2:
        attributions[: len(trapezoid)] += (ratio - 1) * trapezoid
    return 0 < ratio <= 2


def _warn_gaps(gaps: np.ndarray, steps: int, stuck: np.ndarray) -> None:
    wide = np.flatnonzero(gaps > GAP_WARNING)
    if not len(wide):
        return
    numbers = ", ".join(str(i + 1) for i in wide[:10]) + (" ..." if len(wide) > 10 else "")
    jumps = f"; in {stuck[wide].sum()} F jumps on the path within float32 precision, which steps cannot resolve"
    log.warning(
        "attributions miss completeness by more than %d%% for %d text(s) (%s; worst %.1f%%); raise steps (now %d)%s",
        round(GAP_WARNING * 100),
        len(wide),
        numbers,
        gaps.max() * 100,
        steps,
        jumps if stuck[wide].any() else "",
    )
