"""`train(config) -> Run` and `resume(run) -> Run`: fit, keep the best epoch, survive interruptions.

Ctrl-C or SIGTERM stops training after the current batch; the run keeps the backup of its last
completed epoch (Keras `BackupAndRestore`) and is marked `interrupted`, and `resume` continues from it.
Under a tf.distribute strategy (`distribute.strategy`), only the chief writes the run; other workers train in
a temporary directory that is removed at the end.
"""

from __future__ import annotations

import csv
import logging
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import keras
import numpy as np

from lstmcls import runs
from lstmcls.config.schema import Config, EmbeddingConfig
from lstmcls.data.splits import Splits, load_splits, text_dataset, to_dataset
from lstmcls.data.text import build_preprocessor
from lstmcls.errors import DataError, TrainingInterrupted
from lstmcls.models.factory import build_classifier, class_probabilities, compile_classifier, end_to_end
from lstmcls.reporting import plots, progress
from lstmcls.reporting.scores import score
from lstmcls.training import distribute
from lstmcls.training.vectors import Vectors, embedding_matrix, load_pretrained, log_coverage, token_counts

log = logging.getLogger("lstmcls")


def train(
    config: Config, verbose: int | None = None, callbacks: list[keras.callbacks.Callback] = ()
) -> runs.Run | None:
    """Train the configured model and write a complete run directory.

    Data is loaded and checked before the run directory exists, so bad data leaves nothing behind.

    Args:
        config: the validated config.
        verbose: Keras verbosity; default is a progress bar on a terminal, one line per epoch otherwise.
        callbacks: extra Keras callbacks (e.g. a tuner's pruning callback).

    Returns:
        The run; None on a worker of a multi-worker cluster that is not the chief (the chief writes the run).

    Raises:
        TrainingInterrupted: on Ctrl-C / SIGTERM; the run is resumable with `resume(run)`.
    """
    cluster = distribute.cluster(config.distribute.strategy)  # first: multi_worker sets TensorFlow up
    log.info("strategy: %s", cluster.describe())
    with progress.step("loading data"):
        splits = load_splits(config)
    vectors = load_pretrained(config.model.embedding)
    if cluster.is_chief:
        run = runs.create_run(config, splits.fingerprint, splits.dropped)
        return _train_in(run, config, splits, verbose, list(callbacks), vectors, cluster)
    with _scratch(cluster) as scratch:
        scratch_config = config.model_copy(update={"run": config.run.model_copy(update={"dir": scratch})})
        run = runs.create_run(scratch_config, splits.fingerprint, splits.dropped)
        _train_in(run, config, splits, verbose, list(callbacks), vectors, cluster)
    return None


def resume(run: runs.Run | str | Path, verbose: int | None = None) -> runs.Run | None:
    """Continue an interrupted or failed run from its last completed epoch, in the same directory.

    Under multi_worker every worker resumes the chief's run (so every host must reach it, e.g. on a shared
    disk); workers other than the chief only read it, resume a copy in a temporary directory and return None.
    """
    run = run if isinstance(run, runs.Run) else runs.Run(Path(run))
    run.check_exists()
    config = run.config()
    cluster = distribute.cluster(config.distribute.strategy)
    log.info("strategy: %s", cluster.describe())
    if cluster.is_chief:  # the others only read the run
        status = run.require_resumable()
    with progress.step("loading data"):
        splits = load_splits(config)
    if splits.fingerprint != run.meta.get("data"):
        raise DataError(f"the data of run {run.id} changed since it started; train a new run instead")
    vectors = load_pretrained(config.model.embedding)  # for a run that failed before its first backup
    if cluster.is_chief:
        log.info("resuming %s run %s", status, run.path)
        run.update_meta(status=runs.RUNNING, error=None, **runs.process_info())
        return _train_in(run, config, splits, verbose, [], vectors, cluster)
    log.info("resuming the chief's run %s", run.path)
    with _scratch(cluster) as scratch:
        ignore = shutil.ignore_patterns(runs.LOGS, runs.PLOTS, runs.EXPORT, ".*")  # .*: the chief's temp files
        copy = runs.Run(Path(shutil.copytree(run.path, scratch / run.id, ignore=ignore)))
        _train_in(copy, config, splits, verbose, [], vectors, cluster)
    return None


