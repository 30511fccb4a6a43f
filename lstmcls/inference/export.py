"""`export(run, out)`: a TensorFlow SavedModel that takes raw strings (what TensorFlow Serving loads)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import keras
import tensorflow as tf

from lstmcls import runs
from lstmcls.errors import RunError
from lstmcls.models.factory import class_probabilities
from lstmcls.tracking import record_export


def export(run: runs.Run, out: str | Path | None = None, force: bool = False) -> Path:
    """Write a SavedModel whose `serving_default` maps a batch of strings to `probabilities` and `label`.

    Written to a temporary directory first, so `out` is either the old export or a whole new one.
    """
    run.require_complete()
    out = Path(out) if out is not None else run.file(runs.EXPORT)
    occupied = any(out.iterdir()) if out.is_dir() else out.exists()
    if occupied and not force:
        raise RunError(f"{out} already exists; pass --out DIR for another place or --force to replace it")
    model = run.load_model()
    names = tf.constant(run.label_names())

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="texts")])
    def serve(texts: tf.Tensor) -> dict[str, tf.Tensor]:
        probabilities = class_probabilities(model(texts))
        return {"probabilities": probabilities, "label": tf.gather(names, tf.argmax(probabilities, axis=1))}

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
