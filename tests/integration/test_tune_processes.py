"""`lstmcls tune` in real subprocesses: an interrupted study continues, two workers share one study."""

import json
import signal
import time
from pathlib import Path

import optuna

from conftest import finished, load_study, start


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
    process = start("tune", str(tune_config), "--trials", "4")
    wait_for_complete_trial(tmp_path, process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    done = len(finished(load_study(tmp_path)))
    assert 1 <= done < 4
    again = start("tune", str(tune_config), "--trials", "4")
    _, stderr = again.communicate(timeout=300)
    assert again.returncode == 0, stderr
    study = load_study(tmp_path)
    assert len(finished(study)) == 4
    numbers = [trial.number for trial in study.trials]
    assert len(numbers) == len(set(numbers))


def test_two_workers_share_one_study_without_repeating_a_trial(tune_config: Path, tmp_path: Path):
    storage = f"sqlite:///{tmp_path / 'shared.db'}"
    workers = [start("tune", str(tune_config), "--trials", "4", "--storage", storage) for _ in range(2)]
    for worker in workers:
        _, stderr = worker.communicate(timeout=300)
        assert worker.returncode == 0, stderr
    study = optuna.load_study(study_name="search", storage=storage)
    runs = [trial.user_attrs["run"] for trial in finished(study)]
    assert len(runs) == 4 and len(set(runs)) == 4
    assert len(list((tmp_path / "runs").glob("*-search-trial*"))) == len(study.trials)
