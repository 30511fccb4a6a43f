"""Training on several GPUs or hosts with tf.distribute: the strategy a config names and who the chief is.

`default` keeps Keras's `fit` (XLA, steps_per_execution: the fast path on one device). `mirrored` and
`multi_worker` train through the loop in `lstmcls.training.loop` instead (`Cluster.custom_loop`): Keras 3's `fit`
fails under `MultiWorkerMirroredStrategy` (keras-team/keras#20585, tensorflow/tensorflow#72388).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
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
        """Whether training goes through `lstmcls.training.loop` rather than Keras's `fit`."""
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
