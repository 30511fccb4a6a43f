"""Comparing runs: `lstmcls compare` names exactly the config keys that differ, `lstmcls runs` shows the keys that
vary, filters (`--where`) and sorts (`--sort`); a run whose process is gone lists as `killed`."""

import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import assert_clean_error, assert_png, cli, write_config
from lstmcls import runs
from lstmcls.config import load_config


@pytest.fixture(scope="module")
def pair(trained: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The shared trained run (copied, lstm) and one trained from its config with only model.cell changed (gru),
    side by side in one runs directory."""
    root = tmp_path_factory.mktemp("compare")
    lstm = Path(shutil.copytree(trained, root / "runs" / trained.name))
    config = trained.parent.parent / "tiny.yaml"
    done = cli("train", str(config), "--set", "model.cell=gru", "--set", f"run.dir={root / 'runs'}", "--json")
    assert done.exit_code == 0, done.output
    return lstm, Path(json.loads(done.stdout)["run"])


def test_compare_names_exactly_the_key_that_differs(pair: tuple[Path, Path]):
    lstm, gru = pair
    result = json.loads(cli("compare", str(lstm), str(gru), "--json").stdout)
    assert result["runs"] == [lstm.name, gru.name]
    assert result["config"] == {"model.cell": ["lstm", "gru"]}
    for run, accuracy in zip(pair, result["validation"]["accuracy"]):
        assert accuracy == json.loads((run / "metrics.json").read_text())["validation"]["accuracy"]
    assert all(seconds > 0 for seconds in result["seconds"]) and result["epochs"] == [3, 3]
    table = cli("compare", str(lstm), str(gru)).stdout
    first_cells = [line.split("│")[1].strip() for line in table.splitlines() if line.startswith("│")]
    assert [name for name in first_cells if "." in name] == ["model.cell"], table  # config keys are dotted
    assert "val accuracy" in table and "seconds" in table


def test_compare_draws_learning_and_roc_curves(pair: tuple[Path, Path], tmp_path: Path):
    for run in pair:
        curves = json.loads((run / "plots" / "curves-validation.json").read_text())
        assert len(curves["roc"]["fpr"]) == len(curves["roc"]["tpr"]) >= 2
        assert len(curves["pr"]["recall"]) == len(curves["pr"]["precision"]) >= 2
    done = cli("compare", *map(str, pair), "--png", str(tmp_path / "both.png"))
    assert done.exit_code == 0, done.output
    assert_png(tmp_path / "both.png", (800, 600))  # two rows: learning curves, then ROC and precision-recall


def test_compare_needs_two_runs_that_exist(pair: tuple[Path, Path]):
    assert_clean_error(cli("compare", str(pair[0])), "two runs or more")
    assert_clean_error(cli("compare", str(pair[0]), str(pair[0].parent / "nope")), "run not found")


def test_runs_shows_the_varying_key_filters_and_sorts(pair: tuple[Path, Path]):
    lstm, gru = pair
    runs_dir = str(lstm.parent)
    rows = json.loads(cli("runs", "--runs-dir", runs_dir, "--json").stdout)
    assert [row["config"] for row in rows] == [{"model.cell": "gru"}, {"model.cell": "lstm"}]  # newest first
    assert "model.cell" in cli("runs", "--runs-dir", runs_dir).stdout
    (only,) = json.loads(cli("runs", "--runs-dir", runs_dir, "--where", "model.cell=gru", "--json").stdout)
    assert only["id"] == gru.name and only["config"] == {}  # one run: nothing varies
    both = cli("runs", "--runs-dir", runs_dir, "--where", "model.units=8", "--where", "status=complete", "--json")
    assert len(json.loads(both.stdout)) == 2
    for rate, count in (("2e-2", 2), ("0.020", 2), ("2e-3", 0)):  # YAML reads 2e-2 as text; the configs hold 0.02
        found = cli("runs", "--runs-dir", runs_dir, "--where", f"train.learning_rate={rate}", "--json")
        assert len(json.loads(found.stdout)) == count, rate
    accuracies = [row["val_accuracy"] for row in rows]
    best_first = json.loads(cli("runs", "--runs-dir", runs_dir, "--sort", "val_accuracy", "--json").stdout)
    assert [row["val_accuracy"] for row in best_first] == sorted(accuracies, reverse=True)
    lowest = json.loads(cli("runs", "--runs-dir", runs_dir, "--sort", "model.cell", "--ascending", "--json").stdout)
    assert [row["id"] for row in lowest] == [gru.name, lstm.name]


def test_runs_refuses_a_key_no_run_has(pair: tuple[Path, Path]):
    runs_dir = str(pair[0].parent)
    assert_clean_error(cli("runs", "--runs-dir", runs_dir, "--where", "model.cel=gru"), "did you mean 'model.cell'")
    assert_clean_error(cli("runs", "--runs-dir", runs_dir, "--sort", "nope"), "no run has 'nope'")
    assert_clean_error(cli("runs", "--runs-dir", runs_dir, "--where", "model.cell"), "KEY=VALUE")


def test_a_running_run_whose_process_is_gone_lists_as_killed(tmp_path: Path):
    run = runs.create_run(load_config(write_config(tmp_path / "tiny.yaml")), {}, {})
    assert runs.summarize(run)["status"] == runs.RUNNING  # this process wrote it and lives
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    run.update_meta(pid=gone.pid)
    assert runs.summarize(run)["status"] == runs.KILLED
    (row,) = json.loads(cli("runs", "--runs-dir", str(tmp_path / "runs"), "--json").stdout)
    assert row["status"] == "killed"
    run.update_meta(host=socket.gethostname() + "-elsewhere")  # another host's process: cannot tell, still running
    assert runs.summarize(run)["status"] == runs.RUNNING
    run.update_meta(status=runs.FAILED)
    assert runs.summarize(run)["status"] == runs.FAILED
