"""Why a run predicts what it does: integrated gradients per token, attention weights, recurrent gate traces.

`explain(run, texts)` explains each text (pass `ModelParts(run)` instead of the run to load its model once
for many calls, as `lstmcls serve` does), or, for a multi-label run, each label each text is predicted;
`aggregate(run, texts)` ranks, per class, the tokens that push hardest towards it over many texts, to spot
shortcuts and label leakage. `lstmcls.interpret.render_text`, `render_html` and `render_png` draw explanations
for a terminal, a web page or a PNG.

- Tokens are what the model saw: the run's standardizer, a whitespace split (as `TextVectorization` does)
  and the run's window (`lstmcls.interpret.model_parts`). To align tokens with the words the user typed, each
  whitespace-separated word is standardized alone and the two token sequences are matched (difflib): a word
  that standardizing splits ("well-made" → "well", "made") or an HTML tag spanning words still lines up; an
  unmatched token gets `word: null`.
- Integrated gradients (Sundararajan et al. 2017) average the gradient of the explained class's probability
  along the straight path from a baseline (the padding embedding at every position) to the token embeddings;
  attributions add up to F(x) - F(x'), and `completeness_gap` says how far they miss. The path integral and
  its refinement where F jumps: `lstmcls.interpret.integrated_gradients`.
- Gate traces (lstm, gru, peephole_lstm) recompute every recurrent layer and direction from its own weights
  with the cell equations, and are checked against the layer's own hidden states (`lstmcls.interpret.gates`).

The results and their JSON fields: `lstmcls.interpret.types`.
"""

from __future__ import annotations

import difflib
from collections import defaultdict

import numpy as np

from lstmcls.errors import ConfigError, DataError
from lstmcls.interpret.gates import GateTracer
from lstmcls.interpret.integrated_gradients import Attributions, IntegratedGradients
from lstmcls.interpret.model_parts import Encoded, ModelParts
from lstmcls.interpret.types import Aggregate, Explanation, Token, TokenStat
from lstmcls.models.factory import class_probabilities
from lstmcls.reporting.multilabel import label_set
from lstmcls.runs.run import Run


