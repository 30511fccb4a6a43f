"""`model.embedding.pretrained: own` over several trainings: a second `lstmcls train` of the same config reuses the
pretrain run the first one made, and an interrupted run resumes from the pretrain run its config.yaml names."""

from __future__ import annotations

import json
from pathlib import Path

import keras
import pytest
import yaml

from conftest import cli, write_config, write_csv
from lstmcls.config import load_config
from lstmcls.errors import TrainingInterrupted


class StopAfterFirstEpoch(keras.callbacks.Callback):
    def on_epoch_end(self, epoch: int, logs=None) -> None:
        raise TrainingInterrupted("stop")  # after BackupAndRestore saved epoch 1


def test_a_resume_and_a_second_train_use_the_first_pretrain_run(tmp_path: Path):
    from lstmcls.tools.own_vectors import train

    write_csv(tmp_path / "train.csv", ["neg", "pos"], rows=80, seed=0)
    write_csv(tmp_path / "test.csv", ["neg", "pos"], rows=20, seed=1)
    model = {"embedding": {"dim": 8, "pretrained": "own"}, "units": 8}
    pretrain = {"min_count": 1, "epochs": 1, "workers": 1}
    own = write_config(tmp_path / "own.yaml", model=model, pretrain=pretrain, train={"epochs": 2, "patience": None})
    runs_dir = tmp_path / "runs"
    with pytest.raises(TrainingInterrupted):
        train(load_config(own), 0, [StopAfterFirstEpoch()])
    kinds = {path: json.loads((path / "run.json").read_text())["kind"] for path in runs_dir.iterdir()}
    (vectors,) = [path for path, kind in kinds.items() if kind == "pretrain"]
    (interrupted,) = [path for path, kind in kinds.items() if kind == "classifier"]

    resumed = cli("train", "--resume", str(interrupted), "--json")
    assert resumed.exit_code == 0, resumed.output
    assert json.loads((interrupted / "run.json").read_text())["pretrained"]["vectors"] == f"pretrain run {vectors}"
    again = cli("train", str(own), "--set", "train.epochs=1", "--json")
    assert again.exit_code == 0, again.output
    second = Path(json.loads(again.stdout)["run"])
    assert yaml.safe_load((second / "config.yaml").read_text())["model"]["embedding"]["pretrained"] == str(vectors)
    assert sorted(runs_dir.iterdir()) == sorted([vectors, interrupted, second])  # no second pretrain run
