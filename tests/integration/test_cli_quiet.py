"""The command line stays quiet and quick: a config error is one line without TensorFlow, and no command shows
TensorFlow's C++ start-up lines (absl, cudart, cuDNN, oneDNN) unless --debug is given."""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from lstmcls.cli import tensorflow_quiet

# What TensorFlow's C++ side writes at start-up: absl-formatted lines ("I0000 00:00:..."), and notices.
START_UP = re.compile(r"^[IWEF]\d{4} |absl::InitializeLog|cuda|cuDNN|cuFFT|cuBLAS|oneDNN|cpu_feature_guard", re.M)


def lstmcls(*args: str) -> tuple[subprocess.CompletedProcess, float]:
    """The command in a fresh process, and the CPU seconds it used (steady when the machine is busy)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "lstmcls", *args], capture_output=True, text=True, timeout=600)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return done, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def test_a_config_error_is_one_line_at_once(tiny: Path):
    done, seconds = lstmcls("train", str(tiny), "--set", "model.unitz=3")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [done.stderr.strip()] and done.stderr.startswith("error: "), done.stderr
    assert "did you mean 'units'" in done.stderr
    assert seconds < 1.0


def test_training_shows_no_tensorflow_start_up_lines(tiny: Path):
    done, _ = lstmcls("train", str(tiny), "--set", "train.epochs=1")
    assert done.returncode == 0, done.stderr
    assert not START_UP.search(done.stderr), done.stderr


def test_commands_that_need_no_tensorflow_never_import_it(tiny: Path, tmp_path: Path):
    run = tmp_path / "runs" / "20000101-000000-broken-000000"
    run.mkdir(parents=True)
    (run / "run.json").write_text('{"status": "failed", "name": "broken", "error": "boom"}')
    commands = [
        ["--help"],
        ["train", "--help"],
        ["init", str(tiny.parent / "train.csv"), "--out", "-"],
        ["train", str(tiny), "--set", "model.unitz=3", "--track", "mlflow"],
        ["runs", "--runs-dir", str(run.parent)],
        ["show", str(run)],
        ["compare", str(run), str(run)],
    ]
    script = (
        "import json, sys\n"
        "from lstmcls.cli import main\n"
        "loaded = []\n"
        f"for args in {commands!r}:\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "    loaded.append([name for name in ('tensorflow', 'mlflow') if name in sys.modules])\n"
        "print(json.dumps(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == [[]] * len(commands)


def test_debug_leaves_tensorflow_alone(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sys, "meta_path", list(sys.meta_path))
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    tensorflow_quiet.configure(debug=False)
    assert any(isinstance(finder, tensorflow_quiet._QuietImport) for finder in sys.meta_path)
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    tensorflow_quiet.configure(debug=True)
    assert not any(isinstance(finder, tensorflow_quiet._QuietImport) for finder in sys.meta_path)


def test_what_a_failed_import_printed_is_shown(capfd: pytest.CaptureFixture):
    with tensorflow_quiet._stderr_captured():
        os.write(2, b"start-up noise\n")
    assert capfd.readouterr().err == ""
    with pytest.raises(ImportError), tensorflow_quiet._stderr_captured():
        os.write(2, b"libcudart.so: cannot open shared object file\n")
        raise ImportError("no TensorFlow")
    assert "libcudart.so" in capfd.readouterr().err
