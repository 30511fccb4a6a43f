"""lstmcls's own Keras callbacks: epoch timing, unfreezing the embedding, stopping on request, tracking epochs.

They work alike under Keras's `fit` and the distributed loop (`lstmcls.training.loop`), which honours the same
callback contract.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

import keras

from lstmcls.errors import TrainingInterrupted

if TYPE_CHECKING:
    from lstmcls.tracking import Tracking

log = logging.getLogger("lstmcls")


class EpochTimer(keras.callbacks.Callback):
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


class UnfreezeEmbedding(keras.callbacks.Callback):
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


class StopOnRequest(keras.callbacks.Callback):
    """Leaves `fit` after the batch in progress when a stop was requested; the last epoch's backup stays."""

    def __init__(self, stop: threading.Event) -> None:
        super().__init__()
        self.stop = stop

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.stop.is_set():
            raise TrainingInterrupted("stop requested")


class TrackEpochs(keras.callbacks.Callback):
    """Hands each epoch's metrics (timing included: it runs after `EpochTimer`) to the run's trackers."""

    def __init__(self, tracking: Tracking) -> None:
        super().__init__()
        self.tracking = tracking

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.tracking.epoch(epoch, logs or {})
