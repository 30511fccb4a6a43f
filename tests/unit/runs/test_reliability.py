"""When things go wrong: bad data, interrupted and killed trainings, resume, broken runs, reproducibility."""

import json
import subprocess
from pathlib import Path

import pytest

from conftest import assert_clean_error, cli, write_config, write_csv
from lstmcls.config import load_config
from lstmcls.runs.run import RUNNING, create_run


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


# === Reproducibility ===
