"""What training minimises and reports, built in one place for Keras's `fit` and the distributed loop.

A classifier of two classes has one sigmoid output and binary cross-entropy; more classes have a softmax and
sparse categorical cross-entropy. Both paths log the same `loss` and `accuracy`, so history, checkpoints and early
stopping read the same numbers whichever path trained.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import keras

if TYPE_CHECKING:
    from lstmcls.config.schema import TrainConfig


@dataclass(frozen=True)
class Objectives:
    """The loss and the accuracy of a classifier of `num_classes` classes."""

    num_classes: int

    @property
    def binary(self) -> bool:
        return self.num_classes == 2

    @property
    def loss(self) -> str:
        """The Keras name of the loss, which `compile` takes."""
        return "binary_crossentropy" if self.binary else "sparse_categorical_crossentropy"

    def metrics(self) -> list[keras.metrics.Metric]:
        """The metrics `compile` takes: accuracy, logged as `accuracy` and `val_accuracy`."""
        if self.binary:
            return [keras.metrics.BinaryAccuracy(name="accuracy")]
        return [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]

    def per_example_loss(self) -> Callable:
        """(labels, probabilities) → the loss of each example, which the distributed loop sums over replicas."""
        return keras.losses.get(self.loss)

    def per_example_accuracy(self) -> Callable:
        """(labels, probabilities) → 1.0 for each example predicted right, else 0.0."""
        return keras.metrics.binary_accuracy if self.binary else keras.metrics.sparse_categorical_accuracy


def compile_classifier(model: keras.Model, num_classes: int, config: TrainConfig) -> None:
    """Compile `model` with the Adam optimizer of `config` and the objectives of `num_classes` classes."""
    objectives = Objectives(num_classes)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=config.learning_rate, clipnorm=config.clipnorm),
        loss=objectives.loss,
        metrics=objectives.metrics(),
        jit_compile=config.jit_compile,
        steps_per_execution=config.steps_per_execution,
    )
