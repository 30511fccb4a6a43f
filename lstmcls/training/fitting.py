"""One training session of a classifier run, in stages: vocabulary and encoding, the model under the strategy,
the callbacks, `fit` (or the distributed loop), and finishing (best weights, the saved model, validation scores).

`runner` wraps a session in the run lifecycle; this module only trains and writes the run's artifacts.
"""

from __future__ import annotations

import csv
import logging
import tempfile
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from lstmcls import runs
from lstmcls.config.schema import Config
from lstmcls.data.encoding import training_datasets
from lstmcls.data.splits import Splits
from lstmcls.data.text import build_preprocessor
from lstmcls.models.factory import build_classifier, class_probabilities, end_to_end
from lstmcls.reporting import plots, progress
from lstmcls.reporting.baseline import fit_baseline
from lstmcls.reporting.decision import Decision
from lstmcls.reporting.multilabel import label_set_decision, score_label_sets
from lstmcls.reporting.scores import best_epoch, monitor_mode, score
from lstmcls.reporting.thresholds import choose_decision
from lstmcls.training import distribute, embedding, loop
from lstmcls.training.callbacks import EpochTimer, StopOnRequest
from lstmcls.training.language_model import LanguageModel, start_from_language_model
from lstmcls.training.objectives import Objectives, compile_classifier
from lstmcls.training.timing import BASELINE, FINISH, TRAIN, VECTORISE, Phases
from lstmcls.training.vectors import Vectors

log = logging.getLogger("lstmcls")


@dataclass(frozen=True)
class Session:
    """What every stage of a training session reads: the run it writes, its config, data and strategy."""

    run: runs.Run
    config: Config
    splits: Splits
    vectors: Vectors | None
    cluster: distribute.Cluster
    objectives: Objectives  # loss, metrics and class weights, as both `fit` and the distributed loop train with them
    phases: Phases = field(default_factory=Phases)  # wall seconds per phase, loading included (the runner's)
    language_model: LanguageModel | None = None  # `model.pretrained`: its recurrent weights (its rows are `vectors`)

    @property
    def num_classes(self) -> int:
        return len(self.splits.label_names)

    @property
    def multi_label(self) -> bool:
        return self.splits.multi_label


def fit(session: Session, verbose: int, extra: list[keras.callbacks.Callback], stop: threading.Event) -> dict[str, Any]:
    """Train the session's classifier and write its artifacts; the metrics of the run (without `seconds`), with
    the wall seconds of each phase (`phase_seconds`: load, vectorise, train, finish, baseline).

    Args:
        session: the run, config, data, pretrained vectors and strategy.
        verbose: Keras verbosity.
        extra: callbacks to run besides lstmcls's own (e.g. a tuner's pruning callback).
        stop: set when a stop was requested; training leaves after the batch in progress.
    """
    config, run = session.config, session.run
    keras.utils.set_random_seed(config.train.seed)
    # Same config + seed → same weights on one machine (tested). TensorFlow's op-determinism switch is not used:
    # Keras turns XLA off under it, and XLA is most of the CPU speed-up.
    runs.write_json(run.file(runs.LABELS), session.splits.label_names)
    phases = session.phases
    shard = (session.cluster.workers, session.cluster.worker)  # streaming divides the training files by worker
    # Streamed files are vectorised into token ids on local disk, removed when the session ends, however it ends.
    with tempfile.TemporaryDirectory(prefix="lstmcls-token-ids-") as cache:
        with phases.timed(VECTORISE):
            preprocessor = _vocabulary(session)
            train_data, validation_data = training_datasets(preprocessor, session.splits, config, Path(cache), shard)
        with phases.timed(TRAIN):
            classifier, freezing = _model(session, preprocessor)
        callbacks = [*_callbacks(session, stop, extra), *freezing]
        log.info(
            "training %s on %d examples (%d %s, vocabulary %d), validating on %d",
            config.model.cell,
            len(session.splits.train),
            session.num_classes,
            "labels" if session.multi_label else "classes",
            _vocabulary_size(preprocessor),
            len(session.splits.validation),
        )
        with phases.timed(TRAIN):
            classifier = _train(session, classifier, train_data, validation_data, callbacks, verbose, stop)
        with phases.timed(FINISH):
            metrics = _finish(session, preprocessor, classifier, validation_data)
    if session.config.wants_baseline and session.cluster.is_chief:
        with phases.timed(BASELINE):
            metrics["baseline"] = _baseline(session)
    return {**metrics, "phase_seconds": phases.as_dict()}


