"""`pretrain.method: language_model`: the classifier's own embedding and recurrent stack trained as a language model
on the training texts and `pretrain.unlabelled`, for `model.pretrained` (docs/language-model.md).

The vocabulary is the classifier's: adapted on the training texts with the configured vectorizer, exactly as
`lstmcls train` adapts it. Every text is cut into windows of `pretrain.max_length` tokens (default
`vectorizer.max_length`; the whole text is used, not only the part a classifier keeps), and windows of similar
length are batched together (less padding to step through). A few windows (2 %, at most 200) are held out: the
exact perplexity of each epoch is measured on them. The network and its sampled-softmax loss are in
`lstmcls.models.language_model`.
"""

from __future__ import annotations

import csv
import logging
import math
import time
from typing import TYPE_CHECKING, Any

import keras
import numpy as np
import tensorflow as tf

from lstmcls import runs
from lstmcls.config.schema import Config
from lstmcls.data.encoding import ENCODING_BATCH
from lstmcls.data.splits import text_dataset
from lstmcls.data.text import build_preprocessor
from lstmcls.errors import DataError, TrainingInterrupted
from lstmcls.models.language_model import SampledLoss, build_language_model, full_losses
from lstmcls.reporting import progress
from lstmcls.training.interruption import stop_requests

if TYPE_CHECKING:
    from gensim.models import KeyedVectors

log = logging.getLogger("lstmcls")

HELDOUT_SHARE, HELDOUT_MAX = 0.02, 200  # windows held out for the exact perplexity of each epoch
BUCKET = 8  # batches drawn together and sorted by length
CLIPNORM = 1.0  # gradient norm clipping, as train.clipnorm's default
HELDOUT_BATCH = 4  # windows per held-out batch: its full logits are windows × steps × vocabulary floats