def explain(
    run: Run | ModelParts, texts: list[str], target: str | None = None, steps: int = 50, gates: bool = False
) -> list[Explanation]:
    """Explain the prediction for each text, for its predicted class or for the class `target`.

    A multi-label run without `target` explains each label a text is predicted (most probable first; its most
    probable label when it is predicted none): one explanation per text and label, in text order.

    Args:
        run: a run, or its model already loaded (`ModelParts(run)`): loading takes seconds, so a caller that
            explains again and again (a server) loads once.
        steps: integration intervals; raise it when a completeness gap warning appears.
        gates: also trace the recurrent gates (lstm, gru and peephole_lstm runs).
    """
    _check_request(texts, steps)
    parts = run if isinstance(run, ModelParts) else ModelParts(run)
    target_index = None if target is None else parts.class_index(target)
    tracer = GateTracer(parts.run.id, parts.cell, parts.embedding, parts.chain) if gates else None
    encoded = parts.encode(texts)
    rows, targets = _targets(parts, encoded.ids, target_index)
    texts, encoded = [texts[row] for row in rows], encoded.take(rows)
    ig = _integrated_gradients(parts)(encoded.ids, targets, steps)
    predicted = _predicted(parts, ig.probabilities)
    word_tokens = parts.word_tokens([text.split() for text in texts])
    explanations = []
    for i, text in enumerate(texts):
        tokens, explained = _tokens(parts, encoded, ig, i, word_tokens[i]), int(ig.targets[i])
        explanations.append(
            Explanation(
                text=text,
                words=text.split(),
                tokens=tokens,
                truncated=len(encoded.tokens[i]) - len(tokens),
                label=", ".join(predicted[i]) if parts.decision.multi_label else predicted[i][0],
                labels=predicted[i] if parts.decision.multi_label else None,
                probabilities={name: float(p) for name, p in zip(parts.labels, ig.probabilities[i])},
                target=parts.labels[explained],
                target_probability=float(ig.scores[i]),
                baseline_probability=float(ig.baseline_scores[i]),
                completeness_gap=float(ig.gaps[i]),
                steps=steps,
                gates=tracer.traces(encoded.ids[i, : len(tokens)], explained) if tracer else [],
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
    parts = ModelParts(run)
    if target_labels is not None and len(target_labels) != len(texts):
        raise DataError(f"got {len(target_labels)} target labels for {len(texts)} texts; give one per text")
    targets = [parts.class_index(label) for label in target_labels] if target_labels else [None] * len(texts)
    encoded = parts.encode(texts)
    ig = _integrated_gradients(parts)(encoded.ids, targets, steps)
    vocabulary = parts.vectorizer.get_vocabulary()
    sums: dict[tuple[int, int], float] = defaultdict(float)
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for i, row in enumerate(encoded.ids):
        for t, token_id in enumerate(row[: encoded.lengths[i]]):
            key = (int(ig.targets[i]), int(token_id))
            sums[key] += float(ig.attributions[i, t])
            counts[key] += 1
    classes = {}
    for index, name in enumerate(parts.labels):
        stats = [
            TokenStat(str(vocabulary[token_id]), sums[cls, token_id] / count, count)
            for (cls, token_id), count in counts.items()
            if cls == index and count >= min_count
        ]
        classes[name] = sorted(stats, key=lambda stat: stat.mean, reverse=True)[:top]
    per_class = np.bincount(ig.targets, minlength=len(parts.labels))
    return Aggregate(classes, dict(zip(parts.labels, per_class.tolist())), steps, float(ig.gaps.max()))


def _targets(parts: ModelParts, ids: np.ndarray, target: int | None) -> tuple[list[int], list[int]]:
    """Which text each explanation explains, and towards which class: `target`, else the class the run decides
    (its threshold included); a multi-label run explains each label a text is predicted (its most probable one
    if none)."""
    if target is not None:
        return list(range(len(ids))), [target] * len(ids)
    probabilities = parts.decision.calibrated(np.asarray(class_probabilities(parts.classifier.predict(ids, verbose=0))))
    decided = parts.decision.decide(probabilities)
    if not parts.decision.multi_label:
        return list(range(len(ids))), [int(index) for index in decided]
    rows, targets = [], []
    for row, (on, scores) in enumerate(zip(decided, probabilities)):
        chosen = [parts.labels.index(name) for name in label_set(on, parts.labels, scores)] or [int(scores.argmax())]
        rows += [row] * len(chosen)
        targets += chosen
    return rows, targets


def _predicted(parts: ModelParts, probabilities: np.ndarray) -> list[list[str]]:
    """Each text's answer as the run decides it: its class, or a multi-label run's label set."""
    probabilities = parts.decision.calibrated(probabilities)
    decided = parts.decision.decide(probabilities)
    if parts.decision.multi_label:
        return [label_set(on, parts.labels, scores) for on, scores in zip(decided, probabilities)]
    return [[parts.labels[int(index)]] for index in decided]


def _integrated_gradients(parts: ModelParts) -> IntegratedGradients:
    """The parts' integrated gradients, built by their first explanation and kept for the next ones."""
    if parts.integrated_gradients is None:
        parts.integrated_gradients = IntegratedGradients(parts)
    return parts.integrated_gradients


def _check_request(texts: list[str], steps: int) -> None:
    if not texts:
        raise DataError("no texts to explain; pass texts as arguments or --data FILE")
    for number, text in enumerate(texts, start=1):
        if not text.strip():
            raise DataError(f"text {number} is empty; every text needs at least one word")
    if steps < 1:
        raise ConfigError(f"steps must be at least 1 (got {steps}); 50 is a good default")


def _tokens(parts: ModelParts, encoded: Encoded, ig: Attributions, i: int, word_tokens: list[list[str]]) -> list[Token]:
    """The tokens text `i` showed the model (inside the window), each with its typed word and attributions."""
    seen, everything = int(encoded.lengths[i]), encoded.tokens[i]
    first = len(everything) - seen if parts.keep == "end" else 0
    owners = _align(everything, word_tokens)[first : first + seen]
    ids = encoded.ids[i, :seen]
    return [
        Token(
            everything[first + t],
            int(ids[t]),
            oov=int(ids[t]) == 1,
            word=owners[t],
            attribution=float(ig.attributions[i, t]),
            attention=float(ig.attention[i, t]) if parts.attention else None,
        )
        for t in range(seen)
    ]


def _align(tokens: list[str], word_tokens: list[list[str]]) -> list[int | None]:
    """The typed word each token came from: the text's tokens matched against each word's own tokens."""
    flat = [token for tokens_of_word in word_tokens for token in tokens_of_word]
    owner = [word for word, tokens_of_word in enumerate(word_tokens) for _ in tokens_of_word]
    owners: list[int | None] = [None] * len(tokens)
    for a, b, size in difflib.SequenceMatcher(None, tokens, flat, autojunk=False).get_matching_blocks():
        owners[a : a + size] = owner[b : b + size]
    return owners