@contextmanager
def _scratch(cluster: distribute.Cluster) -> Iterator[Path]:
    """Where a worker other than the chief trains: a temporary directory, removed at the end, so that the runs
    directory holds the chief's run only (every worker runs the same callbacks, which write files)."""
    with tempfile.TemporaryDirectory(prefix=f"lstmcls-worker{cluster.worker}-") as scratch:
        log.info("worker %d trains in %s (removed at the end); the chief writes the run", cluster.worker, scratch)
        yield Path(scratch)


def _train_in(
    run: runs.Run,
    config: Config,
    splits: Splits,
    verbose: int | None,
    extra: list[keras.callbacks.Callback],
    vectors: Vectors | None,
    cluster: distribute.Cluster,
) -> runs.Run:
    if cluster.is_chief:
        log.info("run: %s", run.path)
    run.update_meta(distribute=cluster.meta())
    started = time.perf_counter()
    try:
        with stop_requests() as stop:
            verbose = progress.keras_verbosity() if verbose is None else verbose
            metrics = _fit(config, splits, run, verbose, extra, vectors, cluster, stop)
    except (TrainingInterrupted, KeyboardInterrupt):
        run.update_meta(status=runs.INTERRUPTED, error="interrupted by the user")
        where = run.path if cluster.is_chief else "RUN (the chief's run, on every worker)"
        raise TrainingInterrupted(f"training interrupted; resume with: lstmcls train --resume {where}") from None
    except BaseException as exc:
        run.update_meta(status=runs.FAILED, error=f"{type(exc).__name__}: {exc}")
        raise
    metrics["seconds"] = round(time.perf_counter() - started, 1)  # of this session, if the run was resumed
    runs.write_json(run.file(runs.METRICS), metrics)
    run.update_meta(status=runs.COMPLETE, finished=runs.utc_now())  # written last: the run is now complete
    log.info("validation: %s", ", ".join(f"{k} {v:.4f}" for k, v in metrics["validation"].items()))
    log.info("run complete: %s" if cluster.is_chief else "worker finished (its scratch copy %s is removed)", run.path)
    return run


