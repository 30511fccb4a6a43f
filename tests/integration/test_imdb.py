"""Real IMDB: the tfds source from TFDS_DATA_DIR and a few training steps on the shared CSV files."""

import json
from pathlib import Path

import pytest

from conftest import SHARED, cli, needs_shared, write_config
from lstmcls.config.sources import ImdbSource
from lstmcls.data.readers import load_source
from lstmcls.errors import DataError


def test_tfds_source_reads_imdb_offline(imdb_data_dir: Path):
    raw = load_source(ImdbSource(data_dir=imdb_data_dir))
    assert len(raw.train.texts) == 25000 and len(raw.test.texts) == 25000
    assert raw.label_names == ["neg", "pos"] and set(raw.test.labels) == {"neg", "pos"}
    assert raw.fingerprint["tfds"] == "imdb_reviews/plain_text/1.0.0"
    assert any("<br />" in text for text in raw.train.texts[:200])


def test_tfds_source_without_prepared_data_says_how_to_fix(tmp_path: Path):
    with pytest.raises(DataError, match="TFDS_DATA_DIR"):
        load_source(ImdbSource(data_dir=tmp_path))


@needs_shared("train.csv.gz")
def test_a_few_training_steps_on_the_shared_csv(tmp_path: Path):
    config = write_config(
        tmp_path / "imdb_csv.yaml",
        data={"train": str(SHARED / "train.csv.gz"), "test": str(SHARED / "test.csv.gz")},
        vectorizer={"max_tokens": 5000, "max_length": 64},
        train={"epochs": 1, "steps_per_epoch": 5, "batch_size": 32, "baseline": False},  # 40 s of 1-2-grams spared
    )
    result = cli("train", str(config), "--json")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert metrics["examples"] == {"train": 22500, "validation": 2500} and metrics["vocabulary_size"] == 5000
