"""The same-work reference `scripts/bench.py` measures lstmcls against: a config's network and training written
with Keras's own layers, on the same text pipeline, so that it differs only in what lstmcls adds for speed.

The same network as `lstmcls.models.factory` builds without its speed-ups: `keras.layers.Embedding` (masked) →
`SpatialDropout1D` → `keras.layers.GRU`/`LSTM` (in `Bidirectional` when the config says so) → `Dropout` → the
last state, or the max over the unmasked steps (Keras's `GlobalMaxPooling1D` lets padding in, so the masked max
is lstmcls's layer) → one sigmoid; Adam with the config's learning rate and clipping; the config's epochs, early
stopping on its monitor and patience, the best epoch's weights kept. There is no fused loop, no XLA and no
length buckets: every batch is padded to `max_length`.

The text pipeline is lstmcls's own, imported, so both sides see the same token ids: the same data source and
validation split (`load_splits`), the same standardiser and vocabulary adapted on the training texts, the same end
of each text kept (`build_preprocessor`), encoded once and batched as lstmcls batches without buckets. Epochs are
timed by lstmcls's own `EpochTimer` callback (training batches only), as `lstmcls train` times them.

    python scripts/plain_keras.py configs/imdb.yaml [--set KEY=VALUE ...] [--no-test] [--test-limit N]

Prints one JSON object last: each phase's seconds, each epoch's history, validation and test scores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import keras
import numpy as np

from lstmcls.config import load_config
from lstmcls.config.schema import Config
from lstmcls.data.encoding import VALIDATION_BATCH, encode_texts
from lstmcls.data.splits import Splits, load_splits, targets, to_dataset
from lstmcls.data.text import build_preprocessor
from lstmcls.models.layers import MaskedMaxPooling1D
from lstmcls.reporting.scores import best_epoch, monitor_mode, score
from lstmcls.training.callbacks import EpochTimer
from lstmcls.training.timing import FINISH, LOAD, TRAIN, VECTORISE, Phases

EVALUATE = "evaluate"


def supported(config: Config) -> None:
    """The reference covers one GRU or LSTM layer, last or max pooling, no head, no subwords or vectors."""
    model = config.model
    blockers = [
        f"model.layers={model.layers}" if model.layers != 1 else "",
        f"model.cell={model.cell}" if model.cell not in ("gru", "lstm") else "",
        f"model.pooling={model.pooling}" if model.pooling not in ("last", "max") else "",
        "model.head" if model.head else "",
        "model.embedding.subwords" if model.embedding.subwords else "",
        "model.embedding.pretrained" if model.embedding.pretrained else "",
    ]
    if any(blockers):
        sys.exit(f"plain_keras: not covered: {', '.join(item for item in blockers if item)}")


# === Model ===


def network(config: Config, vocabulary_size: int) -> keras.Model:
    """The config's network in Keras's layers: embedding → spatial dropout → recurrent → dropout → pooling → sigmoid."""
    model = config.model
    recurrent = {"gru": keras.layers.GRU, "lstm": keras.layers.LSTM}[model.cell]
    layer = recurrent(model.units, return_sequences=model.pooling == "max")
    if model.bidirectional:
        layer = keras.layers.Bidirectional(layer, merge_mode=model.merge_mode)
    ids = keras.Input((None,), dtype="int64")
    x = keras.layers.Embedding(vocabulary_size, model.embedding.dim, mask_zero=True)(ids)
    x = keras.layers.SpatialDropout1D(model.embedding.dropout)(x)
    x = keras.layers.Dropout(model.dropout)(layer(x))
    if model.pooling == "max":
        x = MaskedMaxPooling1D()(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    classifier = keras.Model(ids, outputs)
    classifier.compile(
        optimizer=keras.optimizers.Adam(learning_rate=config.train.learning_rate, clipnorm=config.train.clipnorm),
        loss="binary_crossentropy",
        metrics=[keras.metrics.BinaryAccuracy(name="accuracy")],
    )
    return classifier


def callbacks(config: Config, examples: int) -> list[keras.callbacks.Callback]:
    """lstmcls's epoch timer; early stopping on the config's monitor, the best epoch's weights restored at the end."""
    train = config.train
    patience = train.patience or train.epochs  # no patience: train every epoch, still keep the best
    stop = keras.callbacks.EarlyStopping(
        monitor=train.monitor, mode=monitor_mode(train.monitor), patience=patience, restore_best_weights=True
    )
    return [EpochTimer(examples), stop]


