"""TensorBoard's HParams: every run's logs hold its config as hyperparameters and its final metrics, which
`tensorboard --logdir runs` compares in its HParams tab (read back here with TensorBoard's own event reader)."""

import json
from pathlib import Path

import pytest
import tensorflow as tf
import yaml
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
from tensorboard.plugins.hparams import plugin_data_pb2

from conftest import cli
from lstmcls.runs.compare import flatten


def summaries(logs: Path) -> list:
    """Every summary value in the event files directly in `logs` (not Keras's train/ and validation/)."""
    return [
        value
        for path in sorted(logs.glob("events.out.tfevents.*"))
        for event in EventFileLoader(str(path)).Load()
        for value in event.summary.value
    ]


def hparams(logs: Path) -> dict:
    (start,) = [
        plugin_data_pb2.HParamsPluginData.FromString(value.metadata.plugin_data.content).session_start_info
        for value in summaries(logs)
        if value.metadata.plugin_data.plugin_name == "hparams"
    ]
    return {name: getattr(value, value.WhichOneof("kind")) for name, value in start.hparams.items()}


def scalars(logs: Path) -> dict[str, float]:
    return {
        value.tag: float(tf.make_ndarray(value.tensor)) for value in summaries(logs) if value.tag.startswith("final/")
    }


def test_a_runs_logs_hold_its_hyperparameters_and_final_metrics(trained: Path):
    found = hparams(trained / "logs")
    config = flatten(yaml.safe_load((trained / "config.yaml").read_text()))
    assert set(found) == set(config)
    assert found["model.cell"] == "lstm" and found["model.units"] == 8 and found["model.bidirectional"] is False
    assert found["train.patience"] == 2 and found["data.validation"] == "null"
    validation = json.loads((trained / "metrics.json").read_text())["validation"]
    final = scalars(trained / "logs")
    assert final["final/validation_accuracy"] == pytest.approx(validation["accuracy"])
    assert final["final/validation_loss"] == pytest.approx(validation["loss"])


def test_eval_adds_the_test_scores(trained: Path):
    assert cli("eval", "--run", str(trained)).exit_code == 0
    test = json.loads((trained / "eval.json").read_text())
    assert scalars(trained / "logs")["final/test_accuracy"] == pytest.approx(test["accuracy"])