class LanguageModelPretraining:
    """A language model ready to train: the vocabulary adapted and the texts cut into windows, before the run
    exists (bad data leaves nothing); `train(run)` trains it in the run."""

    def __init__(self, config: Config, vocabulary_texts: list[str], texts: list[str]) -> None:
        self.config, self.settings = config, config.pretrain
        with progress.step("adapting the vocabulary"):
            self.preprocessor = build_preprocessor(config.vectorizer, vocabulary_texts)
        self.vectorizer = self.preprocessor.get_layer("vectorizer")
        length = self.settings.max_length or config.vectorizer.max_length
        with progress.step(f"cutting {len(texts):,} texts into windows of {length} tokens"):
            windows = _windows(self.vectorizer, texts, length)
        if len(windows) < 2:
            raise DataError(
                f"{len(texts)} texts give {len(windows)} windows of 2 tokens or more; a language model needs more text"
            )
        rng = np.random.default_rng(config.train.seed)
        order = rng.permutation(len(windows))
        held = max(1, min(HELDOUT_MAX, int(len(windows) * HELDOUT_SHARE)))
        self.heldout = [windows[i] for i in order[:held]]
        self.windows = [windows[i] for i in order[held:]]
        self.counts = np.bincount(np.concatenate(windows), minlength=self.vectorizer.vocabulary_size())
        self.tokens = int(sum(len(window) for window in windows))
        self.steps_per_epoch = math.ceil(len(self.windows) / self.settings.batch_size)

    def train(self, run: runs.Run) -> tuple[KeyedVectors, dict[str, Any]]:
        """Train for `pretrain.epochs`, writing each epoch's row of history.csv; save the language model and its
        preprocessor in the run. Returns the embedding's rows by word (the run's vectors) and the metrics."""
        settings = self.settings
        keras.utils.set_random_seed(self.config.train.seed)
        model = build_language_model(self.config.model, self.vectorizer.vocabulary_size())
        step = _train_step(model, settings.sampled, keras.optimizers.Adam(settings.learning_rate, clipnorm=CLIPNORM))
        heldout = _heldout_losses(model)
        log.info(
            "pretraining a %s language model (%s) on %d windows, %d tokens; %d held out",
            self.config.model.cell,
            ", ".join(model.output),
            len(self.windows),
            self.tokens,
            len(self.heldout),
        )
        rng, history = np.random.default_rng(self.config.train.seed), []
        total = settings.epochs * self.steps_per_epoch
        with stop_requests() as stop, progress.bar(total, "pretraining a language model") as advance:
            for epoch in range(1, settings.epochs + 1):
                started = time.perf_counter()
                loss = self._epoch(step, rng, lambda: _stop_check(stop, advance, run), epoch)
                seconds = round(time.perf_counter() - started, 2)  # the steps alone
                row = {"epoch": epoch, "loss": loss, **_heldout(heldout, self.heldout)}
                history.append({**row, "seconds": seconds})
                _append_history(run, history[-1])
                if not progress.shown():
                    log.info("epoch %d/%d: %s", epoch, settings.epochs, _described(row))
        model.save(run.file(runs.LANGUAGE_MODEL))
        self.preprocessor.save(run.file(runs.PREPROCESSOR))
        return self._words(model), self._metrics(history)

    def _epoch(self, step, rng: np.random.Generator, after_step, epoch: int) -> float:
        """One pass over the windows in random batches; the mean training loss. Without a progress bar, a log line
        every tenth of the epoch."""
        losses, every = [], max(1, self.steps_per_epoch // 10)
        for ids in _batches(self.windows, self.settings.batch_size, rng):
            losses.append(float(step(ids)))
            after_step()
            if not progress.shown() and len(losses) % every == 0:
                log.info("epoch %d: step %d/%d, loss %.4f", epoch, len(losses), self.steps_per_epoch, np.mean(losses))
        return float(np.mean(losses))

    def _words(self, model: keras.Model) -> KeyedVectors:
        """The embedding's rows by vocabulary word, with corpus counts ([UNK] and padding left out)."""
        from gensim.models import KeyedVectors

        vocabulary = self.vectorizer.get_vocabulary()
        matrix = np.asarray(model.get_layer("embedding").embeddings)
        words = KeyedVectors(matrix.shape[1])
        words.add_vectors(vocabulary[2:], matrix[2:])
        for index, word in enumerate(vocabulary[2:], start=2):
            words.set_vecattr(word, "count", int(self.counts[index]))
        return words

    def _metrics(self, history: list[dict[str, float]]) -> dict[str, Any]:
        last = history[-1]
        steady = history[1:] or history  # the first epoch's steps include tracing the step
        return {
            "vocabulary_size": int(self.vectorizer.vocabulary_size()),
            "windows": {"train": len(self.windows), "heldout": len(self.heldout)},
            "steps": len(history) * self.steps_per_epoch,
            "seconds_per_step": round(sum(row["seconds"] for row in steady) / (len(steady) * self.steps_per_epoch), 4),
            "loss": round(last["loss"], 4),  # sampled softmax, the last epoch's mean
            "perplexity": round(last["val_perplexity"], 2),  # full softmax, held-out windows
            **{key: round(value, 2) for key, value in last.items() if key.startswith("val_perplexity_")},
        }


# === Data ===


def _windows(vectorizer: keras.layers.Layer, texts: list[str], length: int) -> list[np.ndarray]:
    """Every text's token ids cut into windows of `length` (the last one shorter); windows of under 2 tokens
    (nothing to predict) are dropped."""
    windows = []
    for batch in text_dataset(texts, ENCODING_BATCH):
        for ids in np.asarray(vectorizer(batch)):
            ids = ids[ids != 0]
            windows += [ids[start : start + length] for start in range(0, len(ids), length)]
    return [window.astype(np.int64) for window in windows if len(window) >= 2]


def _batches(windows: list[np.ndarray], size: int, rng: np.random.Generator):
    """One epoch of batches in a random order, each of windows of similar length, padded with 0 to the longest."""
    order = rng.permutation(len(windows))
    batches = []
    for start in range(0, len(order), size * BUCKET):
        group = sorted(order[start : start + size * BUCKET], key=lambda index: len(windows[index]))
        batches += [group[i : i + size] for i in range(0, len(group), size)]
    for index in rng.permutation(len(batches)):
        yield _padded([windows[i] for i in batches[index]])


def _padded(windows: list[np.ndarray]) -> np.ndarray:
    ids = np.zeros((len(windows), max(len(window) for window in windows)), dtype=np.int64)
    for row, window in enumerate(windows):
        ids[row, : len(window)] = window
    return ids


# === Training ===


def _train_step(model: keras.Model, sampled: int, optimizer: keras.optimizers.Optimizer):
    """One compiled gradient step on a batch of ids; it returns the mean loss of the directions."""
    loss, variables = SampledLoss(model, sampled), model.trainable_variables
    optimizer.build(variables)

    @tf.function(input_signature=[tf.TensorSpec((None, None), tf.int64)])
    def step(ids):
        with tf.GradientTape() as tape:
            losses = list(loss(ids, training=True).values())
            total = tf.add_n(losses)
        optimizer.apply_gradients(zip(tape.gradient(total, variables), variables))
        return total / len(losses)

    return step


def _heldout_losses(model: keras.Model):
    """`full_losses` of the model, compiled once for every epoch's held-out windows."""
    return tf.function(lambda ids: full_losses(model, ids), input_signature=[tf.TensorSpec((None, None), tf.int64)])


def _heldout(losses, windows: list[np.ndarray]) -> dict[str, float]:
    """The exact loss and perplexity on the held-out windows, of both directions together and of each."""
    sums: dict[str, list[float]] = {}
    for start in range(0, len(windows), HELDOUT_BATCH):
        for name, (loss, count) in losses(_padded(windows[start : start + HELDOUT_BATCH])).items():
            found = sums.setdefault(name, [0.0, 0])
            found[0], found[1] = found[0] + float(loss), found[1] + int(count)
    loss = sum(total for total, _ in sums.values()) / max(1, sum(count for _, count in sums.values()))
    each = {f"val_perplexity_{name}": math.exp(total / max(1, count)) for name, (total, count) in sums.items()}
    return {"val_loss": loss, "val_perplexity": math.exp(loss), **each}


def _stop_check(stop, advance, run: runs.Run) -> None:
    """After each step: the progress bar, and a stop request (Ctrl-C, SIGTERM) honoured."""
    advance()
    if stop.is_set():
        raise TrainingInterrupted(f"pretraining interrupted; run {run.id} is marked interrupted: pretrain again")


def _described(row: dict[str, float]) -> str:
    return f"loss {row['loss']:.4f} (sampled), held-out perplexity {row['val_perplexity']:.1f}"


def _append_history(run: runs.Run, row: dict[str, float]) -> None:
    path = run.file(runs.HISTORY)
    new = not path.exists()
    with open(path, "a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        if new:
            writer.writeheader()
        writer.writerow(row)
