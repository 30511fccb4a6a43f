"""The model a server answers with: an lstmcls export, checked and loaded once, and the run it came from.

An lstmcls export is a SavedModel whose `serving_default` maps `texts` (`tf.string[batch]`) to `probabilities`
and `label`, and for a multi-label run also `multi_hot` (`lstmcls.inference.export`). Its signature is read
from `saved_model.pb` before TensorFlow loads anything, so a wrong directory is refused at once with one line.
The run (when the export lies in one, or `--run` named it) gives the class names and is what `:explain` needs:
attributions are taken on the run's Keras model, not on the SavedModel.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from lstmcls import runs
from lstmcls.errors import RunError

if TYPE_CHECKING:
    from lstmcls.interpret.model_parts import ModelParts

SIGNATURE = "serving_default"
INPUT = "texts"
OUTPUTS = ("probabilities", "label")
MULTI_HOT = "multi_hot"  # the output only a multi-label export has


@dataclass
class ServedModel:
    """A loaded export: `predict` for batches of texts, its signatures for TF Serving's metadata."""

    path: Path  # the export directory
    signature_defs: dict[str, Any]  # every signature as TF Serving's metadata JSON spells it
    labels: list[str] | None  # class names in probability order; None for an export outside a run
    run: runs.Run | None  # the run it came from, for :explain
    _function: Any = None  # the loaded `serving_default`
    _parts: ModelParts | None = None  # the run's model taken apart for :explain, loaded by the first one

    def parts(self) -> ModelParts:
        """The run's model for attributions (`lstmcls.interpret.model_parts.ModelParts`): loading takes
        seconds, so the first :explain loads it and the others reuse it (from the one explain thread)."""
        if self._parts is None:
            from lstmcls.interpret.model_parts import ModelParts

            self._parts = ModelParts(self.run)
        return self._parts

    @property
    def multi_label(self) -> bool:
        """Whether the export answers label sets (its signature has `multi_hot`)."""
        return MULTI_HOT in self.signature_defs[SIGNATURE]["outputs"]

    def predict(self, texts: list[str]) -> dict[str, np.ndarray]:
        """`probabilities` (n, classes) float32 and `label` (n,) str for a batch of raw strings; a multi-label
        export's `labels` instead: (n,) lists of the labels that are on, most probable first (as `predict`)."""
        import tensorflow as tf

        outputs = self._function(texts=tf.constant(texts, dtype=tf.string))
        probabilities, labels = outputs["probabilities"].numpy(), outputs["label"].numpy()
        if not self.multi_label:
            return {
                "probabilities": probabilities,
                "label": np.array([label.decode() for label in labels], dtype=object),
            }
        sets = np.empty(len(labels), dtype=object)  # filled one by one: lists of equal length would make a 2-D array
        for i, (padded, row) in enumerate(zip(labels, probabilities)):
            sets[i] = [padded[j].decode() for j in np.argsort(-row, kind="stable") if padded[j]]
        return {"probabilities": probabilities, "labels": sets}


def load_served(run_path: Path | None, model_path: Path | None, runs_dir: Path = Path("runs")) -> ServedModel:
    """The export at `model_path`, or the export of the run `run_path` (the newest complete run by default).

    A run without an export is exported first, to `RUN/export` (where `lstmcls export` writes it).
    """
    if run_path is not None and model_path is not None:
        raise RunError("pass --run RUN or --model EXPORT_DIR, not both")
    if model_path is not None:
        path, run = Path(model_path), _run_around(Path(model_path))
    else:
        run = runs.open_run(run_path, runs_dir)
        path = run.file(runs.EXPORT)
        if not path.exists():
            from lstmcls.inference.export import export

            export(run)
    return load_export(path, run)


def load_export(path: Path, run: runs.Run | None = None) -> ServedModel:
    """Check that `path` is an lstmcls export, then load it."""
    signature_defs = read_signatures(path)
    import tensorflow as tf

    function = tf.saved_model.load(str(path)).signatures[SIGNATURE]
    return ServedModel(path, signature_defs, run.label_names() if run else None, run, function)


def read_signatures(path: Path) -> dict[str, Any]:
    """The SavedModel's signatures as JSON (protobuf's field names, defaults included, as TF Serving prints
    them), checked to be an lstmcls export's."""
    hint = "write one with `lstmcls export` or serve a run with --run RUN"
    if not (path / "saved_model.pb").is_file():
        raise RunError(f"{path} is not an lstmcls export (no saved_model.pb in it); {hint}")
    from google.protobuf import json_format
    from tensorflow.core.protobuf import saved_model_pb2

    saved = saved_model_pb2.SavedModel()
    try:
        saved.ParseFromString((path / "saved_model.pb").read_bytes())
    except Exception as exc:  # a truncated or foreign file: protobuf's DecodeError or anything else
        raise RunError(f"{path}/saved_model.pb cannot be read ({type(exc).__name__}); {hint}") from None
    signatures = saved.meta_graphs[0].signature_def if saved.meta_graphs else {}
    default = signatures.get(SIGNATURE)
    if default is None or set(default.inputs) != {INPUT} or not set(OUTPUTS) <= set(default.outputs):
        raise RunError(
            f"{path} is a SavedModel but not an lstmcls export: its {SIGNATURE} must take {INPUT!r} and "
            f"return {' and '.join(map(repr, OUTPUTS))}; {hint}"
        )
    return {
        name: json_format.MessageToDict(
            signature, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
        )
        for name, signature in signatures.items()
    }


def _run_around(export_dir: Path) -> runs.Run | None:
    """The complete run an export directory lies in (`RUN/export`), if it does."""
    if not (export_dir.parent / runs.META).is_file():
        return None
    run = runs.Run(export_dir.parent)
    return run if run.status == runs.COMPLETE and run.kind == runs.CLASSIFIER else None
