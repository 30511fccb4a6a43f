"""`pretrain(config) -> PretrainResult`: word vectors (gensim word2vec or fastText), or the classifier's network as a
language model (`pretrain.method: language_model`, `lstmcls.tools.language_model`), from the training texts and
unlabelled text.

Texts are tokenised exactly as the classifier's vectorizer tokenises them (the configured standardizer, then a
whitespace split), so the words are the vocabulary's words. Validation and test texts are left out. The run holds
the vectors in word2vec binary format (a language model's: its embedding's rows); a training config names the
run in `model.embedding.pretrained`, or a language model run in `model.pretrained`.

Each run records its inputs in `run.json` (`inputs`: a hash of the training texts, the unlabelled text's
fingerprint, the standardizer, the seed and the settings), so that `pretrain(config, reuse=True)` (what
`model.embedding.pretrained: own` runs) finds a run made from the same inputs instead of training again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from gensim.models import FastText, KeyedVectors, Word2Vec
from gensim.models.callbacks import CallbackAny2Vec

from lstmcls import runs
from lstmcls.config.pretraining import LANGUAGE_MODEL
from lstmcls.config.schema import Config, PretrainConfig
from lstmcls.config.sources import ImdbSource
from lstmcls.data.readers import UnlabelledTexts, load_imdb_unlabelled, read_texts
from lstmcls.data.splits import load_splits
from lstmcls.data.text import standardize_texts
from lstmcls.errors import DataError, RunError
from lstmcls.reporting import progress
from lstmcls.runs.lifecycle import run_lifecycle
from lstmcls.tools.language_model import LanguageModelPretraining
from lstmcls.training.vectors import write_vectors

log = logging.getLogger("lstmcls")

PROBES = 10  # words whose nearest neighbours the run records as a sanity check
NEIGHBOURS = 8
_RESULTS = (runs.METRICS, runs.NEIGHBOURS)  # what a reused run's result is read from


@dataclass(frozen=True)
class PretrainResult:
    """What `pretrain` returns.

    Attributes:
        run: the complete pretrain run (its vectors are `run.file(runs.VECTORS)`).
        metrics: what the run's metrics.json holds (method, words, dim, corpus, epochs, seconds).
        neighbours: what its neighbours.json holds: the nearest neighbours of a few common words, with their
            cosine similarities, as a sanity check.
    """

    run: runs.Run
    metrics: dict[str, Any]
    neighbours: dict[str, list[tuple[str, float]]]
    reused: bool = False  # an earlier run made from the same inputs (`reuse`), not a new one


def pretrain(config: Config, reuse: bool = False) -> PretrainResult:
    """Train word vectors or a language model as `config.pretrain` says (its defaults when absent) and write a
    complete pretrain run.

    Data is read and the corpus vocabulary built before the run directory exists, so bad data leaves nothing.

    Args:
        reuse: return the newest complete pretrain run in `run.dir` made from the same inputs (the same training
            texts and unlabelled text, standardizer, seed and settings) instead of training a new one, if there is
            one.
    """
    settings = config.pretrain or PretrainConfig()
    settings = settings.model_copy(update={"dim": settings.dim or config.model.embedding.dim})
    config = config.model_copy(update={"pretrain": settings})  # the run records the dimension it used
    with progress.step("loading data"):
        splits = load_splits(config)
        unlabelled = _unlabelled(config, settings)
    inputs = _inputs(config, splits.train.texts, unlabelled)
    if reuse and (found := _made_from(inputs, config)) is not None:
        log.info("reusing pretrain run %s: made from the same texts and settings", found.path)
        return PretrainResult(found, *(runs.read_json(found.file(name), found.id) for name in _RESULTS), reused=True)
    texts = splits.train.texts + (unlabelled.texts if unlabelled else [])
    method = _METHODS[settings.method](config, splits.train.texts, texts)  # before the run: bad data leaves none
    fingerprint = {**splits.fingerprint, **({"unlabelled": unlabelled.fingerprint} if unlabelled else {})}
    run = runs.create_run(config, fingerprint, splits.dropped, kind=runs.PRETRAIN)
    run.update_meta(inputs=inputs)
    log.info("run: %s", run.path)
    with run_lifecycle(run) as outcome:
        words, metrics = method.train(run)
        write_vectors(words, run.file(runs.VECTORS))
        _write_vocabulary(words, run)
        nearest = neighbours(words)
        runs.write_json(run.file(runs.NEIGHBOURS), nearest)
        outcome.complete(_metrics(words, settings, method.tokens, len(texts), unlabelled) | metrics)
    log.info("run complete: %s", run.path)
    return PretrainResult(run, outcome.metrics, nearest)


def _inputs(config: Config, texts: list[str], unlabelled: UnlabelledTexts | None) -> dict[str, Any]:
    """What a pretrain run is made from: the training texts (hashed: validation and test texts are never in them),
    the unlabelled text's fingerprint, how both are tokenised, the seed and the settings."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8", "surrogateescape") + b"\0")
    settings = config.pretrain.model_dump(mode="json", exclude={"unlabelled"})  # the file is in its fingerprint
    return {
        "training_texts": f"sha256:{digest.hexdigest()}",
        "unlabelled": unlabelled.fingerprint if unlabelled else None,
        "standardize": config.vectorizer.standardize,
        "seed": config.train.seed,
        "settings": settings,
        **(_network(config) if config.pretrain.method == LANGUAGE_MODEL else {}),
    }


