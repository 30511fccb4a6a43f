"""Tracking sessions: a tracker that cannot be reached is a warning, never a failed training; `lstmcls track`,
whose whole point is tracking, says so as a clean error."""

import json
import logging
import socket
from pathlib import Path

import pytest

from conftest import assert_clean_error, cli
from lstmcls.config import load_config
from lstmcls.tracking import with_trackers


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
    assert cli("train", "--resume", str(tiny.parent), "--track", "mlflow").exit_code == 2  # a usage error