def _fit(
    config: Config,
    splits: Splits,
    run: runs.Run,
    verbose: int,
    extra: list[keras.callbacks.Callback],
    vectors: Vectors | None,
    cluster: distribute.Cluster,
    stop: threading.Event,
) -> dict:
    keras.utils.set_random_seed(config.train.seed)
    # Same config + seed → same weights on one machine (tested). TensorFlow's op-determinism switch is not used:
    # Keras turns XLA off under it, and XLA is most of the CPU speed-up.
    num_classes = len(splits.label_names)
    runs.write_json(run.file(runs.LABELS), splits.label_names)

    if run.file(runs.PREPROCESSOR).is_file():  # resuming: the vocabulary the backup was trained with
        preprocessor = keras.saving.load_model(run.file(runs.PREPROCESSOR))
    else:
        log.info("adapting the vocabulary on %d training texts", len(splits.train))
        with progress.step("adapting the vocabulary"):
            preprocessor = build_preprocessor(config.vectorizer, splits.train.texts)
        preprocessor.save(run.file(runs.PREPROCESSOR))
    vocab_size = preprocessor.get_layer("vectorizer").vocabulary_size()

    def encoded(texts: list[str]) -> np.ndarray:  # vectorize once; epochs then read cached ids
        return preprocessor.predict(text_dataset(texts, 1024), verbose=0)

    def targets(labels: np.ndarray) -> np.ndarray:
        return labels.reshape(-1, 1).astype("float32") if num_classes == 2 else labels

    train_data = to_dataset(
        encoded(splits.train.texts),
        targets(splits.train.labels),
        config.train.batch_size,
        config.train.seed,
        config.data.bucketing,
    )
    if config.train.steps_per_epoch:
        train_data = train_data.repeat()
    val_data = to_dataset(encoded(splits.validation.texts), targets(splits.validation.labels), 256)

    # The vocabulary stays outside the strategy: it encodes the texts once, on each host, before training.
    with cluster.strategy.scope():  # the weights and the optimizer's state, mirrored on every replica
        classifier = build_classifier(config.model, vocab_size, num_classes)
        compile_classifier(classifier, num_classes, config.train)
        if vectors is not None:
            _start_from_vectors(classifier, preprocessor, vectors, splits.train.texts, config, run)
        freezing = _freeze_embedding(classifier, config.model.embedding)
    checkpoints = run.file(runs.CHECKPOINTS)
    checkpoints.mkdir(exist_ok=True)
    best = checkpoints / "best.weights.h5"
    monitor = config.train.monitor
    mode = "max" if monitor == "val_accuracy" else "min"  # Keras infers it from metrics that fit builds
    callbacks = [
        _EpochTimer(
            config.train.steps_per_epoch * config.train.batch_size
            if config.train.steps_per_epoch
            else len(splits.train)
        ),
        keras.callbacks.BackupAndRestore(str(checkpoints / "backup")),
        keras.callbacks.ModelCheckpoint(best, monitor=monitor, mode=mode, save_best_only=True, save_weights_only=True),
        keras.callbacks.CSVLogger(str(run.file(runs.HISTORY)), append=True),
        keras.callbacks.TensorBoard(str(run.file(runs.LOGS))),
        _StopOnRequest(stop),
        *extra,
    ]
    if config.train.patience:
        callbacks.append(keras.callbacks.EarlyStopping(monitor=monitor, mode=mode, patience=config.train.patience))
    callbacks += freezing
    log.info(
        "training %s on %d examples (%d classes, vocabulary %d), validating on %d",
        config.model.cell, len(splits.train), num_classes, vocab_size, len(splits.validation),
    )  # fmt: skip
    if cluster.custom_loop:
        distribute.fit(
            classifier, cluster.strategy, train_data, val_data, config.train.epochs,
            config.train.steps_per_epoch, callbacks, verbose, stop,
        )  # fmt: skip
        classifier = _outside_strategy(classifier, config, num_classes)
    else:
        classifier.fit(
            train_data,
            validation_data=val_data,
            epochs=config.train.epochs,
            steps_per_epoch=config.train.steps_per_epoch,
            callbacks=callbacks,
            verbose=verbose,
        )
    classifier.load_weights(best)
    log.info("final weights: sha256 %s", distribute.weights_fingerprint(classifier))
    loss = classifier.evaluate(val_data, verbose=0, return_dict=True)["loss"]
    end_to_end(preprocessor, classifier).save(run.file(runs.MODEL))
    probabilities = np.asarray(class_probabilities(classifier.predict(val_data, verbose=0)))
    scores = score(splits.validation.labels, probabilities, splits.label_names)
    plots.score_plots(
        scores, splits.validation.labels, probabilities, splits.label_names, run.file(runs.PLOTS), "validation"
    )
    plots.learning_curves(
        run.file(runs.HISTORY), run.file(runs.PLOTS) / "learning_curves.png", f"Training {run.id}", monitor
    )
    curve = _history_column(run.file(runs.HISTORY), monitor)  # all epochs, across resumes
    return {
        "validation": {"loss": float(loss), **{k: v for k, v in scores.items() if isinstance(v, float)}},
        "best_epoch": int(np.argmax(curve) if monitor == "val_accuracy" else np.argmin(curve)) + 1,
        "epochs": len(curve),
        "examples": {"train": len(splits.train), "validation": len(splits.validation)},
        "vocabulary_size": int(vocab_size),
    }


def _outside_strategy(classifier: keras.Model, config: Config, num_classes: int) -> keras.Model:
    """The same model, compiled outside the strategy, for the best weights: evaluating, predicting and saving then
    run on this host alone, and the saved model holds no distributed variables."""
    copy = keras.models.clone_model(classifier)
    compile_classifier(copy, num_classes, config.train)
    copy.optimizer.build(copy.trainable_variables)  # so the checkpoint's optimizer state loads too
    return copy


# === Pretrained embedding ===


