"""Why a run predicts what it does: integrated gradients per token, attention weights, recurrent gate traces.

`explain(run, texts)` explains each text; `aggregate(run, texts)` ranks, per class, the tokens that push
hardest towards it over many texts, to spot shortcuts and label leakage. `lstmcls.explain.render` draws
explanations for a terminal, a web page or a PNG.

- Tokens are what the model saw (the run's standardizer, a whitespace split, the run's window), aligned with
  the typed words by standardizing each word alone and matching the two sequences (difflib); an unmatched
  token gets `word: null`.
- Integrated gradients (Sundararajan et al. 2017) average the gradient of the explained class's probability
  from a baseline (the padding embedding at every position, under the text's own mask) to the embeddings.
  Attribution = Σ_d (x - x')·ḡ; `completeness_gap` = |Σ attribution - (F(x) - F(x'))| / max(|F(x) - F(x')|, 1e-3).
- The average is the trapezoid rule over `steps` intervals (many texts' path points in one batch), refined:
  a saturated recurrent state can flip between two attractors along the path, so F jumps within 1e-6 of
  alpha or less (the longer the text, the sharper), between grid points whose gradients never see it. Each
  interval whose trapezoid misses F's own change by over REFINE·|F(x) - F(x')| is halved, worst first, up to
  `steps` more points per text. A jump between neighbouring float32 alphas stays in the gap (the warning
  says so) unless the gradient at its ends carries half of it or more: then that trapezoid is scaled to it.
- Gate traces (lstm, gru, peephole_lstm) are recomputed and checked by `lstmcls.explain.gates`.

`Explanation.to_dict()` (JSON) fields: text, words, tokens [text, id, oov, word, attribution, attention],
truncated, label, probabilities, target, target_probability, baseline_probability, completeness_gap, steps,
gates [layer, direction, cell, gates {name: [token][unit]}, cell_state, hidden, unit_importance,
max_deviation]. Arrays are [token][unit], tokens in text order (also for the backward direction).
"""

from __future__ import annotations

import difflib
import logging
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import tensorflow as tf

from lstmcls.data.text import standardizer
from lstmcls.errors import ConfigError, DataError, RunError
from lstmcls.explain.gates import GateTrace, GateTracer, replay
from lstmcls.models.factory import class_probabilities
from lstmcls.models.fused import separated
from lstmcls.models.layers import AttentionPooling
from lstmcls.runs.run import Run

log = logging.getLogger("lstmcls")

GAP_WARNING = 0.05  # completeness gap above which attributions are too coarse to trust
BATCH_SEQUENCES = 512  # path points (whole sequences) per gradient batch: speed vs memory
REFINE = 0.002  # an interval whose trapezoid misses F's change by this share of F(x) - F(x') is bisected


# === Results ===


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
    label: str  # the predicted class
    probabilities: dict[str, float]
    target: str  # the class whose probability is explained
    target_probability: float
    baseline_probability: float
    completeness_gap: float
    steps: int
    gates: list[GateTrace] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


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


# === Public API ===


def explain(
    run: Run, texts: list[str], target: str | None = None, steps: int = 50, gates: bool = False
) -> list[Explanation]:
    """Explain the prediction for each text, for its predicted class or for the class `target`.

    Args:
        steps: integration intervals; raise it when a completeness gap warning appears.
        gates: also trace the recurrent gates (lstm, gru and peephole_lstm runs).
    """
    _check_request(texts, steps)
    model = _Explainer(run)
    target_index = None if target is None else model.class_index(target)
    tracer = model.gate_tracer() if gates else None
    encoded = model.encode(texts)
    ig = model.integrated_gradients(encoded.ids, [target_index] * len(texts), steps)
    word_tokens = model.word_tokens([text.split() for text in texts])
    explanations = []
    for i, text in enumerate(texts):
        seen, everything = int(encoded.lengths[i]), encoded.tokens[i]
        first = len(everything) - seen if model.keep == "end" else 0
        owners = _align(everything, word_tokens[i])[first : first + seen]
        ids, explained = encoded.ids[i, :seen], int(ig.targets[i])
        tokens = [
            Token(
                everything[first + t],
                int(ids[t]),
                oov=int(ids[t]) == 1,
                word=owners[t],
                attribution=float(ig.attributions[i, t]),
                attention=float(ig.attention[i, t]) if model.attention else None,
            )
            for t in range(seen)
        ]
        explanations.append(
            Explanation(
                text=text,
                words=text.split(),
                tokens=tokens,
                truncated=len(everything) - seen,
                label=model.labels[int(np.argmax(ig.probabilities[i]))],
                probabilities={name: float(p) for name, p in zip(model.labels, ig.probabilities[i])},
                target=model.labels[explained],
                target_probability=float(ig.scores[i]),
                baseline_probability=float(ig.baseline_scores[i]),
                completeness_gap=float(ig.gaps[i]),
                steps=steps,
                gates=tracer.traces(ids, explained) if tracer else [],
            )
        )
    return explanations


