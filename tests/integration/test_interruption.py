"""Interrupted and killed trainings in real subprocesses, resume, and reproducibility of a whole run."""

import json
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_clean_error, cli, start, write_config, write_csv
from lstmcls.runs.run import Run


def slow_config(root: Path, epochs: int = 4) -> Path:
    write_csv(root / "train.csv", ["neg", "pos"], rows=3000)
    write_csv(root / "test.csv", ["neg", "pos"], rows=20, seed=1)
    return write_config(
        root / "slow.yaml",
        vectorizer={"max_tokens": 60, "max_length": 64},
        model={"units": 32},
        train={"epochs": epochs, "batch_size": 8, "patience": None},
    )


def wait_for_epochs(root: Path, epochs: int, process: subprocess.Popen, timeout: float = 240) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for history in (root / "runs").glob("*/history.csv"):
            if len(history.read_text().splitlines()) > epochs:
                return history.parent
        assert process.poll() is None, process.communicate()
        time.sleep(0.1)
    raise AssertionError("training did not reach the epoch in time")


def test_sigint_stops_cleanly_and_resume_finishes_every_epoch(tmp_path: Path):
    config = slow_config(tmp_path)
    process = start("train", str(config))
    run = wait_for_epochs(tmp_path, 1, process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert f"lstmcls train --resume {run}" in stderr and "Traceback" not in stderr
    meta = json.loads((run / "run.json").read_text())
    assert meta["status"] == "interrupted" and (run / "checkpoints" / "backup").is_dir()
    done_before = len((run / "history.csv").read_text().splitlines()) - 1
    assert 1 <= done_before < 4
    assert_clean_error(cli("eval", "--run", str(run)), "interrupted", "--resume")

    resumed = start("train", "--resume", str(run))
    _, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stderr
    assert json.loads((run / "run.json").read_text())["status"] == "complete"
    epochs = [line.split(",")[0] for line in (run / "history.csv").read_text().splitlines()[1:]]
    assert epochs == ["0", "1", "2", "3"]
    assert json.loads((run / "metrics.json").read_text())["epochs"] == 4
    assert cli("eval", "--run", str(run)).exit_code == 0
    assert_clean_error(cli("train", "--resume", str(run)), "already complete")


def test_sigkill_never_leaves_a_run_that_looks_complete_lists_it_as_killed_and_it_resumes(tmp_path: Path):
    process = start("train", str(slow_config(tmp_path, epochs=2)))
    run = wait_for_epochs(tmp_path, 1, process)
    process.kill()
    process.wait()
    assert json.loads((run / "run.json").read_text())["status"] == "running"
    assert_clean_error(cli("eval", "--run", str(run)), "stopped without finishing", "--resume")
    assert_clean_error(cli("predict", "--runs-dir", str(tmp_path / "runs"), "good"), "no complete run")
    (row,) = json.loads(cli("runs", "--runs-dir", str(tmp_path / "runs"), "--json").stdout)
    assert row["status"] == "killed"
    assert "killed" in cli("runs", "--runs-dir", str(tmp_path / "runs")).stdout

    resumed = cli("train", "--resume", str(run))
    assert resumed.exit_code == 0, resumed.output
    (row,) = json.loads(cli("runs", "--runs-dir", str(tmp_path / "runs"), "--json").stdout)
    assert row["status"] == "complete" and row["epochs"] == 2


# XLA over one padded shape (each length bucket would be one more compilation); buckets are covered without XLA.
XLA = ["--set", "train.jit_compile=true", "--set", "train.steps_per_execution=4", "--set", "data.bucketing=0"]


@pytest.mark.parametrize("speed", [[], XLA])
def test_same_config_and_seed_give_identical_weights_and_metrics(tiny: Path, tmp_path: Path, speed: list[str]):
    first, second = (Path(json.loads(cli("train", str(tiny), *speed, "--json").stdout)["run"]) for _ in range(2))
    assert first != second
    metrics = [json.loads((run / "metrics.json").read_text()) for run in (first, second)]
    assert metrics[0]["validation"] == metrics[1]["validation"]
    weights = [Run(run).load_model().get_weights() for run in (first, second)]
    for a, b in zip(weights[0], weights[1], strict=True):
        np.testing.assert_array_equal(a, b)
    meta = json.loads((first / "run.json").read_text())
    assert {"seed", "versions", "platform", "data"} <= set(meta)
    assert (
        meta["data"]["train"]
        == "sha256:" + __import__("hashlib").sha256((tmp_path / "train.csv").read_bytes()).hexdigest()
    )