def _network(config: Config) -> dict[str, Any]:
    """What else a language model is made from: the config's network and its vocabulary's settings."""
    return {"vectorizer": config.vectorizer.model_dump(mode="json"), "model": config.model.model_dump(mode="json")}


def _made_from(inputs: dict[str, Any], config: Config) -> runs.Run | None:
    """The newest complete pretrain run in the config's runs directory made from `inputs`."""
    for run in runs.list_runs(config.run.dir):
        try:
            if run.kind == runs.PRETRAIN and run.meta.get("inputs") == inputs:
                return run.require_complete(kind=runs.PRETRAIN)
        except RunError:  # unfinished or unreadable: look further
            continue
    return None


def _metrics(
    words: KeyedVectors, settings: PretrainConfig, tokens: int, texts: int, unlabelled: UnlabelledTexts | None
) -> dict:
    """What metrics.json holds for every method (the lifecycle adds `seconds`; each method adds its own)."""
    return {
        "method": settings.method,
        "words": len(words),
        "dim": words.vector_size,
        "corpus": {"texts": texts, "unlabelled_texts": len(unlabelled.texts) if unlabelled else 0, "tokens": tokens},
        "epochs": settings.epochs,
    }


def neighbours(words: KeyedVectors) -> dict[str, list[tuple[str, float]]]:
    """Nearest neighbours of words spread over the 1,000 most frequent, past the very top (mostly function words)."""
    top = words.index_to_key[:1000]
    step = max(1, len(top) // PROBES)
    return {
        word: [(other, round(float(similarity), 4)) for other, similarity in words.most_similar(word, topn=NEIGHBOURS)]
        for word in top[step::step][:PROBES]
    }


def _unlabelled(config: Config, settings: PretrainConfig) -> UnlabelledTexts | None:
    if settings.unlabelled is None:
        return None
    if settings.unlabelled == "imdb":  # the config's own imdb data dir when it trains on imdb
        source = config.data if isinstance(config.data, ImdbSource) else ImdbSource()
        return load_imdb_unlabelled(source)
    return read_texts(settings.unlabelled, settings.text_column)


class _Corpus:
    """Standardized texts, split on whitespace on each pass (gensim reads the corpus once per epoch and once more)."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts

    def __iter__(self) -> Iterator[list[str]]:
        return (text.split() for text in self.texts)


class _GensimPretraining:
    """word2vec or fastText ready to train: the texts tokenised and the corpus vocabulary built (before the run
    exists); `train(run)` trains it."""

    def __init__(self, config: Config, vocabulary_texts: list[str], texts: list[str]) -> None:
        self.settings = settings = config.pretrain
        with progress.step(f"tokenising {len(texts):,} texts"):
            self.corpus = _Corpus(standardize_texts(texts, config.vectorizer.standardize))
        method = {"word2vec": Word2Vec, "fasttext": FastText}[settings.method]
        self.model = method(
            vector_size=settings.dim,
            window=settings.window,
            min_count=settings.min_count,
            sg=int(settings.sg),
            workers=settings.workers,
            epochs=settings.epochs,
            seed=config.train.seed,
        )
        self.model.build_vocab(corpus_iterable=self.corpus)
        if not self.model.wv.index_to_key:
            raise DataError(
                f"no word occurs {settings.min_count} times in {len(texts)} texts; lower pretrain.min_count"
            )
        self.tokens = int(self.model.corpus_total_words)

    def train(self, run: runs.Run) -> tuple[KeyedVectors, dict[str, Any]]:
        model, settings = self.model, self.settings
        log.info(
            "pretraining %s vectors (%d dimensions) for %d words on %d tokens",
            settings.method,
            settings.dim,
            len(model.wv),
            model.corpus_total_words,
        )
        with progress.bar(settings.epochs, f"pretraining {settings.method}") as advance:
            model.train(
                corpus_iterable=self.corpus,
                total_examples=model.corpus_count,
                epochs=settings.epochs,
                callbacks=[_EpochEnd(advance, settings.epochs)],
            )
        return model.wv, {}


# How each pretrain.method is prepared (before the run exists) and trained (`train(run)`: the words' vectors and
# the method's own metrics).
_METHODS = {"word2vec": _GensimPretraining, "fasttext": _GensimPretraining, LANGUAGE_MODEL: LanguageModelPretraining}


class _EpochEnd(CallbackAny2Vec):
    """Advances the progress bar; into a log (no bar) it writes one line per epoch instead."""

    def __init__(self, advance: Callable[[], None], epochs: int) -> None:
        self.advance, self.epochs, self.epoch = advance, epochs, 0

    def on_epoch_end(self, model: Word2Vec) -> None:
        self.epoch += 1
        self.advance()
        if not progress.shown():
            log.info("epoch %d/%d done", self.epoch, self.epochs)


def _write_vocabulary(words: KeyedVectors, run: runs.Run) -> None:
    lines = (f"{word}\t{words.get_vecattr(word, 'count')}\n" for word in words.index_to_key)
    run.file(runs.VOCABULARY).write_text("".join(lines), encoding="utf-8")
