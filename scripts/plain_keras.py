"""The baseline `scripts/bench.py` measures `lstmcls train` against: IMDB in plain Keras, as the tutorials write it.

Same architecture, vocabulary size and maximum length as an lstmcls config (Embedding with masking → spatial
dropout → one recurrent layer, optionally bidirectional → dropout → last state or max over time → sigmoid), the
same 90/10 train/validation split, Adam with the same learning rate and clipping, early stopping that keeps the
best epoch. The input pipeline is the tutorials': raw strings vectorized by `TextVectorization` in a `tf.data`
map, every text padded to `max_length`, prefetched; `--cache` caches the vectorized batches (vectorize once).
Prints one JSON object last: epoch seconds (training batches only), examples/s and test accuracy.
"""

from __future__ import annotations

import argparse
import json
import time

import keras
import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds


class EpochTimer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()
        self.train_seconds = None

    def on_test_begin(self, logs=None):
        if self.train_seconds is None:
            self.train_seconds = time.perf_counter() - self.started
            self.seconds.append(self.train_seconds)

    def on_train_begin(self, logs=None):
        self.seconds = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    parser.add_argument("--max-tokens", type=int, default=20000)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--embedding-dim", type=int, default=64)
    parser.add_argument("--units", type=int, default=64)
    parser.add_argument("--dropout", type=float, default=0.5)
    parser.add_argument("--embedding-dropout", type=float, default=0.0, help="SpatialDropout1D after the embedding")
    parser.add_argument("--bidirectional", action="store_true")
    parser.add_argument("--pooling", choices=["last", "max"], default="last")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--patience", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--cache", action="store_true", help="cache the vectorized batches (vectorize once)")
    parser.add_argument("--no-test", action="store_true", help="skip the test-set evaluation (throughput runs)")
    parser.add_argument("--limit", type=int, help="use only this many training and test reviews (smoke runs)")
    args = parser.parse_args()
    keras.utils.set_random_seed(args.seed)

    take = f"[:{args.limit}]" if args.limit else ""
    train = tfds.load("imdb_reviews", split=f"train{take}", as_supervised=True, download=False)
    texts, labels = zip(*[(text.decode("utf-8"), int(label)) for text, label in tfds.as_numpy(train)])
    order = np.random.default_rng(args.seed).permutation(len(texts))
    held = order[: len(order) // 10]
    kept = order[len(order) // 10 :]

    vectorize = keras.layers.TextVectorization(max_tokens=args.max_tokens, output_sequence_length=args.max_length)
    vectorize.adapt(tf.data.Dataset.from_tensor_slices([texts[i] for i in kept]).batch(1024))

    def dataset(indices, shuffle: bool) -> tf.data.Dataset:
        data = tf.data.Dataset.from_tensor_slices(([texts[i] for i in indices], [labels[i] for i in indices]))
        if shuffle:
            data = data.shuffle(len(indices), seed=args.seed)
        data = data.batch(args.batch_size).map(lambda x, y: (vectorize(x), y))
        return (data.cache() if args.cache else data).prefetch(tf.data.AUTOTUNE)

    recurrent = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[args.cell]
    layer = recurrent(args.units, return_sequences=args.pooling == "max")
    model = keras.Sequential(
        [
            keras.Input((args.max_length,), dtype="int64"),
            keras.layers.Embedding(args.max_tokens, args.embedding_dim, mask_zero=True),
            keras.layers.SpatialDropout1D(args.embedding_dropout),
            keras.layers.Bidirectional(layer) if args.bidirectional else layer,
            keras.layers.Dropout(args.dropout),
            *([keras.layers.GlobalMaxPooling1D()] if args.pooling == "max" else []),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=args.learning_rate, clipnorm=1.0),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    timer = EpochTimer()
    stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=args.patience, restore_best_weights=True)
    model.fit(
        dataset(kept, True),
        validation_data=dataset(held, False),
        epochs=args.epochs,
        callbacks=[timer, stop],
        verbose=2,
    )
    result = {
        "train_examples": len(kept),
        "epoch_seconds": [round(s, 2) for s in timer.seconds],
        "examples_per_second": [round(len(kept) / s, 1) for s in timer.seconds],
    }
    if not args.no_test:
        test = tfds.load("imdb_reviews", split=f"test{take}", as_supervised=True, download=False)
        test_data = test.batch(256).map(lambda x, y: (vectorize(x), y))
        result["test_accuracy"] = round(float(model.evaluate(test_data, verbose=0, return_dict=True)["accuracy"]), 4)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
