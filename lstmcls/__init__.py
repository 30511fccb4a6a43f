"""lstmcls: recurrent text classifiers from a YAML config.

The Python API behind the `lstmcls` command; import what you need from here::

    from lstmcls import load_config, train, evaluate, predict, export
    run = train(load_config("configs/imdb.yaml", ["train.epochs=2"])).run
    evaluate(run)["accuracy"]

Loading a run registers every Keras custom object lstmcls saves (`models.custom_objects`), so
`open_run(path).load_model()` works in a fresh process whatever was imported before.
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
    "autotune",
    "pretrain",
    "TrainResult",
    "PretrainResult",
    "TuneResult",
    "AutotuneResult",
]

if TYPE_CHECKING:
    from lstmcls.config import load_config
    from lstmcls.inference.evaluation import evaluate
    from lstmcls.inference.export import export
    from lstmcls.inference.prediction import predict
    from lstmcls.interpret.attributions import explain
    from lstmcls.runs.run import Run, open_run
    from lstmcls.tools.autotune import AutotuneResult, autotune
    from lstmcls.tools.inspection import inspect_data
    from lstmcls.tools.own_vectors import train
    from lstmcls.tools.pretraining import PretrainResult, pretrain
    from lstmcls.tools.tuning import TuneResult, tune
    from lstmcls.training.runner import TrainResult, resume

# TensorFlow loads only when one of these is first used, so `lstmcls --help` answers at once.
_LAZY = {
    "load_config": "lstmcls.config",
    "train": "lstmcls.tools.own_vectors",  # the runner's train, after `pretrained: own` is pretrained
    "resume": "lstmcls.training.runner",
    "tune": "lstmcls.tools.tuning",
    "autotune": "lstmcls.tools.autotune",
    "pretrain": "lstmcls.tools.pretraining",
    "explain": "lstmcls.interpret.attributions",
    "inspect_data": "lstmcls.tools.inspection",
    "evaluate": "lstmcls.inference.evaluation",
    "predict": "lstmcls.inference.prediction",
    "export": "lstmcls.inference.export",
    "TrainResult": "lstmcls.training.runner",
    "PretrainResult": "lstmcls.tools.pretraining",
    "TuneResult": "lstmcls.tools.tuning",
    "AutotuneResult": "lstmcls.tools.autotune",
    "Run": "lstmcls.runs.run",
    "open_run": "lstmcls.runs.run",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lstmcls' has no attribute {name!r}")
