"""What a config can name, and what each named part can do: cells, poolings, standardisers and strategies.

This module knows no Keras or TensorFlow, so loading and checking a config stays cheap. The modules that build
the parts attach their builders to these entries (`models.factory`, `data.text`, `training.distribute`), and a
test checks that every entry has one. A new cell is one entry here and one builder there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from lstmcls.registry import Registry

if TYPE_CHECKING:
    from lstmcls.config.schema import ModelConfig


@dataclass(frozen=True)
class Cell:
    cudnn: bool = False  # Keras fuses it into a cuDNN kernel on a GPU when the config allows
    fusable: bool = False  # `models.fused.PooledRecurrent` can run it (model.fuse_pooling)
    traceable: bool = False  # `interpret.gates` can recompute its gates (explain --gates)


@dataclass(frozen=True)
class Pooling:
    sequences: bool = True  # whether the last recurrent layer must return every step
    fusable: bool = False  # `models.fused.PooledRecurrent` can carry it through the time loop


@dataclass(frozen=True)
class Named:
    """A part known by its name and a one-line description (standardisers, strategies)."""

    description: str


CELLS: Registry[Cell] = Registry("cell")
POOLINGS: Registry[Pooling] = Registry("pooling")
STANDARDIZERS: Registry[Named] = Registry("standardizer")
STRATEGIES: Registry[Named] = Registry("strategy")

CELLS.register("lstm")(Cell(cudnn=True, fusable=True, traceable=True))
CELLS.register("gru")(Cell(cudnn=True, fusable=True, traceable=True))
CELLS.register("peephole_lstm")(Cell(traceable=True))
CELLS.register("simple_rnn")(Cell())

POOLINGS.register("last")(Pooling(sequences=False, fusable=True))
POOLINGS.register("mean")(Pooling())
POOLINGS.register("max")(Pooling(fusable=True))
POOLINGS.register("attention")(Pooling())

STANDARDIZERS.register("reviews")(Named("lowercase, HTML tags and punctuation become spaces, apostrophes dropped"))
STANDARDIZERS.register("lower")(Named("lowercase only, punctuation stays attached to words"))
STANDARDIZERS.register("none")(Named("the text as it is (Unicode spaces become plain ones)"))

STRATEGIES.register("default")(Named("one device, Keras fit"))
STRATEGIES.register("mirrored")(Named("every local GPU (else the CPU), one host"))
STRATEGIES.register("multi_worker")(Named("several hosts, the cluster read from TF_CONFIG"))


def described(registry: Registry[Named]) -> str:
    """`name: description; ...` for a config key's description (and so for the docs' key table)."""
    return "; ".join(f"{name}: {registry.get(name).description}" for name in registry.names())


def fusable_names(registry: Registry[Cell] | Registry[Pooling]) -> list[str]:
    return [name for name in registry.names() if registry.get(name).fusable]


def traceable_cells() -> list[str]:
    return [name for name in CELLS.names() if CELLS.get(name).traceable]


def cudnn_blockers(config: ModelConfig) -> list[str]:
    """Why Keras cannot use its fused cuDNN kernel for this config (empty when it can)."""
    if not CELLS.get(config.cell).cudnn:
        return []
    reasons = []
    if config.activation != "tanh":
        reasons.append(f"model.activation is {config.activation!r}, not 'tanh'")
    if config.recurrent_activation != "sigmoid":
        reasons.append(f"model.recurrent_activation is {config.recurrent_activation!r}, not 'sigmoid'")
    if config.recurrent_dropout > 0:
        reasons.append(f"model.recurrent_dropout is {config.recurrent_dropout}, not 0")
    if config.fuse_pooling:
        reasons.append("model.fuse_pooling is true (its last layer runs lstmcls's loop, the faster one on a CPU)")
    return reasons


def fusion_blockers(config: ModelConfig) -> list[str]:
    """Why `model.fuse_pooling` cannot run this config (empty when it can)."""
    cells, poolings = fusable_names(CELLS), fusable_names(POOLINGS)
    reasons = []
    if config.cell not in cells:
        reasons.append(f"model.cell must be one of {', '.join(cells)}, not {config.cell!r}")
    if config.pooling not in poolings:
        reasons.append(f"model.pooling must be one of {', '.join(poolings)}, not {config.pooling!r}")
    if config.recurrent_dropout > 0:
        reasons.append("model.recurrent_dropout must be 0")
    if config.bidirectional and config.merge_mode != "concat":
        reasons.append(f"model.merge_mode must be 'concat', not {config.merge_mode!r}")
    return reasons
