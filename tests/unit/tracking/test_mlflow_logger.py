"""MLflow tracking against a real local store (SQLite in a temporary folder), read back with `MlflowClient`: a tiny
training's params, per-epoch metrics, final metrics and artifacts; results added by eval and export; a finished
run logged after the fact with `lstmcls track`."""

import csv
import json
import shutil
from pathlib import Path

import pytest
import yaml
from mlflow.tracking import MlflowClient

from conftest import cli
from lstmcls.config.schema import MlflowConfig
from lstmcls.runs import Run
from lstmcls.runs.compare import flatten
from lstmcls.tracking.mlflow_logger import MlflowLogger


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"


@pytest.fixture(scope="module")
def tracked(store: str, trained: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny run (2 epochs) trained with --track mlflow into `store`."""
    root = tmp_path_factory.mktemp("tracked")
    config = trained.parent.parent / "tiny.yaml"
    overrides = ["train.epochs=2", f"run.dir={root / 'runs'}", f"track.mlflow.uri={store}"]
    done = cli("train", str(config), "--track", "mlflow", *(f"--set={item}" for item in overrides), "--json")
    assert done.exit_code == 0, done.output
    return Path(json.loads(done.stdout)["run"])


def mlflow_run(store: str, run: Path):
    client = MlflowClient(store)
    experiment = client.get_experiment_by_name("lstmcls")
    (found,) = client.search_runs([experiment.experiment_id], f"tags.`lstmcls.run` = '{run.name}'")
    return client, found


def test_params_are_the_flattened_config(store: str, tracked: Path):
    _, found = mlflow_run(store, tracked)
    config = flatten(yaml.safe_load((tracked / "config.yaml").read_text()))
    params = found.data.params
    assert set(params) == set(config)
    assert params["model.units"] == "8" and params["model.cell"] == "lstm" and params["train.epochs"] == "2"
    assert params["track.mlflow.uri"] == store and params["model.head"] == "[]"
    assert found.info.status == "FINISHED" and found.info.run_name == tracked.name


def test_every_epoch_is_one_point_and_the_final_metrics_are_the_runs(store: str, tracked: Path):
    client, found = mlflow_run(store, tracked)
    with open(tracked / "history.csv", newline="") as handle:
        history = list(csv.DictReader(handle))
    assert len(history) == 2
    for metric in ("loss", "accuracy", "val_loss", "val_accuracy"):
        points = client.get_metric_history(found.info.run_id, metric)
        assert [point.step for point in points] == [0, 1], metric
        assert [point.value for point in points] == pytest.approx([float(row[metric]) for row in history])
    validation = json.loads((tracked / "metrics.json").read_text())["validation"]
    assert found.data.metrics["validation_accuracy"] == pytest.approx(validation["accuracy"])
    assert found.data.metrics["epochs"] == 2 and "test_accuracy" not in found.data.metrics


def test_artifacts_are_the_runs_files(store: str, tracked: Path):
    client, found = mlflow_run(store, tracked)
    top = {artifact.path for artifact in client.list_artifacts(found.info.run_id)}
    assert {"config.yaml", "model.keras", "metrics.json", "history.csv", "labels.json", "plots"} <= top
    plots = {artifact.path for artifact in client.list_artifacts(found.info.run_id, "plots")}
    assert "plots/learning_curves.png" in plots and "plots/roc-validation.png" in plots
    recorded = json.loads((tracked / "run.json").read_text())["tracking"]["mlflow"]
    assert recorded == {"uri": store, "experiment": "lstmcls", "run_id": found.info.run_id}
    assert f"MLflow: run {found.info.run_id}" in cli("show", str(tracked)).stdout


def test_eval_and_export_add_test_metrics_and_the_saved_model(store: str, tracked: Path):
    assert cli("eval", "--run", str(tracked)).exit_code == 0
    assert cli("export", "--run", str(tracked)).exit_code == 0
    client, found = mlflow_run(store, tracked)
    test = json.loads((tracked / "eval.json").read_text())
    assert found.data.metrics["test_accuracy"] == pytest.approx(test["accuracy"])
    assert found.info.status == "FINISHED"
    exported = {artifact.path for artifact in client.list_artifacts(found.info.run_id, "export")}
    assert "export/saved_model.pb" in exported
    assert "eval.json" in {artifact.path for artifact in client.list_artifacts(found.info.run_id)}


def test_track_logs_a_finished_run_once(store: str, trained: Path, tmp_path: Path):
    trained = Path(shutil.copytree(trained, tmp_path / trained.name))  # track records itself in run.json
    first = json.loads(cli("track", str(trained), "--uri", store, "--json").stdout)
    assert first["new"] and first["run"] == trained.name
    client, found = mlflow_run(store, trained)
    assert found.info.run_id == first["mlflow_run"] and found.info.status == "FINISHED"
    epochs = json.loads((trained / "metrics.json").read_text())["epochs"]
    assert [point.step for point in client.get_metric_history(found.info.run_id, "val_accuracy")] == list(range(epochs))
    assert "model.keras" in {artifact.path for artifact in client.list_artifacts(found.info.run_id)}
    again = cli("track", str(trained), "--uri", store)
    assert again.exit_code == 0 and "brought up to date" in again.stdout
    client, found = mlflow_run(store, trained)  # still one MLflow run, its history not repeated
    assert len(client.get_metric_history(found.info.run_id, "val_accuracy")) == epochs


def test_a_resumed_run_stays_in_the_store_it_started_in(trained: Path, tmp_path: Path, monkeypatch):
    trained = Path(shutil.copytree(trained, tmp_path / trained.name))
    first = f"sqlite:///{tmp_path / 'first.db'}"
    logged = json.loads(cli("track", str(trained), "--uri", first, "--json").stdout)
    elsewhere = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", elsewhere)
    assert MlflowLogger(MlflowConfig()).uri == elsewhere  # the variable beats the default store
    assert MlflowLogger(MlflowConfig(uri=first)).uri == first  # and the config beats the variable
    resumed = MlflowLogger(MlflowConfig())
    assert resumed.open(Run(trained)) is False  # not a new MLflow run: the one run.json records
    assert (resumed.uri, resumed.run_id) == (first, logged["mlflow_run"])
    assert MlflowClient(first).get_run(resumed.run_id).info.status == "RUNNING"
