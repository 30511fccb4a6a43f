"""The choices of a starter config, made from what a sample of the data shows, each with the reason `init` writes
beside it as a comment.

What the sample shows (`Profile`): how many texts, how long (in words), how many classes and how unequal their
counts, and how many words recur. The rules were measured on IMDB (long reviews, 2 classes, 25,000 texts) and
TREC (short questions, 6 or 50 classes, 5,400 texts); docs/own-data.md gives the figures behind them.
"""

from __future__ import annotations

import math
import textwrap
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import yaml

from lstmcls.config.schema import OWN_VECTORS

SHORT_WORDS = 60  # 95 % of texts within this many words: "short" (questions, titles, tweets, sentences)
LONG_MAX_LENGTH = 320  # tokens kept of a long text (IMDB: 320 from the end scores as well as 600, far faster)
LARGE_ROWS = 20_000  # from here, a few epochs are enough and each costs minutes on 2 cores
MAX_TOKENS = 30_000
# What `pretrained: own` did on TREC-6 (docs/own-data.md), written beside the proposal.
OWN_TRADE_OFF = (
    "On TREC-6's 4,841 training questions alone (seed 1) it cost 0.1 s and moved validation accuracy from 0.868 to "
    "0.872 (2 of 538 questions, within noise) and macro F1 from 0.888 to 0.880: unproven on small labelled sets."
)
IMBALANCE = 3.0  # largest class / smallest class above which the config says how to weigh classes (`inspect` too)


@dataclass(frozen=True)
class Profile:
    """What a sample of the training data shows."""

    rows: int
    classes: int
    imbalance: float  # largest class count / smallest
    length_p95: int  # words
    recurring_words: int  # distinct words seen in two texts or more

    @classmethod
    def of(cls, texts: list[str], labels: list[str]) -> Profile:
        words = [text.lower().split() for text in texts]
        counts = Counter(labels)
        documents = Counter(word for text in words for word in set(text))
        return cls(
            rows=len(texts),
            classes=len(counts),
            imbalance=max(counts.values()) / max(min(counts.values()), 1),
            length_p95=int(np.percentile([len(text) for text in words], 95)) if words else 0,
            recurring_words=sum(1 for count in documents.values() if count >= 2),
        )

    @property
    def short(self) -> bool:
        return self.length_p95 <= SHORT_WORDS


@dataclass(frozen=True)
class Choice:
    """One key of the starter config, its value and why (the comment above it)."""

    key: str  # dotted: "model.pooling"
    value: Any
    why: str = ""
    proposed: bool = False  # written as a commented-out line: a setting to try, not made


def choices(profile: Profile, unlabelled: str | None = None) -> list[Choice]:
    """Every choice the data calls for, in the order the config lists them; `unlabelled`: a file of more text of
    the kind, which turns pretraining on."""
    return [*_vectorizer(profile), *_model(profile, unlabelled), *_training(profile), *_pretraining(unlabelled)]


def _vectorizer(profile: Profile) -> list[Choice]:
    tokens = min(MAX_TOKENS, _round_up(profile.recurring_words + 2, 500))
    found = [
        Choice(
            "vectorizer.max_tokens",
            tokens,
            f"{profile.recurring_words:,} words occur in two texts or more of the sample; a word seen once shares the "
            "out-of-vocabulary vector instead of one trained on a single text",
        )
    ]
    if profile.short:
        length = _round_up(profile.length_p95 + 2, 8)
        return found + [Choice("vectorizer.max_length", length, "covers 95 % of the texts: short texts are kept whole")]
    return found + [
        Choice(
            "vectorizer.max_length",
            min(LONG_MAX_LENGTH, _round_up(profile.length_p95, 16)),
            f"95 % of texts are within {profile.length_p95} words; longer ones are cut to this many tokens",
        ),
        Choice("vectorizer.keep", "end", "keep the end of a long text (a review's verdict); start for news"),
    ]


