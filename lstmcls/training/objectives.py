"""What training minimises and reports, built in one place for Keras's `fit` and the distributed loop.

A classifier of two classes has one sigmoid output and binary cross-entropy; more classes have a softmax and
sparse categorical cross-entropy; a multi-label classifier has one sigmoid per label and binary cross-entropy
averaged over its labels (its `accuracy` is the share of labels right, and `macro_f1` the F1 of each label at
0.5, averaged). Both paths log the same `loss` and `accuracy`, so history, checkpoints and early
stopping read the same numbers whichever path trained.

Every run can also report `macro_f1`, and a run of two classes `roc_auc` and `pr_auc` (Keras's AUC over 200
thresholds), for training and validation (`val_...`): any of them can pick the kept epoch (`train.monitor`) or
score a trial (`tune.metric`). They are built only when one of those reads them, so a run that does not read them
does not update them every batch; the final validation and test scores hold them all anyway. A name the run
cannot report is refused before the run starts. Class weights (`train.class_weight`) scale each
example's loss, as `fit(class_weight=...)` does (its metrics stay unweighted); the distributed loop applies the
same weights.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import keras
import numpy as np

from lstmcls.errors import ConfigError
from lstmcls.models.metrics import MacroF1
from lstmcls.registry import did_you_mean

if TYPE_CHECKING:
    from lstmcls.config.schema import Config, TrainConfig
    from lstmcls.data.splits import Splits


@dataclass(frozen=True)
class Objectives:
    """The loss, metrics and class weights of a classifier of `num_classes` classes (or labels, when
    `multi_label`)."""

    num_classes: int
    multi_label: bool = False
    class_weights: tuple[float, ...] | None = None  # one per class, in class order; None: every example weighs 1
    monitored: frozenset[str] = frozenset()  # the validation metrics read each epoch (train.monitor, tune.metric)

    @property
    def binary(self) -> bool:
        """Whether every output is a sigmoid scored on its own: two classes, or a multi-label classifier."""
        return self.num_classes == 2 or self.multi_label

    @property
    def loss(self) -> str:
        """The Keras name of the loss, which `compile` takes."""
        return "binary_crossentropy" if self.binary else "sparse_categorical_crossentropy"

    def metrics(self) -> list[keras.metrics.Metric]:
        """The metrics `compile` takes (and the distributed loop updates): `accuracy`, and those of the optional
        ones something monitors; logged for training and, prefixed `val_`, for validation."""
        accuracy = keras.metrics.BinaryAccuracy if self.binary else keras.metrics.SparseCategoricalAccuracy
        optional = [build() for name, build in self._optional().items() if f"val_{name}" in self.monitored]
        return [accuracy(name="accuracy"), *optional]

    def _optional(self) -> dict[str, Callable[[], keras.metrics.Metric]]:
        """The metrics built on demand, by name: macro F1, and for two classes the areas under ROC and PR."""
        found = {"macro_f1": lambda: MacroF1(self.num_classes, multi_label=self.multi_label)}
        if self.num_classes == 2 and not self.multi_label:
            found["roc_auc"] = lambda: keras.metrics.AUC(curve="ROC", name="roc_auc")
            found["pr_auc"] = lambda: keras.metrics.AUC(curve="PR", name="pr_auc")
        return found

    def reportable(self) -> list[str]:
        """The validation metrics an epoch can log, by the names `train.monitor` and `tune.metric` use."""
        return ["val_loss", "val_accuracy", *(f"val_{name}" for name in self._optional())]

    def class_weight(self) -> dict[int, float] | None:
        """The class weights as Keras's `fit` takes them (class id → weight)."""
        return dict(enumerate(self.class_weights)) if self.class_weights is not None else None

    def sample_weights(self, labels):
        """Each example's weight (its class's, else 1): what the distributed loop scales its losses by."""
        first = keras.ops.reshape(labels, (keras.ops.shape(labels)[0], -1))[:, 0]  # the class id, or its 0/1 column
        if self.class_weights is None:
            return keras.ops.ones_like(first, dtype="float32")
        weights = keras.ops.convert_to_tensor(self.class_weights, dtype="float32")
        return keras.ops.take(weights, keras.ops.cast(first, "int32"))

    def per_example_loss(self) -> Callable:
        """(labels, probabilities) → the loss of each example, which the distributed loop sums over replicas."""
        return keras.losses.get(self.loss)


def compile_classifier(model: keras.Model, objectives: Objectives, config: TrainConfig) -> None:
    """Compile `model` with the Adam optimizer of `config`, the loss and the metrics of `objectives`."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=config.learning_rate, clipnorm=config.clipnorm),
        loss=objectives.loss,
        metrics=objectives.metrics(),
        jit_compile=config.jit_compile,
        steps_per_execution=config.steps_per_execution,
    )


def objectives_for(config: Config, splits: Splits, also_monitored: dict[str, str] | None = None) -> Objectives:
    """The objectives of a run on `splits`, its class weights from `train.class_weight`; `train.monitor`, the
    metrics in `also_monitored` (config key → validation metric a callback reads, e.g. a tuner's `tune.metric`)
    and `eval.threshold` are checked against what the run can report (before the run exists, so nothing is left
    behind).

    Raises:
        ConfigError: a class weight for a label the data lacks, a monitor the run cannot report, a threshold
            goal for more than two classes.
    """
    names = splits.label_names
    weights = class_weights(config.train.class_weight, splits.train.labels, names, splits.multi_label)
    monitored = {"train.monitor": config.train.monitor, **(also_monitored or {})}
    objectives = Objectives(len(names), splits.multi_label, weights, frozenset(monitored.values()))
    for key, name in monitored.items():
        check_reported(objectives, key, name)
    if config.eval.threshold is not None and not objectives.binary:  # two classes, or each label of a label set
        raise ConfigError(
            f"eval.threshold applies to two classes, and the data has {len(names)}; drop eval.threshold "
            "(more classes take the most probable one)"
        )
    if config.eval.calibrate and splits.multi_label:
        raise ConfigError(
            "eval.calibrate fits one temperature to a softmax (or two classes' sigmoid), not to data.multi_label's "
            "label sets; drop eval.calibrate (each label's threshold is chosen on validation anyway)"
        )
    return objectives


def class_weights(
    setting: str | dict[str, float] | None, labels: np.ndarray, names: list[str], multi_label: bool = False
) -> tuple[float, ...] | None:
    """One weight per class: `balanced` gives class c the weight n / (classes × count of c) in `labels` (the
    training split; scikit-learn's rule), so every class adds the same total to the loss; a mapping gives its
    labels their weights and the others 1."""
    if setting is None:
        return None
    if multi_label:
        raise ConfigError("train.class_weight applies to one label per text, not data.multi_label; drop it")
    if setting == "balanced":
        counts = np.bincount(labels, minlength=len(names))
        return tuple(float(len(labels) / (len(names) * max(count, 1))) for count in counts)
    unknown = [label for label in setting if label not in names]
    if unknown:
        raise ConfigError(f"train.class_weight: unknown label {unknown[0]!r}; {did_you_mean(unknown[0], names)}")
    return tuple(setting.get(name, 1.0) for name in names)


def check_reported(objectives: Objectives, key: str, name: str) -> None:
    """Refuse a validation metric (`train.monitor`, `tune.metric`) the run cannot log, naming those it can."""
    reported = objectives.reportable()
    if name not in reported:
        kind = f"{objectives.num_classes} {'labels' if objectives.multi_label else 'classes'}"
        raise ConfigError(f"{key}: a run on {kind} does not report {name!r}; {did_you_mean(name, reported)}")
