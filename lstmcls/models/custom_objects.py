"""One function that makes every Keras object lstmcls saves known to Keras, so a saved run loads anywhere.

Keras finds a custom layer or function by its registered name when it loads a `.keras` file. The registrations
live beside their classes (`@keras.saving.register_keras_serializable`); importing those modules is what makes
them known. `register_custom_objects` imports all of them, so loading a run never depends on what the caller
happened to import first.
"""

from __future__ import annotations


def register_custom_objects() -> None:
    """Import every module that registers a Keras custom object (cheap after the first call).

    A module that gains a registered object is added here.
    """
    from lstmcls.data import subwords, text  # noqa: F401  (SubwordHashes; TokenWindow, the standardisers)
    from lstmcls.models import fused, layers, metrics  # noqa: F401  (PooledRecurrent; cells, poolings; MacroF1)
