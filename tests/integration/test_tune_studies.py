"""`lstmcls tune` end to end: studies of real trainings, pruning, an interrupted study continuing in a new process,
two worker processes sharing one study."""

import json
import signal
import time
from pathlib import Path

import optuna
import yaml

from conftest import cli, finished, load_study, start, write_config, write_csv


def wait_for_complete_trial(root: Path, process, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for meta in root.glob("runs/*-search-trial*/run.json"):
            if json.loads(meta.read_text()).get("tune"):
                return
        assert process.poll() is None, process.communicate()
        time.sleep(0.2)
    raise AssertionError("no trial finished in time")


def test_interrupted_study_continues_with_the_remaining_trials(tune_config: Path, tmp_path: Path):
    process = start("tune", str(tune_config), "--trials", "3")
    wait_for_complete_trial(tmp_path, process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    done = len(finished(load_study(tmp_path)))
    assert 1 <= done < 3
    again = start("tune", str(tune_config), "--trials", "3")
    _, stderr = again.communicate(timeout=300)
    assert again.returncode == 0, stderr
    study = load_study(tmp_path)
    assert len(finished(study)) == 3
    numbers = [trial.number for trial in study.trials]
    assert len(numbers) == len(set(numbers))


def test_two_workers_share_one_study_without_repeating_a_trial(tune_config: Path, tmp_path: Path):
    storage = f"sqlite:///{tmp_path / 'shared.db'}"
    workers = [start("tune", str(tune_config), "--trials", "2", "--storage", storage) for _ in range(2)]
    for worker in workers:
        _, stderr = worker.communicate(timeout=300)
        assert worker.returncode == 0, stderr
    study = optuna.load_study(study_name="search", storage=storage)
    runs = [trial.user_attrs["run"] for trial in finished(study)]
    assert len(runs) == 2 and len(set(runs)) == 2
    assert len(list((tmp_path / "runs").glob("*-search-trial*"))) == len(study.trials)


def test_four_trials_give_runs_a_best_config_that_trains_and_child_runs_in_mlflow(tune_config: Path, tmp_path: Path):
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = cli("tune", str(tune_config), "--trials", "4", "--track", "mlflow", "--set", f"track.mlflow.uri={store}")
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
    check_child_runs_in_mlflow(store, tmp_path)


def check_child_runs_in_mlflow(store: str, tmp_path: Path) -> None:
    """The study is a parent MLflow run; each trial is a child run with one metric point per epoch."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(store)
    experiment = client.get_experiment_by_name("lstmcls").experiment_id
    (study,) = client.search_runs([experiment], "tags.`lstmcls.kind` = 'study'")
    assert study.info.status == "FINISHED" and study.data.tags["lstmcls.study"] == "search"
    assert {"trials.json", "best.yaml"} <= {artifact.path for artifact in client.list_artifacts(study.info.run_id)}
    assert study.data.metrics["best_value"] == load_study(tmp_path).best_value
    children = client.search_runs([experiment], f"tags.`mlflow.parentRunId` = '{study.info.run_id}'")
    trials = load_study(tmp_path).trials
    assert sorted(child.data.tags["lstmcls.trial"] for child in children) == [str(t.number) for t in trials]
    assert {child.data.tags["lstmcls.run"] for child in children} == {Path(t.user_attrs["run"]).name for t in trials}
    runs = {Path(trial.user_attrs["run"]).name: Path(trial.user_attrs["run"]) for trial in trials}
    for child in children:  # one metric point per epoch the trial trained
        epochs = len((runs[child.data.tags["lstmcls.run"]] / "history.csv").read_text().splitlines()) - 1
        assert len(client.get_metric_history(child.info.run_id, "val_accuracy")) == epochs >= 1


def test_clearly_worse_trials_are_pruned(tmp_path: Path):
    write_csv(tmp_path / "train.csv", ["neg", "pos"], rows=80)
    space = {"train.learning_rate": {"choice": [0.00001, 0.05]}}
    config = write_config(
        tmp_path / "search.yaml",
        train={"epochs": 4, "patience": None},
        data={"test": None},
        tune={"space": space, "startup_trials": 1, "warmup_epochs": 0},
        run={"plots": False},
    )
    assert cli("tune", str(config), "--trials", "6").exit_code == 0
    states = [trial.state for trial in load_study(tmp_path).trials]
    assert optuna.trial.TrialState.PRUNED in states and optuna.trial.TrialState.FAIL not in states
