"""Shared fixtures: tiny learnable CSV data, a tiny config, one trained run reused across tests.

Tests live in two tiers: `tests/unit/<subpackage>/` (fast, in-process) and `tests/integration/` (subprocesses,
signals, several workers, real IMDB, fresh-process round trips), which every test there is marked `slow` for:
`make test-fast` (`pytest -m "not slow"`) runs the unit tier alone.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import optuna
import pytest
import yaml
from click.testing import CliRunner, Result
from PIL import Image

from lstmcls.cli.app import main

ROOT = Path(__file__).resolve().parents[1]  # the project
SHARED = ROOT.parent / "shared" / "datasets" / "imdb"

INTEGRATION = ROOT / "tests" / "integration"


# The integration files, longest first (measured on 2 cores). Test workers take whole files in collection order
# (`--dist loadfile --no-loadscope-reorder` in the Makefile), so the long files start first and the short unit
# files fill the gaps at the end, instead of one long file running alone after everything else has finished.
LONGEST_FIRST = [
    "test_tune_studies.py",
    "test_family_lstm.py",
    "test_family_gru.py",
    "test_workers.py",
    "test_interruption.py",
    "test_explain_models.py",
    "test_fused_run.py",
    "test_language_model_runs.py",
    "test_serve.py",
    "test_subword_runs.py",
    "test_autotune_run.py",
]
# The unit files that take longest, for the same reason (the fast tier is these files alone).
UNIT_LONGEST_FIRST = [
    "test_cli.py",
    "test_vectors.py",
    "test_language_model_start.py",
    "test_language_model.py",
    "test_structure.py",
    "test_fused.py",
    "test_mlflow_logger.py",
    "test_explain_cli.py",
    "test_server.py",
    "test_reports.py",
    "test_pretraining.py",
    "test_model_family.py",
    "test_batch.py",
    "test_session.py",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under tests/integration/ is `slow`: the fast tier leaves them out. Integration files run first,
    the longest of them at the front (LONGEST_FIRST), then the unit files, the longest first (UNIT_LONGEST_FIRST);
    a file's own tests keep their order."""
    for item in items:
        if INTEGRATION in Path(item.fspath).parents:
            item.add_marker(pytest.mark.slow)
    items.sort(key=_run_order)


def _run_order(item: pytest.Item) -> tuple[int, int]:
    path = Path(item.fspath)
    if INTEGRATION not in path.parents:
        return (2, UNIT_LONGEST_FIRST.index(path.name)) if path.name in UNIT_LONGEST_FIRST else (3, 0)
    return (0, LONGEST_FIRST.index(path.name)) if path.name in LONGEST_FIRST else (1, 0)


WORDS = {
    "pos": "good great excellent wonderful loved superb".split(),
    "neg": "bad awful terrible boring hated worst".split(),
    "meh": "okay average fine mediocre passable plain".split(),
}
FILLER = "the movie film plot actor story was and it".split()


def write_csv(path: Path, labels: list[str], rows: int = 80, seed: int = 0, **columns: str) -> Path:
    """A CSV whose label is given away by one sentiment word among filler (tiny models learn it)."""
    text_column, label_column = columns.get("text", "text"), columns.get("label", "label")
    rng = random.Random(seed)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([text_column, label_column])
        for i in range(rows):
            label = labels[i % len(labels)]
            words = [rng.choice(FILLER) for _ in range(rng.randint(3, 12))]
            words.insert(rng.randint(0, len(words)), rng.choice(WORDS.get(label, WORDS["meh"])))
            writer.writerow([" ".join(words) + ", yes!<br />", label])
    return path


