"""`lstmcls tune`: a study of ordinary runs, pruning, resuming after an interruption, two workers, bad spaces."""

import json
from pathlib import Path

import optuna
import pytest
import yaml

from conftest import assert_clean_error, cli, finished, load_study, write_config, write_csv


def test_four_trials_give_runs_and_a_best_config_that_trains(tune_config: Path, tmp_path: Path):
    result = cli("tune", str(tune_config), "--trials", "4")
    assert result.exit_code == 0, result.output
    study = load_study(tmp_path)
    assert len(finished(study)) == 4
    folder = tmp_path / "runs" / "tune" / "search"
    for name in ("best.yaml", "trials.json", "history.png"):
        assert (folder / name).is_file(), name
    for trial in study.trials:  # every trial is an ordinary run, marked with its study and number
        meta = json.loads((Path(trial.user_attrs["run"]) / "run.json").read_text())
        assert meta["tune"] == {"study": "search", "trial": trial.number, "state": trial.state.name.lower()}
    best = yaml.safe_load((folder / "best.yaml").read_text())
    assert best["model"]["units"] == study.best_params["model.units"] and "tune" not in best
    assert cli("train", str(folder / "best.yaml"), "--set", "train.epochs=1").exit_code == 0
    shown = json.loads(cli("tune", "--show", "search", "--runs-dir", str(tmp_path / "runs"), "--json").stdout)
    assert len(shown["trials"]) == 4 and shown["best_config"].startswith("# Best trial")
    assert "best config" in cli("tune", "--show", "search", "--runs-dir", str(tmp_path / "runs")).stdout


def test_clearly_worse_trials_are_pruned(tmp_path: Path):
    write_csv(tmp_path / "train.csv", ["neg", "pos"], rows=80)
    space = {"train.learning_rate": {"choice": [0.00001, 0.05]}}
    config = write_config(
        tmp_path / "search.yaml",
        train={"epochs": 4, "patience": None},
        data={"test": None},
        tune={"space": space, "startup_trials": 1, "warmup_epochs": 0},
    )
    assert cli("tune", str(config), "--trials", "6").exit_code == 0
    states = [trial.state for trial in load_study(tmp_path).trials]
    assert optuna.trial.TrialState.PRUNED in states and optuna.trial.TrialState.FAIL not in states


@pytest.mark.parametrize(
    ("space", "message"),
    [
        ({"model.unit": {"int": [4, 8]}}, "tune.space.model.unit: unknown key 'model.unit'; did you mean 'units'"),
        ({"model.units": {"int": [8, 4]}}, "tune.space.model.units: low 8 must be below high 4"),
        ({"train.learning_rate": {"float": [0.0, 0.1], "log": True}}, "a log range needs low > 0"),
        ({"model.cell": {"choice": ["lstm", "lstn"]}}, "tune.space.model.cell: model.cell: unknown cell 'lstn'"),
        ({"model.dropout": {"float": [0.0, 1.5]}}, "tune.space.model.dropout: model.dropout"),
        ({"model.units": {"intt": [1, 2]}}, "did you mean 'int'"),
    ],
)
def test_bad_spaces_fail_before_training(tmp_path: Path, space: dict, message: str):
    write_csv(tmp_path / "train.csv", ["neg", "pos"], rows=20)
    config = write_config(tmp_path / "search.yaml", tune={"space": space})
    assert_clean_error(cli("tune", str(config), "--trials", "2"), message)
    assert not list((tmp_path / "runs").glob("*-search-trial*"))
