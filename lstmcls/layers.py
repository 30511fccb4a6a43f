"""Custom Keras layers, written with `keras.ops` and registered so saved models load back."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="lstmcls")
class TokenWindow(keras.layers.Layer):
    """Cut or pad token ids to `length`, keeping the start or the end of each text.

    `TextVectorization` can only keep the start; on reviews the end (the verdict) matters more.
    Tokens stay left-aligned with zero padding on the right, which masking and cuDNN expect.
    """

    def __init__(self, length: int, keep: str = "end", **kwargs) -> None:
        super().__init__(**kwargs)
        if keep not in ("start", "end"):
            raise ValueError(f"keep must be 'start' or 'end', got {keep!r}")
        self.length = length
        self.keep = keep

    def call(self, ids):
        ids = ops.pad(ids, [[0, 0], [0, self.length]])
        if self.keep == "start":
            return ids[:, : self.length]
        lengths = ops.sum(ops.cast(ops.not_equal(ids, 0), "int32"), axis=1)
        first = ops.maximum(lengths - self.length, 0)
        positions = ops.expand_dims(first, 1) + ops.expand_dims(ops.arange(self.length, dtype="int32"), 0)
        return ops.take_along_axis(ids, ops.cast(positions, ids.dtype), axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.length)

    def get_config(self) -> dict:
        return {**super().get_config(), "length": self.length, "keep": self.keep}
