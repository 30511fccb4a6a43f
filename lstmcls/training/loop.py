"""The training loop the distributed strategies share: `fit` as Keras's, over `strategy.run` steps.

`mirrored` and `multi_worker` train here (see `lstmcls.training.distribute`): a step run with `strategy.run` over
`strategy.experimental_distribute_dataset` trains the same Keras model, loss and optimizer in sync. The loop
honours `fit`'s contract with callbacks, so checkpoints, early stopping, history, backups and progress are the
same Keras callbacks on both paths, and the loss, class weights and metrics come from the same `Objectives` as
`compile`'s (the metrics are Keras's own objects, updated in each replica and summed when read).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from lstmcls.training.objectives import Objectives

log = logging.getLogger("lstmcls")


def fit(
    model: keras.Model,
    strategy: tf.distribute.Strategy,
    objectives: Objectives,
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
    the optimizer sums the replicas' gradients. Epoch logs hold the loss and every metric of `objectives`,
    training and validation, summed over all replicas, so every worker's callbacks see the same numbers and stop
    at the same epoch.
    `train_data` repeats when `steps_per_epoch` is given, as for `fit`. A `stop` requested on any worker is set
    on every worker after the same step, so the callback that acts on it stops them all at that batch.
    """
    cardinality = int(train_data.cardinality())
    steps = steps_per_epoch or (cardinality if cardinality >= 0 else None)  # streamed data: unknown until read
    callbacks = keras.callbacks.CallbackList(
        callbacks, add_history=True, add_progbar=verbose != 0, verbose=verbose, epochs=epochs, steps=steps, model=model
    )
    with strategy.scope():
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
    train_batches, validation_batches = (_distributed(strategy, data) for data in (train_data, validation_data))
    with strategy.scope():  # sync-on-read variables: each replica adds to its own, a read sums them
        train_metrics, validation_metrics = objectives.metrics(), objectives.metrics()
    evaluate = _evaluate_step(model, strategy, objectives, validation_metrics, validation_batches.element_spec)
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
            traced[variables] = _train_step(model, strategy, objectives, train_metrics, train_batches.element_spec)
        batches = zip(range(steps), iterator) if iterator is not None else enumerate(train_batches)
        logs, examples = _train_epoch(model, traced[variables], batches, callbacks, stop, train_metrics)
        log.info(
            "epoch %d: trained on %d examples across %d replica(s)", epoch + 1, examples, strategy.num_replicas_in_sync
        )
        callbacks.on_test_begin()
        validation = _validate(evaluate, validation_batches, validation_metrics)
        callbacks.on_test_end(validation)
        logs.update({f"val_{name}": value for name, value in validation.items()})
        callbacks.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    callbacks.on_train_end(logs)


def _train_epoch(
    model: keras.Model,
    train: Callable,
    batches: Iterable[tuple[int, Any]],
    callbacks: keras.callbacks.CallbackList,
    stop: threading.Event,
    metrics: list[keras.metrics.Metric],
) -> tuple[dict[str, float], int]:
    """One epoch's training steps → its loss and metrics, and the examples trained on by all replicas; ends early
    when a callback stops training. Batch logs hold the running loss only: reading a metric sums it over the
    replicas (across hosts under multi_worker)."""
    _reset(metrics)
    totals = np.zeros(2)
    for step, batch in batches:
        callbacks.on_train_batch_begin(step)
        *sums, stopping = train(batch, tf.constant(float(stop.is_set())))
        totals += _floats(sums)
        if stopping > 0:
            stop.set()
        callbacks.on_train_batch_end(step, {"loss": _mean_loss(totals)})
        if model.stop_training:
            break
    return _results(totals, metrics), int(totals[1])


def _validate(
    evaluate: Callable, batches: tf.distribute.DistributedDataset, metrics: list[keras.metrics.Metric]
) -> dict[str, float]:
    """The loss and metrics over all validation batches, summed over all replicas."""
    _reset(metrics)
    totals = np.zeros(2)
    for batch in batches:
        totals += _floats(evaluate(batch))
    return _results(totals, metrics)


def _distributed(strategy: tf.distribute.Strategy, data: tf.data.Dataset) -> tf.distribute.DistributedDataset:
    """Shard by data (every worker builds the same pipeline, seeded alike): worker i takes part i of each batch;
    unless the pipeline turned sharding off because it reads this worker's own files (streaming).

    Workers whose share of the last batch is empty get an empty batch, or once their files are read an empty
    batch per step, so all of them run the same steps and no collective waits for a worker that has finished
    (variable-length bucketed batches included).
    """
    policy = tf.data.experimental.AutoShardPolicy
    if data.options().experimental_distribute.auto_shard_policy == policy.AUTO:
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = policy.DATA
        data = data.with_options(options)
    return strategy.experimental_distribute_dataset(data)