def _start_from_vectors(
    classifier: keras.Model,
    preprocessor: keras.Model,
    vectors: Vectors,
    texts: list[str],
    config: Config,
    run: runs.Run,
) -> None:
    """Set the embedding to the pretrained vectors; report and record how much of the vocabulary they cover."""
    vectorizer = preprocessor.get_layer("vectorizer")
    with progress.step("matching word vectors to the vocabulary"):
        counts = token_counts(vectorizer, texts)
        matrix, coverage = embedding_matrix(
            vectors, vectorizer.get_vocabulary(), counts, config.vectorizer.standardize, config.train.seed
        )
    classifier.get_layer("embedding").set_weights([matrix])
    log_coverage(coverage)
    run.update_meta(pretrained=coverage)


def _freeze_embedding(classifier: keras.Model, config: EmbeddingConfig) -> list[keras.callbacks.Callback]:
    """Freeze the embedding for the whole training (`trainable: false`) or its first `unfreeze_after` epochs."""
    layer = classifier.get_layer("embedding")
    if config.unfreeze_after is not None:
        # Built with the embedding while it is trainable: Keras 3 optimizers refuse variables added later.
        classifier.optimizer.build(classifier.trainable_variables)
        layer.trainable = False
        return [_UnfreezeEmbedding(config.unfreeze_after)]
    layer.trainable = config.trainable
    return []


class _UnfreezeEmbedding(keras.callbacks.Callback):
    """Makes the embedding trainable from epoch `frozen_epochs + 1` on, by epoch number (so a resumed run too)."""

    def __init__(self, frozen_epochs: int) -> None:
        super().__init__()
        self.frozen_epochs = frozen_epochs

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        layer = self.model.get_layer("embedding")
        if epoch >= self.frozen_epochs and not layer.trainable:
            layer.trainable = True
            self.model.make_train_function(force=True)  # the traced step holds the trainable weights it saw
            log.info("epoch %d: fine-tuning the embedding from now on", epoch + 1)


def _history_column(path: Path, column: str) -> list[float]:
    with open(path, newline="") as handle:
        return [float(row[column]) for row in csv.DictReader(handle)]


class _EpochTimer(keras.callbacks.Callback):
    """Adds the seconds spent on training batches (validation excluded) and examples/s to each epoch's logs."""

    def __init__(self, examples: int) -> None:
        super().__init__()
        self.examples, self.started, self.seconds = examples, 0.0, 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.started, self.seconds = time.perf_counter(), 0.0

    def on_test_begin(self, logs: dict | None = None) -> None:
        self.seconds = time.perf_counter() - self.started

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        seconds = self.seconds or time.perf_counter() - self.started
        logs.update(train_seconds=round(seconds, 2), examples_per_second=round(self.examples / seconds, 1))


# === Interruption ===


class _StopOnRequest(keras.callbacks.Callback):
    """Leaves `fit` after the batch in progress when a stop was requested; the last epoch's backup stays."""

    def __init__(self, stop: threading.Event) -> None:
        super().__init__()
        self.stop = stop

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.stop.is_set():
            raise TrainingInterrupted("stop requested")


_active_request: threading.Event | None = None


@contextmanager
def stop_requests() -> Iterator[threading.Event]:
    """Turn the first SIGINT / SIGTERM into a stop request; a second SIGINT stops at once.

    Nested uses share the outermost request, so a caller that trains repeatedly (tune) holds the handler from
    start to end: a signal between two trainings is a request it sees, never a KeyboardInterrupt raised at a
    random point (where TensorFlow or SQLAlchemy clean-up code may swallow it).
    """
    global _active_request
    if _active_request is not None:
        yield _active_request
        return
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():  # signals only reach the main thread
        yield stop
        return

    def request(signum: int, frame) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        log.warning("stopping after the current batch (press Ctrl-C again to stop at once)")

    previous = {sig: signal.signal(sig, request) for sig in (signal.SIGINT, signal.SIGTERM)}
    _active_request = stop
    try:
        yield stop
    finally:
        _active_request = None
        for sig, handler in previous.items():
            signal.signal(sig, handler)
