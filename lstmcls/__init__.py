"""lstmcls: recurrent text classifiers from a YAML config.

The Python API behind the `lstmcls` command; import what you need from here::

    from lstmcls import load_config, train, evaluate, predict, export
    run = train(load_config("configs/imdb.yaml", ["train.epochs=2"]))
    evaluate(run)["accuracy"]
"""

from typing import TYPE_CHECKING

from lstmcls.errors import ConfigError, DataError, LstmclsError, RunError

__all__ = [
    "ConfigError",
    "DataError",
    "LstmclsError",
    "RunError",
    "Run",
    "open_run",
    "load_config",
    "train",
    "evaluate",
    "predict",
    "export",
    "resume",
    "explain",
    "inspect_data",
    "tune",
    "pretrain",
]

if TYPE_CHECKING:
    from lstmcls.config import load_config
    from lstmcls.evaluation import evaluate
    from lstmcls.explain import explain
    from lstmcls.export import export
    from lstmcls.inspection import inspect_data
    from lstmcls.prediction import predict
    from lstmcls.pretraining import pretrain
    from lstmcls.runs import Run, open_run
    from lstmcls.training import resume, train
    from lstmcls.tuning import tune

# TensorFlow loads only when one of these is first used, so `lstmcls --help` answers at once.
_LAZY = {
    "load_config": "lstmcls.config",
    "train": "lstmcls.training",
    "resume": "lstmcls.training",
    "tune": "lstmcls.tuning",
    "pretrain": "lstmcls.pretraining",
    "explain": "lstmcls.explain",
    "inspect_data": "lstmcls.inspection",
    "evaluate": "lstmcls.evaluation",
    "predict": "lstmcls.prediction",
    "export": "lstmcls.export",
    "Run": "lstmcls.runs",
    "open_run": "lstmcls.runs",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lstmcls' has no attribute {name!r}")