def write_config(path: Path, **blocks: dict) -> Path:
    """A tiny config (8-dim embedding, 8 units) with any block replaced by `blocks`."""
    config = {
        "data": {"source": "csv", "train": str(path.parent / "train.csv"), "test": str(path.parent / "test.csv")},
        "vectorizer": {"max_tokens": 60, "max_length": 16},
        "model": {"embedding": {"dim": 8}, "units": 8},
        "train": {"epochs": 3, "batch_size": 8, "learning_rate": 0.02},
        "run": {"dir": str(path.parent / "runs")},
    }
    for key, value in blocks.items():
        config[key] = {**config.get(key, {}), **value}
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A directory with train.csv, test.csv and tiny.yaml (binary neg/pos); returns the config path."""
    write_csv(tmp_path / "train.csv", ["neg", "pos"], rows=80, seed=0)
    write_csv(tmp_path / "test.csv", ["neg", "pos"], rows=20, seed=1)
    return write_config(tmp_path / "tiny.yaml")


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny run trained through the CLI, shared by the eval / predict / export tests."""
    root = tmp_path_factory.mktemp("trained")
    write_csv(root / "train.csv", ["neg", "pos"], rows=80, seed=0)
    write_csv(root / "test.csv", ["neg", "pos"], rows=20, seed=1)
    config = write_config(root / "tiny.yaml")
    result = cli("train", str(config))
    assert result.exit_code == 0, result.output
    (run,) = (root / "runs").iterdir()
    return run


def cli(*args: str, input: str | None = None) -> Result:
    """Run the `lstmcls` command in-process."""
    return CliRunner().invoke(main, list(args), input=input)


def assert_clean_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]


def start(*args: str) -> subprocess.Popen:
    """The `lstmcls` command in a subprocess, for tests that send it signals."""
    return subprocess.Popen(
        [sys.executable, "-m", "lstmcls", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def assert_png(path: Path, min_size: tuple[int, int] = (300, 300)) -> None:
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.size[0] >= min_size[0] and image.size[1] >= min_size[1] and image.size[0] <= 2000


def needs_shared(*parts: str) -> pytest.MarkDecorator:
    path = SHARED.joinpath(*parts)
    return pytest.mark.skipif(not path.exists(), reason=f"shared IMDB data not found at {path}")


@pytest.fixture
def imdb_data_dir() -> Path:
    value = os.environ.get("TFDS_DATA_DIR")
    if not value or not Path(value).is_dir():
        pytest.skip("TFDS_DATA_DIR is not set to a prepared TFDS data dir (make test sets it when ../shared exists)")
    return Path(value)


FRESH_PROCESS_PREDICT = """
import json, sys
import tensorflow as tf
import lstmcls
texts, paths = json.loads(sys.argv[1]), sys.argv[2:]
found = {}
for path in paths:
    model = lstmcls.open_run(path).load_model()  # the Python API alone: no CLI or lstmcls module imported first
    found[path] = model.predict(tf.constant(texts), verbose=0).tolist()
print(json.dumps(found))
"""


def predict_in_fresh_process(runs: list[Path], texts: list[str]) -> dict[Path, list[list[float]]]:
    """Load each run through the Python API in one new Python process and predict `texts` with it.

    The raw model outputs come back (one sigmoid column for two classes). A fresh process is what a notebook
    user has: nothing registered by an earlier import, so a custom layer that only loads after some other
    import fails here.
    """
    result = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS_PREDICT, json.dumps(texts), *map(str, runs)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return {Path(path): values for path, values in json.loads(result.stdout.splitlines()[-1]).items()}


# === Tuning ===

SPACE = {
    "model.units": {"int": [4, 16], "log": True},
    "train.learning_rate": {"float": [0.005, 0.05], "log": True},
    "model.cell": {"choice": ["lstm", "gru"]},
}


@pytest.fixture
def tune_config(tmp_path: Path) -> Path:
    write_csv(tmp_path / "train.csv", ["neg", "pos"], rows=80)
    write_csv(tmp_path / "test.csv", ["neg", "pos"], rows=20, seed=1)
    return write_config(tmp_path / "search.yaml", tune={"space": SPACE}, train={"epochs": 2}, run={"plots": False})


def load_study(tmp_path: Path, name: str = "search") -> optuna.Study:
    return optuna.load_study(study_name=name, storage=f"sqlite:///{tmp_path / 'runs' / 'tune' / name / 'study.db'}")


def finished(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    return study.get_trials(states=(optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED))
