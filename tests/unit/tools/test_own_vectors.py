"""`model.embedding.pretrained: own`: `train` pretrains vectors on the config's texts first, reuses a pretrain run
made from the same inputs and records which one it used; bad combinations are one-line errors.

(`tests/integration/test_own_vectors_runs.py` trains twice from one pretrain run, and resumes from it.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import assert_clean_error, cli, write_config, write_csv
from lstmcls.config import load_config
from lstmcls.tools.own_vectors import with_own_vectors
from lstmcls.tools.pretraining import pretrain

PRETRAIN = {"min_count": 1, "epochs": 1, "workers": 1}


@pytest.fixture
def own(tmp_path: Path) -> Path:
    """Tiny labelled data and a config whose embedding starts from its own pretrained vectors."""
    write_csv(tmp_path / "train.csv", ["neg", "pos"], rows=80, seed=0)
    write_csv(tmp_path / "test.csv", ["neg", "pos"], rows=20, seed=1)
    model = {"embedding": {"dim": 8, "pretrained": "own"}, "units": 8}
    return write_config(tmp_path / "own.yaml", model=model, pretrain=PRETRAIN, train={"epochs": 1})


def pretrain_runs(runs_dir: Path) -> list[Path]:
    return sorted(p for p in runs_dir.iterdir() if json.loads((p / "run.json").read_text())["kind"] == "pretrain")


def test_train_pretrains_first_and_records_the_pretrain_run(own: Path):
    runs_dir = own.parent / "runs"
    first = cli("train", str(own), "--json")
    assert first.exit_code == 0, first.output
    (vectors,) = pretrain_runs(runs_dir)
    assert vectors.name.split("-", 2)[2].startswith("own-vectors-")  # named after the training config's run
    inputs = json.loads((vectors / "run.json").read_text())["inputs"]
    assert inputs["training_texts"].startswith("sha256:") and inputs["settings"]["dim"] == 8
    classifier = Path(json.loads(first.stdout)["run"])
    recorded = yaml.safe_load((classifier / "config.yaml").read_text())["model"]["embedding"]["pretrained"]
    assert recorded == str(vectors)  # the run names the pretrain run its vectors came from: reproducible
    coverage = json.loads((classifier / "run.json").read_text())["pretrained"]
    assert coverage["vectors"] == f"pretrain run {vectors}" and coverage["vocabulary_coverage"] == 1.0
    # Validation texts stay out: 72 of the 80 rows train, 8 are carved for validation.
    assert json.loads((vectors / "metrics.json").read_text())["corpus"]["texts"] == 72
    assert with_own_vectors(load_config(own)).model.embedding.pretrained == vectors  # the same inputs: reused
    assert pretrain_runs(runs_dir) == [vectors]


def test_other_settings_text_or_data_make_a_new_pretrain_run(own: Path, tmp_path: Path):
    runs_dir = tmp_path / "runs"
    made = [with_own_vectors(load_config(own)).model.embedding.pretrained]
    assert with_own_vectors(load_config(own)).model.embedding.pretrained == made[0]
    made.append(with_own_vectors(load_config(own, ["pretrain.window=2"])).model.embedding.pretrained)
    made.append(with_own_vectors(load_config(own, ["vectorizer.standardize=lower"])).model.embedding.pretrained)
    made.append(with_own_vectors(load_config(own, ["train.seed=7"])).model.embedding.pretrained)  # another split
    (tmp_path / "more.txt").write_text("a good film\nan awful plot\n", encoding="utf-8")
    unlabelled = [f"pretrain.unlabelled={tmp_path / 'more.txt'}"]
    made.append(with_own_vectors(load_config(own, unlabelled)).model.embedding.pretrained)
    write_csv(tmp_path / "train.csv", ["neg", "pos"], rows=80, seed=5)  # the training data changed
    made.append(with_own_vectors(load_config(own)).model.embedding.pretrained)
    assert len(set(made)) == 6 and pretrain_runs(runs_dir) == sorted(made)
    by_command = pretrain(load_config(own, ["pretrain.epochs=2"])).run.path  # what `lstmcls pretrain` makes
    assert with_own_vectors(load_config(own, ["pretrain.epochs=2"])).model.embedding.pretrained == by_command
    assert with_own_vectors(load_config(own, ["model.embedding.pretrained=null"])) == load_config(
        own, ["model.embedding.pretrained=null"]
    )  # any other value: the config as it is


@pytest.mark.parametrize(
    ("overrides", "fragments"),
    [
        (["data.streaming=true", "train.baseline=false"], ["drop data.streaming", "lstmcls pretrain CONFIG"]),
        (["pretrain.dim=16"], ["pretrain.dim is 16", "model.embedding.dim 8"]),
        (["distribute.strategy=multi_worker"], ["every host"]),
    ],
    ids=["streaming", "dims", "multi-worker"],
)
def test_bad_combinations_are_one_line_errors(own: Path, overrides: list[str], fragments: list[str]):
    sets = [arg for override in overrides for arg in ("--set", override)]
    assert_clean_error(cli("train", str(own), *sets), "model.embedding.pretrained: own", *fragments)
    assert not (own.parent / "runs").exists()


def test_runner_train_alone_refuses_an_unresolved_own(own: Path):
    from lstmcls.errors import ConfigError
    from lstmcls.training.runner import train

    with pytest.raises(ConfigError, match="pretrained: own is pretrained before training"):
        train(load_config(own), 0)
