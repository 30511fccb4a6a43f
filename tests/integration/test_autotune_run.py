"""One real `lstmcls train --autotune` on tiny data: it ends within its budget and leaves best.yaml and the best
trial's complete run."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

from conftest import cli, write_config, write_csv
from lstmcls import runs

BUDGET = 45  # seconds: a few tiny trials (7-15 s each on 2 shared cores)
SLACK = 1.15


@pytest.fixture(scope="module")
def autotuned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, float]:
    """One real search through the command, as --json prints it, and the wall time of the command."""
    root = tmp_path_factory.mktemp("autotune")
    write_csv(root / "train.csv", ["neg", "pos"], rows=80, seed=0)
    write_csv(root / "test.csv", ["neg", "pos"], rows=20, seed=1)
    config = write_config(root / "tiny.yaml")
    started = time.monotonic()
    result = cli("train", str(config), "--autotune", f"{BUDGET}s", "--json")
    seconds = time.monotonic() - started
    assert result.exit_code == 0, result.output
    return root, json.loads(result.stdout), seconds  # the trials' epochs stay off stdout


def test_autotune_ends_within_its_budget(autotuned: tuple[Path, dict, float]):
    _, found, wall = autotuned
    assert found["budget_seconds"] == BUDGET
    assert sum(trial["seconds"] for trial in found["trials"]) <= found["seconds"] <= BUDGET * SLACK, found["trials"]
    assert wall <= BUDGET * SLACK + 20  # + start-up: TensorFlow imported, the config read
    assert len(found["trials"]) >= 2  # a search, not one training
    first = found["trials"][0]["params"]  # the config as it is
    assert first["model.units"] == 8 and first["model.cell"] == "lstm" and first["vectorizer.max_length"] == 16


def test_the_final_run_is_the_best_trials_complete_run_of_best_yaml(autotuned: tuple[Path, dict, float]):
    root, found, _ = autotuned
    run = runs.Run(Path(found["run"])).require_complete()
    assert run.meta["status"] == runs.COMPLETE and run.load_model() is not None
    best = Path(found["best_config"])
    assert best == root / "runs" / "tune" / "tiny-autotune-1" / runs.BEST_CONFIG and best.is_file()
    best_trial = found["trials"][found["best_trial"]]
    assert best_trial["state"] == "complete" and Path(best_trial["run"]) == run.path
    assert best_trial["value"] == max(trial["value"] for trial in found["trials"] if trial["state"] == "complete")
    assert found["validation"]["accuracy"] == pytest.approx(best_trial["value"])
    best_config, run_config = yaml.safe_load(best.read_text()), yaml.safe_load(run.file(runs.CONFIG).read_text())
    assert {**run_config, "run": None} == {**best_config, "run": None}  # the run is best.yaml's config, trained
