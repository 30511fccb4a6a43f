"""Every data source beyond CSV: JSON Lines and Parquet (shards included), class folders and TFDS datasets by name.

Each is trained on once (2 epochs, 8 units), then evaluated (its test split, and `eval --data` in another format)
and predicted from; each kind of bad input is one line and exit 2.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from conftest import assert_clean_error, cli, write_config
from data_files import examples, write_folder, write_jsonl, write_parquet
from lstmcls.config.sources import JsonlSource
from lstmcls.data.readers import file_format, load_source, read_jsonl

LABELS = ["neg", "pos"]


def config_with(path: Path, data: dict, **blocks: dict) -> Path:
    """conftest's tiny config with its `data` block replaced whole (not merged into the CSV one)."""
    write_config(path, **blocks)
    config = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump({**config, "data": data}), encoding="utf-8")
    return path


def train(config: Path) -> Path:
    result = cli("train", str(config), "--json")
    assert result.exit_code == 0, result.output
    (run,) = (config.parent / "runs").iterdir()
    return run


def evaluated(run: Path, *data: str) -> dict:
    result = cli("eval", "--run", str(run), *(("--data", data[0]) if data else ()), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def predicted(run: Path) -> list[dict]:
    result = cli("predict", "--run", str(run), "a great superb film", "an awful boring film", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# === JSON Lines, in shards ===


@pytest.fixture(scope="module")
def jsonl_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("jsonl")
    rows = examples(root, LABELS, 80)
    for shard in range(3):
        write_jsonl(root / f"train-{shard}.jsonl", rows[shard::3], text="review", label="stars")
    write_jsonl(root / "test.jsonl", examples(root, LABELS, 20, seed=1), text="review", label="stars")
    data = {"source": "jsonl", "train": str(root / "train-*.jsonl"), "test": str(root / "test.jsonl")}
    return train(
        config_with(root / "c.yaml", data={**data, "text_field": "review", "label_field": "stars"}, train={"epochs": 2})
    )


def test_jsonl_shards_train_evaluate_and_predict(jsonl_run: Path):
    meta = json.loads((jsonl_run / "run.json").read_text())
    assert meta["data"]["train"].startswith("sha256:") and meta["data"]["test"].startswith("sha256:")
    metrics = json.loads((jsonl_run / "metrics.json").read_text())
    assert metrics["examples"]["train"] == 72  # all three shards, less the 10 % validation
    assert 0.0 <= evaluated(jsonl_run)["accuracy"] <= 1.0
    parquet = write_parquet(
        jsonl_run.parent.parent / "other.parquet", examples(jsonl_run.parent.parent, LABELS, 12, 2), "review", "stars"
    )
    scored = evaluated(jsonl_run, str(parquet))  # another format, read with the run's names
    assert scored["data"] == str(parquet) and 0.0 <= scored["accuracy"] <= 1.0
    evaluated(jsonl_run, str(jsonl_run.parent.parent / "train-*.jsonl"))  # a glob of shards
    assert (jsonl_run / "eval-train-_.json").is_file()  # named without the glob's *
    assert {found["label"] for found in predicted(jsonl_run)} <= set(LABELS)


def test_jsonl_shard_without_the_field_names_the_file_and_line(jsonl_run: Path):
    root = jsonl_run.parent.parent
    write_jsonl(root / "train-9.jsonl", examples(root, LABELS, 4))  # `text`/`label`, not `review`/`stars`
    try:
        assert_clean_error(cli("train", str(root / "c.yaml")), "train-9.jsonl: line 1: no field 'review'")
    finally:
        (root / "train-9.jsonl").unlink()


def test_jsonl_bad_rows_are_skipped_and_counted(tmp_path: Path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"text": "fine", "label": "a"}\nnot json\n[1]\n{"text": "", "label": "a"}\n{"text": "x"}\n')
    read = read_jsonl(path, "text", "label", on_bad_rows="skip")
    assert read.texts == ["fine"] and sum(read.dropped.values()) == 4 and read.dropped["empty text"] == 1
    with pytest.raises(Exception, match=r"rows.jsonl: line 2: not JSON"):
        read_jsonl(path, "text", "label")


def test_jsonl_label_lists_are_label_sets(tmp_path: Path):
    path = tmp_path / "sets.jsonl"
    path.write_text('{"text": "one", "label": ["a", "b"]}\n{"text": "two", "label": "b|c"}\n')
    read = read_jsonl(path, "text", "label", label_separator="|")
    assert read.multi_label and read.labels == [("a", "b"), ("b", "c")]


def test_a_glob_that_matches_nothing_is_named(tmp_path: Path):
    config = config_with(tmp_path / "c.yaml", data={"source": "jsonl", "train": str(tmp_path / "none-*.jsonl")})
    assert_clean_error(cli("train", str(config)), "no files match", "none-*.jsonl")


# === Parquet, by row group ===


@pytest.fixture(scope="module")
def parquet_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("parquet")
    write_parquet(root / "train.parquet", examples(root, LABELS, 80))  # five row groups
    test = examples(root, LABELS, 20, seed=1)
    write_parquet(root / "test-0.parquet", test[:10])
    write_parquet(root / "test-1.parquet", test[10:])
    data = {"source": "parquet", "train": str(root / "train.parquet"), "test": str(root / "test-*.parquet")}
    return train(config_with(root / "c.yaml", data=data, train={"epochs": 2}))


def test_parquet_trains_evaluates_and_predicts(parquet_run: Path):
    assert json.loads((parquet_run / "metrics.json").read_text())["examples"]["train"] == 72
    assert "2 files" in evaluated(parquet_run)["data"]
    jsonl = write_jsonl(
        parquet_run.parent.parent / "other.jsonl", examples(parquet_run.parent.parent, LABELS, 12, seed=2)
    )
    assert 0.0 <= evaluated(parquet_run, str(jsonl))["accuracy"] <= 1.0
    assert len(predicted(parquet_run)) == 2


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        ("text", list(range(40)), "column 'text' holds int64, not text"),
        ("label", [0.5] * 40, "column 'label' holds double"),
    ],
)
def test_parquet_column_of_the_wrong_type_names_file_and_column(tmp_path: Path, column, values, message):
    path = write_parquet(tmp_path / "bad.parquet", examples(tmp_path, LABELS, 40), replace={column: values})
    config = config_with(tmp_path / "c.yaml", data={"source": "parquet", "train": str(path)})
    assert_clean_error(cli("train", str(config)), "bad.parquet", message)