# === Running it ===


def scores(classifier: keras.Model, ids: np.ndarray, labels: np.ndarray, names: list[str]) -> dict[str, float]:
    probabilities = classifier.predict(ids, batch_size=VALIDATION_BATCH, verbose=0)
    found = score(labels, np.concatenate([1.0 - probabilities, probabilities], axis=1), names)
    return {key: value for key, value in found.items() if isinstance(value, float)}


def fit(config: Config, splits: Splits, phases: Phases) -> tuple[keras.Model, keras.Model, np.ndarray, list[dict]]:
    """The preprocessor, the trained classifier (best epoch), the validation token ids and each epoch's logs."""
    train = config.train
    with phases.timed(VECTORISE):
        preprocessor = build_preprocessor(config.vectorizer, splits.vocabulary_texts)
        ids = encode_texts(preprocessor, splits.train.texts)
        data = to_dataset(ids, targets(splits.train.labels, 2), train.batch_size, train.seed, buckets=0)
        held = encode_texts(preprocessor, splits.validation.texts)
        validation = to_dataset(held, targets(splits.validation.labels, 2), VALIDATION_BATCH)
    with phases.timed(TRAIN):
        classifier = network(config, preprocessor.get_layer("vectorizer").vocabulary_size())
        examples = train.steps_per_epoch * train.batch_size if train.steps_per_epoch else len(splits.train)
        history = classifier.fit(
            data.repeat() if train.steps_per_epoch else data,
            validation_data=validation,
            epochs=train.epochs,
            steps_per_epoch=train.steps_per_epoch,
            callbacks=callbacks(config, examples),
            verbose=2,
        )
    epochs = [
        {key: float(values[epoch]) for key, values in history.history.items()} for epoch in range(len(history.epoch))
    ]
    return preprocessor, classifier, held, epochs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", type=Path, help="an lstmcls config (configs/imdb.yaml)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a config override")
    parser.add_argument("--no-test", action="store_true", help="skip the test split (throughput runs)")
    parser.add_argument("--test-limit", type=int, help="score only this many test texts (smoke runs)")
    args = parser.parse_args()
    config = load_config(args.config, args.set)
    supported(config)
    keras.utils.set_random_seed(config.train.seed)
    phases = Phases()
    with phases.timed(LOAD):
        splits = load_splits(config)
    if len(splits.label_names) != 2 or splits.multi_label:
        sys.exit("plain_keras: the reference covers two classes (one sigmoid)")
    preprocessor, classifier, held, epochs = fit(config, splits, phases)
    with phases.timed(FINISH):
        validation = scores(classifier, held, splits.validation.labels, splits.label_names)
    result = {
        "config_sha256": hashlib.sha256(config.to_yaml().encode("utf-8")).hexdigest(),
        "resolved_config": config.to_yaml(),
        "epochs": len(epochs),
        "best_epoch": best_epoch([epoch[config.train.monitor] for epoch in epochs], config.train.monitor),
        "history": epochs,
        "validation": validation,
    }
    if not args.no_test and splits.test is not None:
        with phases.timed(EVALUATE):
            keep = slice(args.test_limit)
            tested = encode_texts(preprocessor, splits.test.texts[keep])
            result["test"] = scores(classifier, tested, splits.test.labels[keep], splits.label_names)
    print(json.dumps({**result, "phase_seconds": phases.as_dict()}))


if __name__ == "__main__":
    main()
