"""Keras metrics lstmcls compiles its classifiers with (`lstmcls.training.objectives`), registered so a saved run,
whose classifier keeps its compile settings, loads anywhere."""

from __future__ import annotations

import keras

from lstmcls.models.factory import class_probabilities


@keras.saving.register_keras_serializable(package="lstmcls")  # clone_model and load_model rebuild it
class MacroF1(keras.metrics.F1Score):
    """The F1 of each class (or label), averaged: `macro_f1`, where a rare class counts as much as a common one.

    Takes what training takes: class ids (a float column for two classes, whose one sigmoid becomes two columns)
    or, with `multi_label`, 0/1 rows scored at 0.5. Its variables are made at once (Keras's F1Score makes them at
    its first update), since the distributed loop updates it inside a replica step, where none can be made.
    """

    def __init__(self, num_classes: int, multi_label: bool = False, name: str = "macro_f1", **kwargs) -> None:
        super().__init__(average="macro", threshold=0.5 if multi_label else None, name=name, **kwargs)
        self.num_classes, self.multi_label = num_classes, multi_label
        self._build((None, num_classes), (None, num_classes))

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        if not self.multi_label:
            ids = keras.ops.cast(keras.ops.reshape(y_true, (-1,)), "int32")
            y_true, y_pred = keras.ops.one_hot(ids, self.num_classes), class_probabilities(y_pred)
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "num_classes": self.num_classes,
            "multi_label": self.multi_label,
        }