def test_parquet_bad_rows_name_the_row(tmp_path: Path):
    rows = examples(tmp_path, LABELS, 40)
    path = write_parquet(
        tmp_path / "gap.parquet",
        rows,
        replace={"text": [row["text"] for row in rows[:20]] + [""] + [row["text"] for row in rows[21:]]},
    )
    config = config_with(tmp_path / "c.yaml", data={"source": "parquet", "train": str(path)})
    assert_clean_error(cli("train", str(config)), "gap.parquet: row 21 (row group 2): empty text")


# === Class folders ===


@pytest.fixture(scope="module")
def folder_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("folder")
    write_folder(root / "data" / "train", examples(root, LABELS, 80))
    write_folder(root / "data" / "test", examples(root, LABELS, 20, seed=1))
    data = {"source": "folder", "train": str(root / "data" / "train"), "test": str(root / "data" / "test")}
    return train(config_with(root / "c.yaml", data=data, train={"epochs": 2}))


def test_class_folders_train_evaluate_and_predict(folder_run: Path):
    assert json.loads((folder_run / "labels.json").read_text()) == LABELS
    assert json.loads((folder_run / "run.json").read_text())["data"]["train"].startswith("sha256:")
    assert 0.0 <= evaluated(folder_run)["accuracy"] <= 1.0
    assert evaluated(folder_run, str(folder_run.parent.parent / "data" / "test"))["data"].endswith("test")
    assert len(predicted(folder_run)) == 2


