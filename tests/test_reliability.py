"""When things go wrong: bad data, interrupted and killed trainings, resume, broken runs, reproducibility."""

import json
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_clean_error, cli, start, write_config, write_csv
from lstmcls.config import load_config
from lstmcls.runs.run import RUNNING, Run, create_run


def no_complete_run(root: Path) -> bool:
    runs = root / "runs"
    return not runs.exists() or all(
        json.loads((r / "run.json").read_text())["status"] != "complete" for r in runs.iterdir()
    )


# === Bad data ===

BAD_ROWS = {
    "empty text": b'text,label\ngood film,pos\n"  ",neg\nbad film,neg\n',
    "empty label": b"text,label\ngood film,pos\nbad film,\nawful,neg\n",
    "missing label": b"text,label\ngood film,pos\nbad film\nawful,neg\n",
    "not UTF-8": b"text,label\ngood film,pos\ncaf\xe9 film,neg\nawful,neg\n",
    "huge row": b"text,label\ngood film,pos\n" + b"x" * 1_000_001 + b",neg\nawful,neg\n",
}
EXPECTED = {
    "empty text": "row 2 (line 3): empty text",
    "empty label": "row 2 (line 3): empty label",
    "missing label": "row 2 (line 3): empty label",
    "not UTF-8": "row 2 (line 3): bytes that are not UTF-8",
    "huge row": "row 2 (line 3): text longer than data.max_text_chars",
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_bad_row_is_an_error_naming_the_row(tmp_path: Path, case: str):
    (tmp_path / "train.csv").write_bytes(BAD_ROWS[case])
    config = write_config(tmp_path / "c.yaml", data={"test": None})
    assert_clean_error(cli("train", str(config)), "train.csv", EXPECTED[case], "data.on_bad_rows: skip")
    assert not (tmp_path / "runs").exists()


def test_skip_policy_drops_and_records_bad_rows(tmp_path: Path):
    good = write_csv(tmp_path / "good.csv", ["neg", "pos"], rows=30).read_bytes()
    (tmp_path / "train.csv").write_bytes(good + b'"",pos\ncaf\xe9,neg\nno label,\n')
    write_csv(tmp_path / "test.csv", ["neg", "pos", "meh"], rows=9)
    config = write_config(tmp_path / "c.yaml", data={"on_bad_rows": "skip"}, train={"epochs": 1})
    result = cli("train", str(config))
    assert result.exit_code == 0, result.output
    (run,) = (tmp_path / "runs").iterdir()
    dropped = json.loads((run / "run.json").read_text())["dropped_rows"]
    assert dropped["train"] == {"empty text": 1, "bytes that are not UTF-8": 1, "empty label": 1}
    assert dropped["test"] == {"label not seen in training": 3}
    report = json.loads(cli("eval", "--run", str(run), "--json").stdout)
    assert report["examples"] == 6 and report["dropped_rows"] == {"label not seen in training": 3}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage", "cannot read"),
        (b"text,label\n", "no usable data rows"),
        (b"review,label\nfine,pos\n", "no column 'text'; the header has 'review', 'label'"),
        (b"text,label\ngood,pos\nfine,pos\n", "single class 'pos'"),
    ],
)
def test_unusable_files(tmp_path: Path, content: bytes, message: str):
    (tmp_path / "train.csv").write_bytes(content)
    assert_clean_error(cli("train", str(write_config(tmp_path / "c.yaml", data={"test": None}))), message)
    assert not (tmp_path / "runs").exists()


def test_unseen_test_label_is_an_error_at_train_and_eval(tmp_path: Path, trained: Path):
    write_csv(tmp_path / "train.csv", ["neg", "pos"], rows=20)
    write_csv(tmp_path / "test.csv", ["neg", "meh"], rows=4)
    assert_clean_error(cli("train", str(write_config(tmp_path / "c.yaml"))), "label 'meh'", "test.csv")
    assert_clean_error(cli("eval", "--run", str(trained), "--data", str(tmp_path / "test.csv")), "label 'meh'")


# === Broken runs ===


def copy_run(run: Path, to: Path) -> Path:
    subprocess.run(["cp", "-r", str(run), str(to)], check=True)
    return to


def test_corrupted_runs_say_what_is_wrong(trained: Path, tmp_path: Path):
    truncated = copy_run(trained, tmp_path / "truncated")
    (truncated / "model.keras").write_bytes((truncated / "model.keras").read_bytes()[:500])
    assert_clean_error(cli("predict", "--run", str(truncated), "good"), "cannot load model.keras", "train it again")
    no_model = copy_run(trained, tmp_path / "no_model")
    (no_model / "model.keras").unlink()
    assert_clean_error(cli("export", "--run", str(no_model)), "model.keras is missing")
    bad_config = copy_run(trained, tmp_path / "bad_config")
    (bad_config / "config.yaml").write_text("model: [")
    assert_clean_error(cli("eval", "--run", str(bad_config)), "config.yaml is unreadable")
    bad_meta = copy_run(trained, tmp_path / "bad_meta")
    (bad_meta / "run.json").write_text("{")
    assert_clean_error(cli("eval", "--run", str(bad_meta)), "run.json is unreadable")
    assert_clean_error(cli("eval", "--run", str(tmp_path)), "not an lstmcls run")


def test_run_ids_never_collide(tiny: Path):
    config = load_config(tiny)
    paths = {create_run(config, {}, {}).path for _ in range(20)}
    assert len(paths) == 20
    assert all(json.loads((p / "run.json").read_text())["status"] == RUNNING for p in paths)


# === Interruption and resume (real training subprocesses) ===


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


def test_sigkill_never_leaves_a_run_that_looks_complete(tmp_path: Path):
    process = start("train", str(slow_config(tmp_path)))
    run = wait_for_epochs(tmp_path, 1, process)
    process.kill()
    process.wait()
    assert json.loads((run / "run.json").read_text())["status"] == "running"
    assert_clean_error(cli("eval", "--run", str(run)), "stopped without finishing", "--resume")
    assert_clean_error(cli("predict", "--runs-dir", str(tmp_path / "runs"), "good"), "no complete run")


# === Reproducibility ===


@pytest.mark.parametrize("speed", [[], ["--set", "train.jit_compile=true", "--set", "train.steps_per_execution=4"]])
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