def aggregate(
    run: Run,
    texts: list[str],
    target_labels: list[str] | None = None,
    top: int = 20,
    steps: int = 50,
    min_count: int = 5,
) -> Aggregate:
    """Per class, the tokens whose attributions push hardest towards it over many texts.

    Each text is explained for its predicted class, or for its entry in `target_labels` (e.g. the gold
    labels), and counts towards that class. Tokens are ranked by mean attribution among those seen at
    least `min_count` times: a token that is both frequent and decisive is a shortcut or a leak.
    """
    _check_request(texts, steps)
    model = _Explainer(run)
    if target_labels is not None and len(target_labels) != len(texts):
        raise DataError(f"got {len(target_labels)} target labels for {len(texts)} texts; give one per text")
    targets = [model.class_index(label) for label in target_labels] if target_labels else [None] * len(texts)
    encoded = model.encode(texts)
    ig = model.integrated_gradients(encoded.ids, targets, steps)
    vocabulary = model.vectorizer.get_vocabulary()
    sums: dict[tuple[int, int], float] = defaultdict(float)
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for i, row in enumerate(encoded.ids):
        for t, token_id in enumerate(row[: encoded.lengths[i]]):
            key = (int(ig.targets[i]), int(token_id))
            sums[key] += float(ig.attributions[i, t])
            counts[key] += 1
    classes = {}
    for index, name in enumerate(model.labels):
        stats = [
            TokenStat(str(vocabulary[token_id]), sums[cls, token_id] / count, count)
            for (cls, token_id), count in counts.items()
            if cls == index and count >= min_count
        ]
        classes[name] = sorted(stats, key=lambda stat: stat.mean, reverse=True)[:top]
    per_class = np.bincount(ig.targets, minlength=len(model.labels))
    return Aggregate(classes, dict(zip(model.labels, per_class.tolist())), steps, float(ig.gaps.max()))


def _check_request(texts: list[str], steps: int) -> None:
    if not texts:
        raise DataError("no texts to explain; pass texts as arguments or --data FILE")
    for number, text in enumerate(texts, start=1):
        if not text.strip():
            raise DataError(f"text {number} is empty; every text needs at least one word")
    if steps < 1:
        raise ConfigError(f"steps must be at least 1 (got {steps}); 50 is a good default")


def _align(tokens: list[str], word_tokens: list[list[str]]) -> list[int | None]:
    """The typed word each token came from: the text's tokens matched against each word's own tokens."""
    flat = [token for tokens_of_word in word_tokens for token in tokens_of_word]
    owner = [word for word, tokens_of_word in enumerate(word_tokens) for _ in tokens_of_word]
    owners: list[int | None] = [None] * len(tokens)
    for a, b, size in difflib.SequenceMatcher(None, tokens, flat, autojunk=False).get_matching_blocks():
        owners[a : a + size] = owner[b : b + size]
    return owners


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
    if len(wide):
        numbers = ", ".join(str(i + 1) for i in wide[:10]) + (" ..." if len(wide) > 10 else "")
        jumps = f"; in {stuck[wide].sum()} F jumps on the path within float32 precision, which steps cannot resolve"
        log.warning(
            "attributions miss completeness by more than %d%% for %d text(s) (%s; worst %.1f%%); "
            "raise steps (now %d)%s",
            round(GAP_WARNING * 100), len(wide), numbers, gaps.max() * 100, steps, jumps if stuck[wide].any() else "",
        )  # fmt: skip


# === The model, taken apart ===


@dataclass(frozen=True)
class _Encoded:
    ids: np.ndarray  # (texts, max_length) what the classifier reads
    lengths: np.ndarray  # tokens seen per text
    tokens: list[list[str]]  # every token of each text, before the window