def test_an_empty_class_folder_is_named(tmp_path: Path):
    write_folder(tmp_path / "train", examples(tmp_path, LABELS, 10))
    (tmp_path / "train" / "meh").mkdir()
    config = config_with(tmp_path / "c.yaml", data={"source": "folder", "train": str(tmp_path / "train")})
    assert_clean_error(cli("train", str(config)), "meh: empty class folder")


# === TFDS datasets by name ===


@pytest.fixture(scope="module")
def tfds_dir() -> Path:
    value = os.environ.get("TFDS_DATA_DIR")
    if not value or not (Path(value) / "imdb_reviews").is_dir():
        pytest.skip("TFDS_DATA_DIR does not hold imdb_reviews (make test sets it when ../shared exists)")
    return Path(value)


def test_a_tfds_dataset_by_name_trains_evaluates_and_predicts(tfds_dir: Path, tmp_path: Path):
    data = {
        "source": "tfds",
        "name": "imdb_reviews",
        "data_dir": str(tfds_dir),
        "train_split": "train[:120]",
        "test_split": "test[:40]",
    }
    run = train(config_with(tmp_path / "c.yaml", data=data, train={"epochs": 1}))
    meta = json.loads((run / "run.json").read_text())
    assert meta["data"] == {"tfds": "imdb_reviews/plain_text/1.0.0"}
    assert json.loads((run / "labels.json").read_text()) == LABELS
    assert evaluated(run)["data"] == "imdb_reviews[test[:40]]" and len(predicted(run)) == 2


def test_a_tfds_name_that_does_not_exist_says_which_might(tmp_path: Path):
    data = {"source": "tfds", "name": "imdb_review", "data_dir": str(tmp_path)}
    assert_clean_error(cli("train", str(config_with(tmp_path / "c.yaml", data=data))), "did you mean 'imdb_reviews'")


def test_a_tfds_feature_key_that_does_not_exist_says_which_might(tfds_dir: Path, tmp_path: Path):
    data = {"source": "tfds", "name": "imdb_reviews", "data_dir": str(tfds_dir), "text_key": "txt"}
    assert_clean_error(cli("train", str(config_with(tmp_path / "c.yaml", data=data))), "did you mean 'text'")


# === Formats by name ===


def test_the_format_of_a_file_comes_from_its_name(tmp_path: Path):
    names = {"a.csv": "csv", "a.tsv.gz": "csv", "b.JSONL": "jsonl", "c-*.parquet": "parquet", "d.jsonl.gz": "jsonl"}
    assert {name: file_format(tmp_path / name) for name in names} == names
    assert file_format(tmp_path) == "folder"
    with pytest.raises(Exception, match="cannot tell the format"):
        file_format(tmp_path / "data.xlsx")


def test_eval_data_in_an_unknown_format_is_a_clean_error(jsonl_run: Path, tmp_path: Path):
    (tmp_path / "data.xlsx").write_text("x")
    assert_clean_error(cli("eval", "--run", str(jsonl_run), "--data", str(tmp_path / "data.xlsx")), "cannot tell")


def test_one_shard_set_is_fingerprinted_by_its_contents(tmp_path: Path):
    rows = examples(tmp_path, LABELS, 20)
    write_jsonl(tmp_path / "a-0.jsonl", rows[:10])
    write_jsonl(tmp_path / "a-1.jsonl", rows[10:])
    block = JsonlSource(source="jsonl", train=tmp_path / "a-*.jsonl")
    first = load_source(block).fingerprint["train"]
    assert load_source(block).fingerprint["train"] == first
    write_jsonl(tmp_path / "a-1.jsonl", rows[11:])
    assert load_source(block).fingerprint["train"] != first