def _model(profile: Profile, unlabelled: str | None) -> list[Choice]:
    return [
        Choice("model.embedding.dim", 128),
        Choice(
            "model.embedding.dropout",
            0.4 if profile.short else 0.2,
            "drops whole words while training"
            + (": short texts and few examples over-fit within a few epochs" if profile.short else ""),
        ),
        Choice(
            "model.embedding.pretrained",
            OWN_VECTORS,
            "own: `lstmcls train` first pretrains word2vec vectors on "
            + (
                "the training texts and pretrain.unlabelled (more text than the labelled set), then starts the "
                "embedding from them; the pretrain run is reused while the texts and settings stay the same"
                if unlabelled
                else f"the training texts (seconds; reused while they stay the same) and starts the embedding from "
                f"them. {OWN_TRADE_OFF} To try it, uncomment the line; `init --unlabelled FILE` turns it on"
            ),
            proposed=unlabelled is None,
        ),
        *_subwords(profile),
        Choice(
            "model.cell",
            "gru",
            "configs/imdb.yaml's network, a bidirectional GRU max-pooled over time; on TREC it also beat the LSTM and "
            "mean-pooling variants tried (docs/own-data.md)",
        ),
        Choice("model.units", 64),
        Choice("model.bidirectional", True, "read both ways: each feature keeps its strongest evidence anywhere"),
        Choice("model.pooling", "max"),
        Choice("model.dropout", 0.3),
        Choice("model.fuse_pooling", True, "the GRU, its dropout and the max as one loop that XLA compiles well"),
    ]


def _training(profile: Profile) -> list[Choice]:
    large = profile.rows >= LARGE_ROWS
    found = [
        Choice("data.bucketing", 8, "batches of similar length: far less padding to step through"),
        Choice("train.batch_size", 64 if large else 32, "" if large else "small data: more, smaller steps"),
        Choice("train.learning_rate", 0.002),
        Choice(
            "train.epochs",
            3 if large else 30,
            f"{profile.rows:,} texts: " + ("a few passes are enough" if large else "more passes than large data needs"),
        ),
        Choice("train.patience", 1 if large else 3, "stop once validation stops improving; the best epoch is kept"),
    ]
    found.append(Choice("train.jit_compile", True, "XLA: with fuse_pooling, about 1.5x the speed on CPU"))
    if profile.imbalance > IMBALANCE:  # said, not set: weighing classes cost TREC 0-4 points of accuracy
        found.append(
            Choice(
                "train.monitor",
                "val_accuracy",
                f"the largest class outnumbers the smallest {profile.imbalance:.1f} times: for the small classes' "
                "recall at some cost in accuracy, set train.class_weight: balanced and train.monitor: val_macro_f1 "
                "(on TREC's 50 classes that cost 4 points of validation accuracy)",
            )
        )
    return found


def _pretraining(unlabelled: str | None) -> list[Choice]:
    if unlabelled is None:
        return []
    return [Choice("pretrain.unlabelled", unlabelled, "text without labels, pretrained on with the training texts")]


def render(header: str, data: dict[str, Any], made: list[Choice]) -> str:
    """The starter config as YAML: the header comment, the data block, then each choice under its reason."""
    config: dict[str, Any] = {"data": dict(data)}
    reasons: dict[str, str] = {}
    proposed = {choice.key for choice in made if choice.proposed}
    for choice in made:
        *sections, key = choice.key.split(".")
        target = config
        for section in sections:
            target = target.setdefault(section, {})
        target[key] = choice.value
        if choice.why:
            reasons[choice.key] = choice.why
    return header + "\n".join(_lines(config, reasons, proposed, "")) + "\n"


def _lines(block: dict[str, Any], reasons: dict[str, str], proposed: set[str], prefix: str) -> list[str]:
    indent = "  " * prefix.count(".")
    lines = []
    for key, value in block.items():
        path = f"{prefix}{key}"
        if path in reasons:
            lines += textwrap.wrap(
                reasons[path], 116 - len(indent), initial_indent=f"{indent}# ", subsequent_indent=f"{indent}# "
            )
        if isinstance(value, dict) and value:  # a section; an empty mapping is a value (`subwords: {}`)
            lines.append(f"{indent}{key}:")
            lines += _lines(value, reasons, proposed, path + ".")
        else:
            line = yaml.safe_dump({key: value}, default_flow_style=True, width=1000)[1:-2]
            lines.append(indent + ("# " if path in proposed else "") + line)
    return lines


def _subwords(profile: Profile) -> list[Choice]:
    """Short texts: subword features proposed (a commented line), not set: they cost epoch time and gained nothing on
    TREC-6 over three seeds."""
    if not profile.short:
        return []
    why = (
        "character n-grams: a word the vocabulary never saw (rare, misspelt, inflected) gets a vector from its "
        "n-grams instead of the one out-of-vocabulary vector; an epoch takes two to three times as long, and on "
        "TREC-6 they gained nothing over three seeds (docs/own-data.md). For rarer or misspelt words, uncomment "
        "the line and compare on validation"
    )
    return [Choice("model.embedding.subwords", {}, why, proposed=True)]


def _round_up(value: float, step: int) -> int:
    return max(step, int(math.ceil(value / step) * step))
