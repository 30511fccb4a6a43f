"""Tracking sessions: a tracker that cannot be reached or written is a warning, never a failed training or eval;
`lstmcls track`, whose whole point is tracking, says so as a clean error; a study that crashes ends FAILED."""

import json
import logging
import shutil
import socket
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from conftest import assert_clean_error, cli
from lstmcls import runs
from lstmcls.config import load_config
from lstmcls.errors import DataError
from lstmcls.tools.tuning import tune
from lstmcls.tracking import Tracking, with_trackers


@pytest.fixture
def closed_port_uri() -> str:
    """An http URI where nothing listens (a port just freed): connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_an_unreachable_tracking_uri_warns_and_the_run_completes(
    tiny: Path, closed_port_uri: str, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.WARNING, logger="lstmcls")
    done = cli("train", str(tiny), "--set", "train.epochs=1", "--set", f"track.mlflow.uri={closed_port_uri}", "--json")
    assert done.exit_code == 0, done.output
    run = Path(json.loads(done.stdout)["run"])
    assert json.loads((run / "run.json").read_text())["status"] == "complete"
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert any(closed_port_uri in message and "tracking is off" in message for message in warnings), warnings
    assert list((run / "logs").glob("events.out.tfevents.*"))  # HParams are written all the same


def test_track_to_an_unreachable_uri_is_a_clean_error(trained: Path, closed_port_uri: str):
    assert_clean_error(cli("track", str(trained), "--uri", closed_port_uri), closed_port_uri, "--uri")


def test_track_option_turns_mlflow_on_and_keeps_the_configs_settings(tiny: Path):
    plain = load_config(tiny)
    assert plain.track.mlflow is None
    assert with_trackers(plain, ["mlflow"]).track.mlflow.experiment == "lstmcls"
    assert with_trackers(plain, []).track.mlflow is None
    configured = load_config(tiny, ["track.mlflow.uri=sqlite:///elsewhere.db", "track.mlflow.experiment=imdb"])
    kept = with_trackers(configured, ["mlflow"]).track.mlflow
    assert (kept.uri, kept.experiment) == ("sqlite:///elsewhere.db", "imdb")
    refused = cli("train", "--resume", str(tiny.parent), "--track", "mlflow")
    assert refused.exit_code == 2 and "cannot change a run being resumed" in refused.stderr, refused.output


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]


def test_hparams_that_cannot_be_written_warn_and_eval_completes(
    trained: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    run = Path(shutil.copytree(trained, tmp_path / trained.name))
    shutil.rmtree(run / "logs")
    (run / "logs").write_text("a file where TensorBoard's folder should be")
    caplog.set_level(logging.WARNING, logger="lstmcls")
    done = cli("eval", "--run", str(run))
    assert done.exit_code == 0, done.output
    assert (run / "eval.json").is_file()
    assert any(f"cannot add the test scores to the HParams of run {run.name}" in w for w in warnings_of(caplog))


def test_unreadable_metrics_after_training_warn_and_the_session_ends(tiny: Path, caplog: pytest.LogCaptureFixture):
    run = runs.create_run(load_config(tiny), {}, {})
    caplog.set_level(logging.WARNING, logger="lstmcls")
    with Tracking(load_config(tiny)).following(run):  # no exception leaves the block
        run.file(runs.METRICS).write_text("{not json")
    assert any(f"cannot write the HParams of run {run.id}" in w for w in warnings_of(caplog)), caplog.text


def test_a_study_that_crashes_ends_its_mlflow_run_failed(tune_config: Path, tmp_path: Path):
    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    config = load_config(tune_config, [f"track.mlflow.uri={store}"])
    (tmp_path / "train.csv").unlink()  # the first trial cannot load its data
    with pytest.raises(DataError):
        tune(config, trials=1, study="crash")
    client = MlflowClient(store)
    experiment = client.get_experiment_by_name("lstmcls").experiment_id
    (study,) = client.search_runs([experiment], "tags.`lstmcls.study` = 'crash' and tags.`lstmcls.kind` = 'study'")
    assert study.info.status == "FAILED"
