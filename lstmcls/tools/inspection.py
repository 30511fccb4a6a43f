"""`inspect_data(config)`: know the data before training (like `spacy debug data`).

Class balance, lengths in the vectorizer's own tokens, truncation at `max_length`, vocabulary coverage at
`max_tokens`, empty and duplicate texts, texts shared between splits (leakage), and warnings for what
would hurt training, with the settings the data calls for (`proposed`: class weights when one class outnumbers
another more than 3 to 1). Bad rows are counted rather than fatal here.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from lstmcls.config.schema import Config
from lstmcls.data.splits import Examples, Splits, load_splits
from lstmcls.data.text import tokenize
from lstmcls.tools.starter import IMBALANCE  # largest class / smallest class, where `init` speaks of weights too
from lstmcls.training.objectives import class_weights

# Thresholds behind the warnings; each warning says which one it crossed.
TRUNCATED = 0.2  # share of texts longer than max_length
COVERAGE = 0.9  # share of training tokens inside the vocabulary
DUPLICATES = 0.01  # share of duplicate texts in a split
FEW_PER_CLASS = 50


def inspect_data(config: Config) -> dict[str, Any]:
    """A report on the configured data; see the module docstring for what it holds."""
    config = config.model_copy(update={"data": config.data.model_copy(update={"on_bad_rows": "skip"})})
    splits = load_splits(config)
    names = splits.label_names
    parts = {"train": splits.train, "validation": splits.validation, "test": splits.test}
    tokens = {name: tokenize(part.texts, config.vectorizer.standardize) for name, part in parts.items() if part}
    keys = {name: [" ".join(t) for t in toks] for name, toks in tokens.items()}
    max_length = config.vectorizer.max_length
    report: dict[str, Any] = {"classes": names, "splits": {}, "dropped_rows": splits.dropped}
    for name, part in parts.items():
        if part is not None:
            report["splits"][name] = _split_report(part, names, tokens[name], keys[name], max_length)
    report["vocabulary"], kept = _vocabulary(tokens["train"], config.vectorizer.max_tokens)
    if "test" in tokens:
        test_tokens = [token for text in tokens["test"] for token in text]
        report["vocabulary"]["test_coverage"] = _share(sum(t in kept for t in test_tokens), len(test_tokens))
    train_keys = set(keys["train"])
    others = [name for name in ("validation", "test") if name in keys]
    report["leakage"] = {f"train_{name}": sum(key in train_keys for key in set(keys[name])) for name in others}
    report["proposed"] = _proposed(splits)
    report["warnings"] = _warnings(report, config)
    return report


def _proposed(splits: Splits) -> dict[str, Any]:
    """Settings the data calls for: `train.class_weight: balanced` (and the weights it gives) when the largest
    class outnumbers the smallest more than IMBALANCE times in train (one label per text)."""
    if splits.multi_label:
        return {}
    counts = np.bincount(splits.train.labels, minlength=len(splits.label_names))
    if not counts.min() or counts.max() / counts.min() <= IMBALANCE:
        return {}
    weights = class_weights("balanced", splits.train.labels, splits.label_names)
    return {"train.class_weight": "balanced", "weights": dict(zip(splits.label_names, (round(w, 3) for w in weights)))}


def _split_report(
    part: Examples, names: list[str], tokens: list[list[str]], keys: list[str], max_length: int
) -> dict[str, Any]:
    lengths = np.array([len(t) for t in tokens])
    counts = Counter(keys)
    # each text's class ids: one, or a multi-label text's set (then a class count is the texts carrying the label)
    sets = [tuple(np.flatnonzero(row)) for row in part.labels] if part.labels.ndim == 2 else part.labels[:, None]
    labels_by_text: dict[str, set[tuple[int, ...]]] = {}
    for key, labels in zip(keys, sets):
        labels_by_text.setdefault(key, set()).add(tuple(map(int, labels)))
    classes = Counter(int(label) for labels in sets for label in labels)
    percentiles = {f"p{q}": int(np.percentile(lengths, q)) for q in (5, 25, 50, 75, 95)}
    return {
        "examples": len(part),
        "class_counts": {name: classes.get(i, 0) for i, name in enumerate(names)},
        "length_tokens": {**percentiles, "max": int(lengths.max()), "mean": round(float(lengths.mean()), 1)},
        "truncated": _share(int((lengths > max_length).sum()), len(lengths)),
        "empty_after_standardize": int((lengths == 0).sum()),
        "duplicates": sum(count - 1 for count in counts.values() if count > 1),
        "conflicting_duplicates": sum(len(labels) > 1 for labels in labels_by_text.values()),
    }


def _vocabulary(tokens: list[list[str]], max_tokens: int) -> tuple[dict[str, Any], set[str]]:
    """Coverage of the vocabulary TextVectorization will keep (the most frequent tokens), and that vocabulary."""
    frequencies = Counter(token for text in tokens for token in text)
    kept = {token for token, _ in frequencies.most_common(max_tokens - 2)}  # ids 0 and 1: padding, [UNK]
    coverage = _share(sum(frequencies[t] for t in kept), sum(frequencies.values()))
    return {"distinct_tokens": len(frequencies), "max_tokens": max_tokens, "train_coverage": coverage}, kept


def _warnings(report: dict[str, Any], config: Config) -> list[str]:
    found = []
    train = report["splits"]["train"]
    counts = train["class_counts"]
    if min(counts.values()) and max(counts.values()) / min(counts.values()) > IMBALANCE:
        found.append(f"classes are imbalanced in train ({counts}); accuracy will flatter the model, read macro F1")
    if report["proposed"]:
        weights = ", ".join(f"{name} {weight:g}" for name, weight in report["proposed"]["weights"].items())
        found.append(f"consider train.class_weight: balanced (weights {weights}) and train.monitor: val_macro_f1")
    for name, count in counts.items():
        if count < FEW_PER_CLASS:
            found.append(f"class {name!r} has only {count} training examples (under {FEW_PER_CLASS})")
    if train["truncated"] > TRUNCATED:
        found.append(
            f"{train['truncated']:.0%} of training texts are longer than vectorizer.max_length "
            f"({config.vectorizer.max_length}); p95 is {train['length_tokens']['p95']} tokens"
        )
    if report["vocabulary"]["train_coverage"] < COVERAGE:
        found.append(
            f"the vocabulary covers only {report['vocabulary']['train_coverage']:.0%} of training tokens; "
            "raise vectorizer.max_tokens"
        )
    for name, split in report["splits"].items():
        if split["duplicates"] > DUPLICATES * split["examples"]:
            found.append(f"{split['duplicates']} duplicate texts in {name}")
        if split["conflicting_duplicates"]:
            found.append(f"{split['conflicting_duplicates']} texts in {name} appear with different labels")
        if split["empty_after_standardize"]:
            found.append(f"{split['empty_after_standardize']} texts in {name} have no tokens after standardization")
    for pair, shared in report["leakage"].items():
        if shared:
            first, second = pair.split("_")
            found.append(f"{shared} texts occur in both {first} and {second} (leakage: scores will be optimistic)")
    for split, reasons in report["dropped_rows"].items():
        found.append(
            f"{sum(reasons.values())} bad rows in {split} ({reasons}); training stops on them unless "
            "data.on_bad_rows: skip"
        )
    return found


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0
