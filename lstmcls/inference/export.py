"""`export(run, out)`: a TensorFlow SavedModel that takes raw strings (what TensorFlow Serving loads).

Its `serving_default` decides as `predict` does (the run's `decision.json`), in TensorFlow ops:

- `probabilities`: float32[batch, classes], one column per class (per label for a multi-label run), after the
  run's temperature (`eval.calibrate`);
- `label`: string[batch], the predicted class (of two, by the run's threshold: `eval.threshold`); for a
  multi-label run string[batch, labels], each label's name where it is on and "" where it is off (the label set,
  padded to the number of labels, in label order);
- `multi_hot` (multi-label runs only): int64[batch, labels], 1 where the label is on.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import keras
import tensorflow as tf

from lstmcls import runs
from lstmcls.errors import RunError
from lstmcls.models.factory import class_probabilities
from lstmcls.reporting.decision import EPSILON, Decision
from lstmcls.tracking import record_export


def export(run: runs.Run, out: str | Path | None = None, force: bool = False) -> Path:
    """Write a SavedModel whose `serving_default` maps a batch of strings to `probabilities` and `label` (and
    `multi_hot` for a multi-label run; see the module docstring).

    Written to a temporary directory first, so `out` is either the old export or a whole new one.
    """
    run.require_complete()
    out = Path(out) if out is not None else run.file(runs.EXPORT)
    occupied = any(out.iterdir()) if out.is_dir() else out.exists()
    if occupied and not force:
        raise RunError(f"{out} already exists; pass --out DIR for another place or --force to replace it")
    model = run.load_model()
    names, decision = tf.constant(run.label_names()), run.decision()

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="texts")])
    def serve(texts: tf.Tensor) -> dict[str, tf.Tensor]:
        return _decided(_calibrated(class_probabilities(model(texts)), decision), decision, names)

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serving_default", serve)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    try:
        archive.write_out(str(staging), verbose=False)
        if out.exists():
            shutil.rmtree(out) if out.is_dir() else out.unlink()
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    record_export(run, out)  # into the run's MLflow run, when it has one
    return out


def _decided(probabilities: tf.Tensor, decision: Decision, names: tf.Tensor) -> dict[str, tf.Tensor]:
    """The signature's outputs, decided as `Decision.decide` decides (traced once, with the decision's constants)."""
    if decision.multi_label:
        thresholds = tf.constant(decision.thresholds or 0.5, probabilities.dtype)
        on = probabilities >= thresholds
        return {"probabilities": probabilities, "label": tf.where(on, names, ""), "multi_hot": tf.cast(on, tf.int64)}
    if decision.threshold is not None and probabilities.shape[-1] == 2:  # the second class from its threshold
        chosen = tf.cast(probabilities[:, 1] >= decision.threshold, tf.int64)
    else:
        chosen = tf.argmax(probabilities, axis=1)
    return {"probabilities": probabilities, "label": tf.gather(names, chosen)}


def _calibrated(probabilities: tf.Tensor, decision: Decision) -> tf.Tensor:
    """`Decision.calibrated` in TensorFlow ops: the logits divided by the run's temperature."""
    if decision.temperature == 1.0:
        return probabilities
    clipped = tf.clip_by_value(probabilities, EPSILON, 1 - EPSILON)
    if decision.multi_label:
        return tf.sigmoid((tf.math.log(clipped) - tf.math.log1p(-clipped)) / decision.temperature)
    return tf.nn.softmax(tf.math.log(clipped) / decision.temperature, axis=-1)
