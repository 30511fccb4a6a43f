"""The run lifecycle: how a run's status ends is written in one place, metrics before `complete`."""

import json
from pathlib import Path

import pytest

from conftest import write_config
from lstmcls import runs
from lstmcls.config import load_config
from lstmcls.errors import TrainingInterrupted
from lstmcls.runs.lifecycle import run_lifecycle


@pytest.fixture
def run(tmp_path: Path) -> runs.Run:
    return runs.create_run(load_config(write_config(tmp_path / "tiny.yaml")), {}, {})


def status(run: runs.Run) -> dict:
    return json.loads(run.file(runs.META).read_text())


def test_complete_is_written_after_the_metrics(run: runs.Run):
    with run_lifecycle(run) as outcome:
        assert status(run)["status"] == runs.RUNNING
        outcome.complete({"validation": {"accuracy": 0.5}})
    assert status(run)["status"] == runs.COMPLETE and "finished" in status(run)
    metrics = json.loads(run.file(runs.METRICS).read_text())
    assert metrics["validation"] == {"accuracy": 0.5} and metrics["seconds"] >= 0


def test_an_error_leaves_a_failed_run_with_the_error(run: runs.Run):
    with pytest.raises(ZeroDivisionError), run_lifecycle(run):
        raise ZeroDivisionError("division by zero")
    assert status(run)["status"] == runs.FAILED and "ZeroDivisionError" in status(run)["error"]
    assert not run.file(runs.METRICS).exists()


def test_work_that_ends_without_metrics_is_a_failure(run: runs.Run):
    with pytest.raises(RuntimeError, match="without its metrics"), run_lifecycle(run):
        pass
    assert status(run)["status"] == runs.FAILED


@pytest.mark.parametrize("signal", [KeyboardInterrupt, TrainingInterrupted])
def test_an_interruption_says_how_to_resume(run: runs.Run, signal: type[BaseException]):
    with pytest.raises(TrainingInterrupted, match="resume with: here"), run_lifecycle(run, "resume with: here"):
        raise signal("stop")
    assert status(run)["status"] == runs.INTERRUPTED
    with pytest.raises(KeyboardInterrupt), run_lifecycle(run):  # no message: the interruption as it came
        raise KeyboardInterrupt
    assert status(run)["status"] == runs.INTERRUPTED


def test_a_resumed_run_is_running_again_without_its_old_error(run: runs.Run):
    run.update_meta(status=runs.FAILED, error="boom", pid=-1)
    with run_lifecycle(run) as outcome:
        assert status(run)["status"] == runs.RUNNING and status(run)["error"] is None
        outcome.complete({})
    assert status(run)["status"] == runs.COMPLETE
