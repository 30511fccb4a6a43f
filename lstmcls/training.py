"""`train(config) -> Run`: load data, adapt the vectorizer, fit, keep the best epoch, save the run."""

from __future__ import annotations

import logging
import sys
import time

import keras
import numpy as np

from lstmcls import runs
from lstmcls.config import Config
from lstmcls.data import Splits, load_splits, text_dataset, to_dataset
from lstmcls.models import build_classifier, compile_classifier, end_to_end
from lstmcls.text import build_preprocessor

log = logging.getLogger("lstmcls")


def train(config: Config, verbose: int | None = None) -> runs.Run:
    """Train the configured model and write a complete run directory.

    Data is loaded and checked before the run directory exists, so bad data leaves nothing behind.
    If training fails or is interrupted, the run stays marked `failed` / `interrupted`, never `complete`.

    Args:
        config: the validated config.
        verbose: Keras verbosity; default is a progress bar on a terminal, one line per epoch otherwise.
    """
    started = time.perf_counter()
    splits = load_splits(config)
    run = runs.create_run(config)
    log.info("run: %s", run.path)
    try:
        metrics = _fit(config, splits, run, _verbosity(verbose))
    except KeyboardInterrupt:
        run.update_meta(status=runs.INTERRUPTED, error="interrupted by the user")
        raise
    except BaseException as exc:
        run.update_meta(status=runs.FAILED, error=f"{type(exc).__name__}: {exc}")
        raise
    metrics["seconds"] = round(time.perf_counter() - started, 1)
    runs.write_json(run.file(runs.METRICS), metrics)
    run.update_meta(status=runs.COMPLETE, finished=runs.utc_now(), data=splits.fingerprint)
    log.info("validation: %s", ", ".join(f"{k} {v:.4f}" for k, v in metrics["validation"].items()))
    log.info("run complete: %s", run.path)
    return run


def _fit(config: Config, splits: Splits, run: runs.Run, verbose: int) -> dict:
    keras.utils.set_random_seed(config.train.seed)
    num_classes = len(splits.label_names)
    runs.write_json(run.file(runs.LABELS), splits.label_names)

    log.info("adapting the vocabulary on %d training texts", len(splits.train))
    preprocessor = build_preprocessor(config.vectorizer, splits.train.texts)
    vocab_size = preprocessor.get_layer("vectorizer").vocabulary_size()

    def encoded(texts: list[str]) -> np.ndarray:  # vectorize once; epochs then read cached ids
        return preprocessor.predict(text_dataset(texts, 1024), verbose=0)

    def targets(labels: np.ndarray) -> np.ndarray:
        return labels.reshape(-1, 1).astype("float32") if num_classes == 2 else labels

    train_data = to_dataset(
        encoded(splits.train.texts), targets(splits.train.labels), config.train.batch_size, config.train.seed
    )
    if config.train.steps_per_epoch:
        train_data = train_data.repeat()
    val_data = to_dataset(encoded(splits.validation.texts), targets(splits.validation.labels), 256)

    classifier = build_classifier(config.model, vocab_size, config.vectorizer.max_length, num_classes)
    compile_classifier(classifier, num_classes, config.train)
    best = run.file(runs.CHECKPOINTS) / "best.weights.h5"
    best.parent.mkdir()
    monitor = config.train.monitor
    callbacks = [
        keras.callbacks.ModelCheckpoint(best, monitor=monitor, save_best_only=True, save_weights_only=True),
        keras.callbacks.CSVLogger(str(run.file(runs.HISTORY))),
        keras.callbacks.TensorBoard(str(run.file(runs.LOGS))),
    ]
    if config.train.patience:
        callbacks.append(keras.callbacks.EarlyStopping(monitor=monitor, patience=config.train.patience))
    log.info(
        "training %s on %d examples (%d classes, vocabulary %d), validating on %d",
        config.model.cell,
        len(splits.train),
        num_classes,
        vocab_size,
        len(splits.validation),
    )
    history = classifier.fit(
        train_data,
        validation_data=val_data,
        epochs=config.train.epochs,
        steps_per_epoch=config.train.steps_per_epoch,
        callbacks=callbacks,
        verbose=verbose,
    )
    classifier.load_weights(best)
    validation = classifier.evaluate(val_data, verbose=0, return_dict=True)
    end_to_end(preprocessor, classifier).save(run.file(runs.MODEL))
    curve = history.history[monitor]
    return {
        "validation": {name: float(value) for name, value in validation.items()},
        "best_epoch": int(np.argmax(curve) if monitor == "val_accuracy" else np.argmin(curve)) + 1,
        "epochs": len(curve),
        "examples": {"train": len(splits.train), "validation": len(splits.validation)},
        "vocabulary_size": int(vocab_size),
    }


def _verbosity(verbose: int | None) -> int:
    if verbose is not None:
        return verbose
    return 1 if sys.stdout.isatty() else 2