# === Vocabulary ===


def _vocabulary(session: Session) -> keras.Model:
    """The preprocessor: adapted on the training texts and saved in the run, or, resuming, the one saved."""
    path = session.run.file(runs.PREPROCESSOR)
    if path.is_file():  # resuming: the vocabulary the backup was trained with
        return session.run.load_preprocessor()
    texts = session.splits.vocabulary_texts
    log.info("adapting the vocabulary on %d training texts", len(texts))
    with progress.step("adapting the vocabulary"):
        preprocessor = build_preprocessor(session.config.vectorizer, texts, session.config.model.embedding.subwords)
    preprocessor.save(path)
    return preprocessor


def _vocabulary_size(preprocessor: keras.Model) -> int:
    return preprocessor.get_layer("vectorizer").vocabulary_size()


# === Model ===


def _model(session: Session, preprocessor: keras.Model) -> tuple[keras.Model, list[keras.callbacks.Callback]]:
    """The compiled classifier, its embedding started from the vectors (and its recurrent layers from the language
    model) and frozen as configured, and the callbacks of the freezing schedule."""
    config = session.config
    # The vocabulary stays outside the strategy: it encodes the texts once, on each host, before training.
    with session.cluster.strategy.scope():  # the weights and the optimizer's state, mirrored on every replica
        classifier = build_classifier(
            config.model, _vocabulary_size(preprocessor), session.num_classes, session.multi_label
        )
        compile_classifier(classifier, session.objectives, config.train)
        if session.vectors is not None:
            embedding.start_from_vectors(
                classifier, preprocessor, session.vectors, session.splits.vocabulary_texts, config, session.run
            )
        if session.language_model is not None:
            start_from_language_model(classifier, session.language_model, session.run)
        freezing = embedding.freeze_embedding(classifier, config.model.embedding)
        if not classifier.optimizer.built:
            # Now rather than in the first training step: a step that creates variables is traced twice.
            classifier.optimizer.build(classifier.trainable_variables)
    return classifier, freezing


def _outside_strategy(classifier: keras.Model, session: Session) -> keras.Model:
    """The same model, compiled outside the strategy, for the best weights: evaluating, predicting and saving then
    run on this host alone, and the saved model holds no distributed variables."""
    copy = keras.models.clone_model(classifier)
    compile_classifier(copy, session.objectives, session.config.train)
    copy.optimizer.build(copy.trainable_variables)  # so the checkpoint's optimizer state loads too
    return copy


# === Callbacks ===


def _callbacks(
    session: Session, stop: threading.Event, extra: list[keras.callbacks.Callback]
) -> list[keras.callbacks.Callback]:
    """Timing, the backup of the last epoch, the best weights, history, TensorBoard, stopping, `extra`, and early
    stopping when `train.patience` is set."""
    train, run = session.config.train, session.run
    checkpoints = run.file(runs.CHECKPOINTS)
    checkpoints.mkdir(exist_ok=True)
    mode = monitor_mode(train.monitor)  # Keras infers it only from metrics that fit builds
    examples = train.steps_per_epoch * train.batch_size if train.steps_per_epoch else len(session.splits.train)
    callbacks = [
        EpochTimer(examples),
        keras.callbacks.BackupAndRestore(str(checkpoints / runs.BACKUP)),
        keras.callbacks.ModelCheckpoint(
            checkpoints / runs.BEST_WEIGHTS,
            monitor=train.monitor,
            mode=mode,
            save_best_only=True,
            save_weights_only=True,
        ),
        keras.callbacks.CSVLogger(str(run.file(runs.HISTORY)), append=True),
        keras.callbacks.TensorBoard(str(run.file(runs.LOGS))),
        StopOnRequest(stop),
        *extra,
    ]
    if train.patience:
        callbacks.append(keras.callbacks.EarlyStopping(monitor=train.monitor, mode=mode, patience=train.patience))
    return callbacks


# === Training ===


