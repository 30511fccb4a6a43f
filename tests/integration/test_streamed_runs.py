"""Training on streamed shards (`data.streaming: true`) through the CLI: a Parquet run evaluated and predicted from,
and a source that cannot stream. (tests/unit/data/test_streaming.py checks the pipeline without training.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import assert_clean_error, cli, write_config
from data_files import examples, write_parquet

LABELS = ["neg", "pos"]


@pytest.fixture(scope="module")
def streamed_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("streamed")
    rows = examples(root, LABELS, 120)
    for shard in range(3):
        write_parquet(root / f"train-{shard}.parquet", rows[shard::3])
    write_parquet(root / "test.parquet", examples(root, LABELS, 20, seed=1))
    data = {"source": "parquet", "train": str(root / "train-*.parquet"), "test": str(root / "test.parquet")}
    config = write_config(root / "streamed.yaml", data={**data, "streaming": True, "shuffle_buffer": 16})
    result = cli("train", str(config), "--set", "train.epochs=2", "--json")
    assert result.exit_code == 0, result.output
    (run,) = (root / "runs").iterdir()
    return run


def test_a_streamed_run_trains_evaluates_and_predicts_like_any_run(streamed_run: Path):
    metrics = json.loads((streamed_run / "metrics.json").read_text())
    assert metrics["examples"]["train"] + metrics["examples"]["validation"] == 120
    assert json.loads((streamed_run / "run.json").read_text())["status"] == "complete"
    evaluated = cli("eval", "--run", str(streamed_run), "--json")
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.stdout)["accuracy"] >= 0.7
    predicted = cli("predict", "--run", str(streamed_run), "a great superb film", "an awful boring film", "--json")
    assert [row["label"] for row in json.loads(predicted.stdout)] == ["pos", "neg"]


def test_streaming_a_source_that_is_not_files_is_one_line_naming_the_key(tmp_path: Path):
    config = write_config(tmp_path / "imdb.yaml", data={"source": "imdb", "streaming": True})
    assert_clean_error(cli("train", str(config)), "streaming")
    assert not (tmp_path / "runs").exists()