@dataclass(frozen=True)
class _Attributions:
    attributions: np.ndarray  # (texts, max_length)
    probabilities: np.ndarray  # (texts, classes)
    targets: np.ndarray  # explained class per text
    scores: np.ndarray  # F(x): the explained class's probability
    baseline_scores: np.ndarray  # F(x')
    gaps: np.ndarray
    attention: np.ndarray  # (texts, max_length); zeros without attention pooling


class _Explainer:
    """A run's model as parts: vectorizer, window, embedding, and the classifier's layers after it."""

    def __init__(self, run: Run) -> None:
        run.require_complete()
        self.run, self.labels, config = run, run.label_names(), run.config()
        self.cell, self.standardize = config.model.cell, standardizer(config.vectorizer.standardize)
        model = run.load_model()
        self.preprocessor, self.classifier = model.get_layer("preprocessor"), model.get_layer("classifier")
        self.vectorizer = self.preprocessor.get_layer("vectorizer")
        self.keep = self.preprocessor.get_layer("window").keep
        self.embedding = self.classifier.get_layer("embedding")
        self.chain = separated(self.classifier.layers[self.classifier.layers.index(self.embedding) + 1 :])
        self.attention = any(isinstance(layer, AttentionPooling) for layer in self.chain)
        dim, spec = self.embedding.output_dim, tf.TensorSpec
        texts = [spec([None, None, dim]), spec([None, None], tf.bool)]
        points = [spec([None], tf.int32), spec([None], tf.float32), spec([None], tf.int32)]
        self._slopes = tf.function(self._path_slopes, input_signature=texts + points)

    def class_index(self, label: str) -> int:
        if label not in self.labels:
            raise DataError(f"unknown target label {label!r}; run {self.run.id} has labels {', '.join(self.labels)}")
        return self.labels.index(label)

    def encode(self, texts: list[str]) -> _Encoded:
        ids = self.preprocessor(tf.constant(texts)).numpy()
        lengths = (ids != 0).sum(axis=1)
        tokens = self._split(texts)
        for number, (row, seen) in enumerate(zip(tokens, lengths), start=1):
            if not seen:
                raise DataError(f"text {number} has no tokens once standardized (punctuation only?); give it words")
            if min(len(row), ids.shape[1]) != seen:
                raise RunError(f"run {self.run.id}: its vectorizer splits text {number} unlike explain; train it again")
        return _Encoded(ids, lengths, tokens)

    def word_tokens(self, words: list[list[str]]) -> list[list[list[str]]]:
        """Each typed word's own tokens, standardized in one batch."""
        split = self._split([word for text in words for word in text])
        starts = np.cumsum([0] + [len(text) for text in words])
        return [split[start:end] for start, end in zip(starts[:-1], starts[1:])]

    def _split(self, texts: list[str]) -> list[list[str]]:
        """Standardize and split on whitespace, as the run's TextVectorization does."""
        rows = tf.strings.split(self.standardize(tf.constant(texts, dtype=tf.string))).to_list()
        return [[token.decode(errors="replace") for token in row] for row in rows]

    # === Integrated gradients ===

    def integrated_gradients(self, ids: np.ndarray, targets: list[int | None], steps: int) -> _Attributions:
        """Attributions for every text: the trapezoid rule on `steps` intervals, then up to `steps` more path
        points per text where it misses F's change (module docstring); texts of similar length share batches."""
        lengths = (ids != 0).sum(axis=1)
        probabilities = np.asarray(class_probabilities(self.classifier.predict(ids, BATCH_SEQUENCES, verbose=0)))
        wanted = np.array([-1 if target is None else target for target in targets])  # -1: the predicted class
        chosen = np.where(wanted < 0, probabilities.argmax(axis=1), wanted).astype(np.int32)
        attributions, attention = np.zeros(ids.shape, np.float32), np.zeros(ids.shape, np.float32)
        ends, tolerance = np.zeros((len(ids), 2)), np.zeros(len(ids))  # ends: F(x'), F(x)
        budget, stuck, pending = np.full(len(ids), steps), np.zeros(len(ids), bool), []
        order = np.argsort(-lengths, kind="stable")
        points = self._points(ids, lengths, chosen, np.repeat(order, 2), np.tile(np.float32([0, 1]), len(ids)))
        for row, start, end in zip(order, points, points):  # first the baseline and the text
            ends[row], attention[row, : len(end[3])] = (start[1], end[1]), end[3]
            tolerance[row] = REFINE * max(abs(end[1] - start[1]), 1e-3)
            attributions[row, : len(end[2])] = _trapezoid(start, end)
            pending.append((np.inf, row, start, end))
        drift = np.abs(ends[:, 1] - probabilities[np.arange(len(ids)), chosen]).max()
        if drift > 1e-4:  # explain replays the classifier layer by layer from its embeddings
            raise RunError(f"run {self.run.id}: explain cannot replay this classifier's layers (off by {drift:.2g})")
        first = True  # split [0, 1] into `steps` intervals, then halve each text's worst miss, one per round
        while pending:
            split, later, taken, pieces = [], [], set(), steps if first else 2
            for interval in sorted(pending, key=lambda interval: -interval[0]):
                _, row, start, end = interval
                inner = (start[0] + (end[0] - start[0]) * np.arange(1, pieces) / pieces).astype(np.float32)
                if row in taken:
                    later.append(interval)
                elif first or budget[row] and start[0] < inner[0] < end[0]:
                    budget[row] -= not first
                    taken.add(row)
                    split.append((row, inner, start, end))
                elif budget[row]:  # neighbouring float32 alphas: F jumps between them
                    stuck[row] |= not _settle(attributions[row], start, end)
            split.sort(key=lambda interval: -lengths[interval[0]])
            rows = np.array([row for row, inner, _, _ in split for _ in inner], int)
            alphas = np.concatenate([np.zeros(0, np.float32), *(inner for _, inner, _, _ in split)])
            points, pending, first = self._points(ids, lengths, chosen, rows, alphas), later, False
            for row, inner, start, end in split:
                path = [start, *(next(points) for _ in inner), end]
                pieces_sum = sum(_trapezoid(a, b) for a, b in zip(path, path[1:]))
                attributions[row, : len(start[2])] += pieces_sum - _trapezoid(start, end)
                for a, b in zip(path, path[1:]):  # the halves whose trapezoid misses F's change
                    miss = abs(float(_trapezoid(a, b).sum()) - (b[1] - a[1]))
                    pending += [(miss, row, a, b)] if miss > tolerance[row] else []
        baseline, scores = ends[:, 0], ends[:, 1]
        gaps = np.abs(attributions.sum(axis=1) - (scores - baseline)) / np.maximum(np.abs(scores - baseline), 1e-3)
        _warn_gaps(gaps, steps, stuck)
        return _Attributions(attributions, probabilities, chosen, scores, baseline, gaps, attention)

    def _points(self, ids, lengths, targets, rows, alphas):
        """(alpha, F, slopes, attention weights) at path points, text `rows[k]` at `alphas[k]` in order; slopes
        split dF/dα per token (Σ_d (x - x')·∂F/∂x). A batch is trimmed to its longest text: give rows longest first."""
        for start in range(0, len(rows), BATCH_SEQUENCES):
            batch, at = rows[start : start + BATCH_SEQUENCES], alphas[start : start + BATCH_SEQUENCES]
            texts, index = np.unique(batch, return_inverse=True)
            chunk = ids[texts, : lengths[texts].max()]  # padding is masked: trimming it changes nothing
            embedded = tf.gather(self.embedding.embeddings, chunk)
            result = self._slopes(embedded, chunk != 0, index.astype(np.int32), at, targets[batch])
            for row, alpha, slopes, score, weights in zip(batch, at, *(value.numpy() for value in result)):
                yield float(alpha), float(score), slopes[: lengths[row]].copy(), weights[: lengths[row]].copy()

    def _path_slopes(self, embedded, mask, index, alphas, targets):
        """At path points, text `index` of the batch at `alphas`: per-token slopes, F and attention weights."""
        baseline = self.embedding.embeddings[0]
        delta = tf.gather(embedded - baseline, index)
        path = baseline + alphas[:, None, None] * delta
        with tf.GradientTape() as tape:
            tape.watch(path)
            probabilities, attention, _ = replay(self.chain, path, tf.gather(mask, index))
            score = tf.gather(class_probabilities(probabilities), targets, batch_dims=1)
        slopes = tf.reduce_sum(delta * tape.gradient(score, path), axis=-1)
        return slopes, score, tf.zeros_like(slopes) if attention is None else attention

    def gate_tracer(self) -> GateTracer:
        """Gate traces of this model's recurrent layers (refuses cells without gates)."""
        return GateTracer(self.run.id, self.cell, self.embedding, self.chain)