def _train_step(
    model: keras.Model,
    strategy: tf.distribute.Strategy,
    objectives: Objectives,
    metrics: list[keras.metrics.Metric],
    spec: Any,
) -> Callable:
    """A compiled step over one distributed batch and this worker's stop request (0 or 1) → the sums over all
    replicas of the (class-weighted) loss and examples, and the number of stop requests; `metrics` are updated.

    Traced once for the batches' `spec`, whose batch and length dimensions are open: bucketed batches vary in
    both. Not XLA-compiled: collectives inside an XLA cluster are not supported on every device.
    """
    loss = objectives.per_example_loss()

    def replica_step(ids: tf.Tensor, labels: tf.Tensor, stop: tf.Tensor) -> tuple[tf.Tensor, ...]:
        # A worker whose streamed files are read gets empty batches of no steps ([0, 0]): one padding step lets
        # the recurrent layer run over them (a subword model's dict of features: each of them).
        ids = tf.nest.map_structure(_one_step_at_least, ids)
        count = tf.cast(tf.shape(labels)[0], "float32")
        # The mean over the global batch, however the replicas' shares differ (the last batch is often short).
        totals = tf.distribute.get_replica_context().all_reduce("SUM", tf.stack([count, stop]))
        weights = objectives.sample_weights(labels)
        with tf.GradientTape() as tape:
            probabilities = model(ids, training=True)
            losses = loss(labels, probabilities) * weights
            scaled = tf.reduce_sum(losses) / tf.maximum(totals[0], 1.0)
            if model.losses:
                scaled += tf.nn.scale_regularization_loss(tf.add_n(model.losses))
        gradients = tape.gradient(scaled, model.trainable_variables)
        model.optimizer.apply_gradients(zip(gradients, model.trainable_variables))  # sums over replicas
        for metric in metrics:  # unweighted, as `fit` updates `compile`'s metrics (not its weighted_metrics)
            metric.update_state(labels, probabilities)
        return tf.reduce_sum(losses), count, totals[1]

    @tf.function(input_signature=[spec, tf.TensorSpec([], "float32")])
    def step(batch: tuple[tf.Tensor, tf.Tensor], stop: tf.Tensor) -> list[tf.Tensor]:
        *sums, stops = strategy.run(replica_step, args=(*batch, stop))
        return [strategy.reduce("SUM", value, axis=None) for value in sums] + [strategy.reduce("MEAN", stops, None)]

    return step


def _one_step_at_least(feature: tf.Tensor) -> tf.Tensor:
    """A batch's token ids (or n-gram buckets), padded to one step when it has none."""
    steps = [[0, 0], [0, tf.maximum(1 - tf.shape(feature)[1], 0)]] + [[0, 0]] * (feature.shape.rank - 2)
    return tf.pad(feature, steps)


def _evaluate_step(
    model: keras.Model,
    strategy: tf.distribute.Strategy,
    objectives: Objectives,
    metrics: list[keras.metrics.Metric],
    spec: Any,
) -> Callable:
    """A compiled step over one distributed batch → the sums over all replicas of the loss (unweighted, as `fit`
    validates) and examples; `metrics` are updated."""
    loss = objectives.per_example_loss()

    def replica_step(ids: tf.Tensor, labels: tf.Tensor) -> tuple[tf.Tensor, ...]:
        probabilities = model(ids, training=False)
        for metric in metrics:
            metric.update_state(labels, probabilities)
        return tf.reduce_sum(loss(labels, probabilities)), tf.cast(tf.shape(labels)[0], "float32")

    @tf.function(input_signature=[spec])
    def step(batch: tuple[tf.Tensor, tf.Tensor]) -> list[tf.Tensor]:
        return [strategy.reduce("SUM", value, axis=None) for value in strategy.run(replica_step, args=batch)]

    return step


def _floats(values: Iterable[tf.Tensor]) -> np.ndarray:
    return np.array([float(value) for value in values])


def _mean_loss(totals: np.ndarray) -> float:
    loss, count = totals
    return loss / max(count, 1.0)


def _results(totals: np.ndarray, metrics: list[keras.metrics.Metric]) -> dict[str, float]:
    """The mean loss and each metric's value, read in the same order on every worker (each read is a collective)."""
    return {"loss": _mean_loss(totals), **{metric.name: float(metric.result()) for metric in metrics}}


def _reset(metrics: list[keras.metrics.Metric]) -> None:
    for metric in metrics:
        metric.reset_state()
