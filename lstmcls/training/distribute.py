"""Training on several GPUs or hosts with tf.distribute: the strategy a config names, who the chief is, and the
training loop the distributed strategies share.

`default` keeps Keras's `fit` (XLA, steps_per_execution: the fast path on one device). `mirrored` and
`multi_worker` train through `fit` below instead: Keras 3's `fit` fails under `MultiWorkerMirroredStrategy`
(keras-team/keras#20585, tensorflow/tensorflow#72388), while a step run with `strategy.run` over
`strategy.experimental_distribute_dataset` trains the same Keras model, loss and optimizer in sync. The loop
honours `fit`'s contract with callbacks, so checkpoints, early stopping, history, backups and progress are the
same Keras callbacks on both paths.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from lstmcls.components import STRATEGIES
from lstmcls.errors import ConfigError

TF_CONFIG_EXAMPLE = '{"cluster": {"worker": ["host0:12345", "host1:12345"]}, "task": {"type": "worker", "index": 0}}'


@dataclass(frozen=True)
class Cluster:
    """The strategy of this process and its place among the workers (worker 0 is the chief)."""

    name: str
    strategy: tf.distribute.Strategy
    workers: int = 1
    worker: int = 0

    @property
    def replicas(self) -> int:
        return self.strategy.num_replicas_in_sync

    @property
    def is_chief(self) -> bool:
        return self.worker == 0

    @property
    def custom_loop(self) -> bool:
        """Whether training goes through this module's loop rather than Keras's `fit`."""
        return self.name != "default"

    def describe(self) -> str:
        """E.g. `multi_worker, 2 replicas (worker 0 of 2, chief)`."""
        replicas = f"{self.replicas} replica{'s' if self.replicas > 1 else ''}"
        if self.workers == 1:
            return f"{self.name}, {replicas}"
        return f"{self.name}, {replicas} (worker {self.worker} of {self.workers}{', chief' if self.is_chief else ''})"

    def meta(self) -> dict[str, Any]:
        """What run.json records."""
        return {"strategy": self.name, "replicas": self.replicas, "workers": self.workers}


@functools.cache
def cluster(name: str) -> Cluster:
    """The strategy `name` for this process, made once: TensorFlow allows one collective setup per process."""
    return STRATEGIES.builder(name)()


@STRATEGIES.builds("default")
def _default() -> Cluster:
    return Cluster("default", tf.distribute.get_strategy())


@STRATEGIES.builds("mirrored")
def _mirrored() -> Cluster:
    return Cluster("mirrored", tf.distribute.MirroredStrategy())  # every local GPU, else the CPU


@STRATEGIES.builds("multi_worker")
def _multi_worker() -> Cluster:
    workers, worker = read_tf_config(os.environ.get("TF_CONFIG"))
    try:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    except RuntimeError as exc:  # "Collective ops must be configured at program startup"
        raise ConfigError(
            f"distribute.strategy multi_worker must start before TensorFlow runs anything in this process ({exc}); "
            "start training in a fresh process"
        ) from None
    return Cluster("multi_worker", strategy, workers, worker)


def read_tf_config(value: str | None) -> tuple[int, int]:
    """(workers, this worker's index) from TF_CONFIG, checked with messages that say how to fix it.

    A `chief` task, if the cluster names one, is worker 0 and the `worker` tasks follow, as in TensorFlow.
    """
    fix = f"set TF_CONFIG on every host, e.g. TF_CONFIG='{TF_CONFIG_EXAMPLE}' (the index differs per host)"
    if not value:
        raise ConfigError(f"distribute.strategy multi_worker needs the cluster in TF_CONFIG: {fix}")
    try:
        spec = json.loads(value)
        jobs = {job: list(spec["cluster"].get(job, [])) for job in ("chief", "worker")}
        task_type, index = spec["task"]["type"], int(spec["task"]["index"])
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ConfigError(f"TF_CONFIG is malformed ({type(exc).__name__}: {exc}); {fix}") from None
    if len(jobs["chief"]) > 1 or task_type not in jobs or not 0 <= index < len(jobs[task_type]):
        raise ConfigError(
            f"TF_CONFIG: task {task_type!r} {index} is not in its cluster (at most one chief, and workers "
            f"indexed from 0); {fix}"
        )
    return len(jobs["chief"]) + len(jobs["worker"]), index + (len(jobs["chief"]) if task_type == "worker" else 0)


def weights_fingerprint(model: keras.Model) -> str:
    """A short SHA-256 of the model's weights: workers that trained in sync print the same one."""
    digest = hashlib.sha256()
    for weights in model.get_weights():
        digest.update(np.ascontiguousarray(weights).tobytes())
    return digest.hexdigest()[:16]


# === The training loop ===


def fit(
    model: keras.Model,
    strategy: tf.distribute.Strategy,
    train_data: tf.data.Dataset,
    validation_data: tf.data.Dataset,
    epochs: int,
    steps_per_epoch: int | None,
    callbacks: list[keras.callbacks.Callback],
    verbose: int,
    stop: threading.Event,
) -> None:
    """Train `model` (built and compiled in `strategy.scope()`) as `model.fit` would, under any strategy.

    Every step takes one global batch of the config's batch size, split across the replicas of all workers
    (auto-sharded by data, so each worker reads the same files); the loss is averaged over the global batch and
    the optimizer sums the replicas' gradients. Epoch logs hold loss and accuracy, training and validation,
    summed over all replicas, so every worker's callbacks see the same numbers and stop at the same epoch.
    `train_data` repeats when `steps_per_epoch` is given, as for `fit`. A `stop` requested on any worker is set
    on every worker after the same step, so the callback that acts on it stops them all at that batch.
    """
    steps = steps_per_epoch or int(train_data.cardinality())
    callbacks = keras.callbacks.CallbackList(
        callbacks, add_history=True, add_progbar=verbose != 0, verbose=verbose, epochs=epochs, steps=steps, model=model
    )
    with strategy.scope():
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
    train_batches, validation_batches = (_distributed(strategy, data) for data in (train_data, validation_data))
    evaluate = _evaluate_step(model, strategy, validation_batches.element_spec)
    traced: dict[tuple[int, ...], Callable] = {}
    iterator = iter(train_batches) if steps_per_epoch else None

    model.stop_training = False
    model._initial_epoch = None  # BackupAndRestore reports the epoch to restore here, as `fit` expects
    callbacks.on_train_begin()
    logs: dict[str, Any] = {}
    for epoch in range(model._initial_epoch or 0, epochs):
        callbacks.on_epoch_begin(epoch)
        # A callback may change which weights train (the embedding unfreezing): trace a step for that set.
        variables = tuple(id(variable) for variable in model.trainable_variables)
        if variables not in traced:
            traced[variables] = _train_step(model, strategy, train_batches.element_spec)
        train = traced[variables]
        totals = np.zeros(3)
        batches = zip(range(steps), iterator) if iterator is not None else enumerate(train_batches)
        for step, batch in batches:
            callbacks.on_train_batch_begin(step)
            *sums, stopping = train(batch, tf.constant(float(stop.is_set())))
            totals += [float(value) for value in sums]
            if stopping > 0:
                stop.set()
            callbacks.on_train_batch_end(step, _means(totals))
            if model.stop_training:
                break
        logs = _means(totals)
        callbacks.on_test_begin()
        totals = np.zeros(3)
        for batch in validation_batches:
            totals += [float(value) for value in evaluate(batch)]
        validation = _means(totals)
        callbacks.on_test_end(validation)
        logs.update({f"val_{name}": value for name, value in validation.items()})
        callbacks.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    callbacks.on_train_end(logs)


def _distributed(strategy: tf.distribute.Strategy, data: tf.data.Dataset) -> tf.distribute.DistributedDataset:
    """Shard by data (every worker builds the same pipeline, seeded alike): worker i takes part i of each batch.

    Workers whose share of the last batch is empty get an empty batch, so all of them run the same steps and no
    collective waits for a worker that has finished (variable-length bucketed batches included).
    """
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return strategy.experimental_distribute_dataset(data.with_options(options))


def _train_step(model: keras.Model, strategy: tf.distribute.Strategy, spec: Any) -> Callable:
    """A compiled step over one distributed batch and this worker's stop request (0 or 1) → the sums over all
    replicas of the loss, correct predictions and examples, and the number of stop requests.

    Traced once for the batches' `spec`, whose batch and length dimensions are open: bucketed batches vary in
    both. Not XLA-compiled: collectives inside an XLA cluster are not supported on every device.
    """
    loss, accuracy = _per_example(model)

    def replica_step(ids: tf.Tensor, labels: tf.Tensor, stop: tf.Tensor) -> tuple[tf.Tensor, ...]:
        count = tf.cast(tf.shape(labels)[0], "float32")
        # The mean over the global batch, however the replicas' shares differ (the last batch is often short).
        totals = tf.distribute.get_replica_context().all_reduce("SUM", tf.stack([count, stop]))
        with tf.GradientTape() as tape:
            probabilities = model(ids, training=True)
            losses = loss(labels, probabilities)
            scaled = tf.reduce_sum(losses) / tf.maximum(totals[0], 1.0)
            if model.losses:
                scaled += tf.nn.scale_regularization_loss(tf.add_n(model.losses))
        gradients = tape.gradient(scaled, model.trainable_variables)
        model.optimizer.apply_gradients(zip(gradients, model.trainable_variables))  # sums over replicas
        return tf.reduce_sum(losses), tf.reduce_sum(accuracy(labels, probabilities)), count, totals[1]

    @tf.function(input_signature=[spec, tf.TensorSpec([], "float32")])
    def step(batch: tuple[tf.Tensor, tf.Tensor], stop: tf.Tensor) -> list[tf.Tensor]:
        *sums, stops = strategy.run(replica_step, args=(*batch, stop))
        return [strategy.reduce("SUM", value, axis=None) for value in sums] + [strategy.reduce("MEAN", stops, None)]

    return step


def _evaluate_step(model: keras.Model, strategy: tf.distribute.Strategy, spec: Any) -> Callable:
    """A compiled step over one distributed batch → the sums over all replicas of the loss, correct predictions
    and examples."""
    loss, accuracy = _per_example(model)

    def replica_step(ids: tf.Tensor, labels: tf.Tensor) -> tuple[tf.Tensor, ...]:
        probabilities = model(ids, training=False)
        count = tf.cast(tf.shape(labels)[0], "float32")
        return tf.reduce_sum(loss(labels, probabilities)), tf.reduce_sum(accuracy(labels, probabilities)), count

    @tf.function(input_signature=[spec])
    def step(batch: tuple[tf.Tensor, tf.Tensor]) -> list[tf.Tensor]:
        return [strategy.reduce("SUM", value, axis=None) for value in strategy.run(replica_step, args=batch)]

    return step


def _per_example(model: keras.Model) -> tuple[Callable, Callable]:
    """The compiled loss (binary or sparse categorical cross-entropy) and its accuracy, per example."""
    binary = model.outputs[0].shape[-1] == 1
    return keras.losses.get(model.loss), (
        keras.metrics.binary_accuracy if binary else keras.metrics.sparse_categorical_accuracy
    )


def _means(totals: np.ndarray) -> dict[str, float]:
    loss, correct, count = totals
    return {"loss": loss / max(count, 1.0), "accuracy": correct / max(count, 1.0)}