def _train(
    session: Session,
    classifier: keras.Model,
    train_data: tf.data.Dataset,
    validation_data: tf.data.Dataset,
    callbacks: list[keras.callbacks.Callback],
    verbose: int,
    stop: threading.Event,
) -> keras.Model:
    """Train with Keras's `fit`, or the distributed loop; the model to finish with (outside the strategy)."""
    train, cluster = session.config.train, session.cluster
    if not cluster.custom_loop:
        with warnings.catch_warnings():
            # Streamed data has no length until read: Keras warns that it "ran out of data" when it ends.
            warnings.filterwarnings("ignore", message="Your input ran out of data")
            classifier.fit(
                train_data,
                validation_data=validation_data,
                epochs=train.epochs,
                steps_per_epoch=train.steps_per_epoch,
                callbacks=callbacks,
                verbose=verbose,
                class_weight=session.objectives.class_weight(),
            )
        return classifier
    loop.fit(
        classifier,
        cluster.strategy,
        session.objectives,
        train_data,
        validation_data,
        train.epochs,
        train.steps_per_epoch,
        callbacks,
        verbose,
        stop,
    )
    return _outside_strategy(classifier, session)


# === Finishing ===


def _finish(
    session: Session, preprocessor: keras.Model, classifier: keras.Model, validation_data: tf.data.Dataset
) -> dict[str, Any]:
    """Load the best weights, save the end-to-end model, score and plot validation; the run's metrics."""
    run, splits, monitor = session.run, session.splits, session.config.train.monitor
    classifier.load_weights(run.file(runs.CHECKPOINTS) / runs.BEST_WEIGHTS)
    log.info("final weights: sha256 %s", distribute.weights_fingerprint(classifier))
    loss = classifier.evaluate(validation_data, verbose=0, return_dict=True)["loss"]
    end_to_end(preprocessor, classifier).save(run.file(runs.MODEL))
    probabilities = np.asarray(class_probabilities(classifier.predict(validation_data, verbose=0)))
    scores = _validation_scores(session, probabilities)
    if session.config.run.plots:
        plots.learning_curves(
            run.file(runs.HISTORY), run.file(runs.PLOTS) / runs.LEARNING_CURVES, f"Training {run.id}", monitor
        )
    curve = _history_column(run.file(runs.HISTORY), monitor)  # all epochs, across resumes
    return {
        "validation": {"loss": float(loss), **{k: v for k, v in scores.items() if isinstance(v, float)}},
        "best_epoch": best_epoch(curve, monitor),
        "epochs": len(curve),
        "examples": {"train": len(splits.train), "validation": len(splits.validation)},
        "vocabulary_size": int(_vocabulary_size(preprocessor)),
        **({"decision": scores["decision"]} if scores.get("decision") else {}),
    }


def _validation_scores(session: Session, probabilities: np.ndarray) -> dict[str, Any]:
    """Validation scored and plotted as the run will answer: its decision (a multi-label run's thresholds, or the
    `eval` block's temperature and two-class threshold) is chosen here and saved (`decision.json`)."""
    run, labels, names = session.run, session.splits.validation.labels, session.splits.label_names
    if session.multi_label:
        decision = label_set_decision(labels, probabilities, names, session.config.eval.threshold)
        runs.write_json(run.file(runs.DECISION), decision.to_json())
        return score_label_sets(labels, probabilities, names, decision)
    decision, report = choose_decision(session.config.eval, labels, probabilities)  # temperature, threshold
    if decision != Decision():
        runs.write_json(run.file(runs.DECISION), decision.to_json())
    calibrated = decision.calibrated(probabilities)
    scores = score(labels, calibrated, names, decision.decide(calibrated))
    uncalibrated = probabilities if decision.temperature != 1.0 else None
    outs, draw = run.score_plots("validation"), session.config.run.plots
    plots.score_plots(scores, labels, calibrated, names, "validation", outs, uncalibrated, draw)
    return {**scores, "decision": report}


def _baseline(session: Session) -> dict[str, Any]:
    """The linear baseline fitted on the same split, saved in the run (`eval` scores it on test); its report."""
    splits = session.splits
    with progress.step("fitting the linear baseline"):
        baseline, report = fit_baseline(
            (splits.train.texts, splits.train.labels),
            (splits.validation.texts, splits.validation.labels),
            splits.label_names,
        )
    baseline.save(session.run.file(runs.BASELINE))
    scores = ", ".join(f"{key} {value:.4f}" for key, value in report["validation"].items() if key != "ece")
    log.info(
        "linear baseline (%s, C=%g, %.1f s): validation %s", report["model"], report["C"], report["seconds"], scores
    )
    return report


def _history_column(path: Path, column: str) -> list[float]:
    with open(path, newline="") as handle:
        return [float(row[column]) for row in csv.DictReader(handle)]
