"""One function that makes every Keras object lstmcls saves known to Keras, so a saved run loads anywhere.

Keras finds a custom layer or function by its registered name when it loads a `.keras` file. The registrations
live beside their classes (`@keras.saving.register_keras_serializable`); importing those modules is what makes
them known. `register_custom_objects` imports all of them, so loading a run never depends on what the caller
happened to import first.
"""

from __future__ import annotations

import importlib

# Every module that registers a Keras serializable object.
MODULES = ("lstmcls.data.text", "lstmcls.models.layers", "lstmcls.models.fused")


def register_custom_objects() -> None:
    """Import every module that registers a Keras custom object (cheap after the first call)."""
    for module in MODULES:
        importlib.import_module(module)
