"""Configuration: the schema of every key, loading YAML with overrides, and one-line error messages.

Nothing here imports Keras or TensorFlow, so a config error is reported at once.
"""

from lstmcls.config.loading import apply_overrides, load_config, validate
from lstmcls.config.schema import Config

__all__ = ["Config", "apply_overrides", "load_config", "validate"]
