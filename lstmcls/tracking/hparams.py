"""A run's hyperparameters and final metrics in its TensorBoard logs, so that `tensorboard --logdir runs` compares
runs in its HParams tab.

Written into RUN/logs/, the parent of Keras's `train/` and `validation/` logs: TensorBoard takes each run's
logs folder as one session, with the epoch curves of its subfolders as metrics besides the final ones here.
"""

from __future__ import annotations

import json
from typing import Any

from lstmcls.runs import LOGS, Run
from lstmcls.runs.compare import flat_config

FINAL = "final/"  # the tag prefix of the final metrics (`final/validation_accuracy`, `final/test_accuracy`)


def write_hparams(run: Run, metrics: dict[str, float]) -> None:
    """The run's flattened config as HParams (its trial id the run id) and `metrics` as scalars at step 0."""
    import tensorflow as tf
    from tensorboard.plugins.hparams import api as hp

    hparams = {key: hparam_value(value) for key, value in flat_config(run).items()}
    writer = tf.summary.create_file_writer(str(run.file(LOGS)))
    with writer.as_default():
        hp.hparams(hparams, trial_id=run.id)
        write_scalars(metrics)
    writer.close()


def write_metrics(run: Run, metrics: dict[str, float]) -> None:
    """More final metrics for a run whose HParams are written (the test scores, after `lstmcls eval`)."""
    import tensorflow as tf

    writer = tf.summary.create_file_writer(str(run.file(LOGS)))
    with writer.as_default():
        write_scalars(metrics)
    writer.close()


def write_scalars(metrics: dict[str, float]) -> None:
    import tensorflow as tf

    for name, value in metrics.items():
        tf.summary.scalar(FINAL + name, value, step=0)


def hparam_value(value: Any) -> bool | int | float | str:
    """HParams hold booleans, numbers and text; null and lists are shown as in JSON."""
    return value if isinstance(value, bool | int | float | str) else json.dumps(value)
