"""Streaming (`data.streaming: true`): the checking pass, the vocabulary, validation carved by hash, the shards each
worker reads, and bad input; without training (tests/integration/test_streaming.py trains)."""

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from conftest import write_config, write_csv
from data_files import examples, write_jsonl
from lstmcls.config import load_config
from lstmcls.data.encoding import training_datasets
from lstmcls.data.splits import load_splits
from lstmcls.data.streaming import Stream, side_of, stream_dataset, stream_splits
from lstmcls.data.text import build_preprocessor
from lstmcls.errors import DataError

LABELS = ["meh", "neg", "pos"]


def shards(tmp_path: Path, count: int = 4, rows: int = 40) -> str:
    for index in range(count):
        write_csv(tmp_path / f"train-{index}.csv", LABELS, rows=rows, seed=index)
    return str(tmp_path / "train-*.csv")


def config(tmp_path: Path, **data):
    return load_config(write_config(tmp_path / "s.yaml", data={"streaming": True, "test": None, **data}))


def texts_of(stream: Stream) -> list[str]:
    return [text for text, _ in stream.rows()]


def test_the_streamed_vocabulary_is_the_in_memory_one_on_the_same_rows(tmp_path: Path):
    validation = write_csv(tmp_path / "validation.csv", LABELS, rows=30, seed=7)
    streamed = config(tmp_path, train=shards(tmp_path), validation=str(validation))
    in_memory = config(tmp_path, train=shards(tmp_path), validation=str(validation), streaming=False)
    vocabularies = [
        build_preprocessor(c.vectorizer, load(c).vocabulary_texts).get_layer("vectorizer").get_vocabulary()
        for c, load in ((streamed, stream_splits), (in_memory, load_splits))
    ]
    assert vocabularies[0] == vocabularies[1] and len(vocabularies[0]) > 10
    splits = stream_splits(streamed)
    assert texts_of(splits.validation) == load_splits(in_memory).validation.texts  # a validation file: the same
    assert splits.fingerprint == load_splits(in_memory).fingerprint


def test_validation_is_carved_by_hash_the_same_rows_on_every_pass_and_in_any_file_order(tmp_path: Path):
    first = stream_splits(config(tmp_path, train=shards(tmp_path), validation_fraction=0.25))
    assert 0 < len(first.validation) < len(first.train)
    carved = texts_of(first.validation)
    assert all(side_of(text, 0.25) == "validation" for text in carved)
    assert not set(carved) & set(texts_of(first.train))  # no text on both sides
    again = stream_splits(config(tmp_path, train=shards(tmp_path), validation_fraction=0.25))
    assert texts_of(again.validation) == carved and np.array_equal(again.validation.labels, first.validation.labels)
    # the same rows in other files, in another order: the same validation set
    other = tmp_path / "other"
    other.mkdir()
    rows = [row for path in sorted(tmp_path.glob("train-*.csv")) for row in _csv_rows(path)][::-1]
    for index in range(2):
        write_jsonl(other / f"part-{index}.jsonl", rows[index::2])
    moved = stream_splits(config(other, source="jsonl", train=str(other / "part-*.jsonl"), validation_fraction=0.25))
    assert Counter(texts_of(moved.validation)) == Counter(carved)


def test_the_pipeline_reads_each_split_in_the_order_of_its_labels(tmp_path: Path):
    splits = stream_splits(config(tmp_path, train=shards(tmp_path)))
    preprocessor = build_preprocessor(load_config(tmp_path / "s.yaml").vectorizer, splits.vocabulary_texts)
    validation = stream_dataset(splits.validation, preprocessor, tmp_path / "ids", batch_size=7)
    labels = np.concatenate([batch_labels.numpy() for _, batch_labels in validation])
    assert labels.tolist() == splits.validation.labels.tolist()  # three classes: class ids
    assert int(validation.cardinality()) == -(-len(splits.validation) // 7)


def test_each_worker_trains_on_its_own_shards_and_together_on_every_row_once(tmp_path: Path):
    loaded = config(tmp_path, train=shards(tmp_path), validation_fraction=0.2)
    splits = stream_splits(loaded, workers=2)
    preprocessor = build_preprocessor(loaded.vectorizer, splits.vocabulary_texts)

    def rows(shard: tuple[int, int]) -> Counter:
        train, _ = training_datasets(preprocessor, splits, loaded, tmp_path / f"ids-{shard}", shard)
        return Counter((tuple(ids), int(label)) for batch in train for ids, label in zip(*map(np.asarray, batch)))

    whole, first, second = rows((1, 0)), rows((2, 0)), rows((2, 1))
    assert sum(whole.values()) == len(splits.train)
    assert first + second == whole and first and second
    assert splits.train.files[0::2] != splits.train.files[1::2]


def test_the_sample_is_bounded_seeded_and_drawn_from_every_shard(tmp_path: Path):
    data = {"train": shards(tmp_path, rows=60), "sample_rows": 50}
    sample = stream_splits(config(tmp_path, **data)).train.sample
    assert len(sample) == 50 and stream_splits(config(tmp_path, **data)).train.sample == sample
    per_file = {path.name: {row["text"] for row in _csv_rows(path)} for path in tmp_path.glob("train-*.csv")}
    assert all(set(sample) & texts for texts in per_file.values())  # not only the first file's rows


def test_bad_rows_stop_the_checking_pass_naming_the_shard_and_line_or_are_counted(tmp_path: Path):
    pattern = shards(tmp_path, count=2)
    with open(tmp_path / "train-1.csv", "a") as handle:
        handle.write(",pos\n")
    with pytest.raises(DataError, match=r"train-1.csv: row 41 \(line 42\): empty text; fix the row or set data.on"):
        stream_splits(config(tmp_path, train=pattern))
    splits = stream_splits(config(tmp_path, train=pattern, on_bad_rows="skip"))
    assert splits.dropped == {"train": {"empty text": 1}} and len(splits.train) + len(splits.validation) == 80


def test_a_label_the_training_files_lack_in_a_validation_file_is_named_or_skipped(tmp_path: Path):
    validation = tmp_path / "validation.csv"
    validation.write_text("text,label\ngood film,pos\nodd film,weird\n")
    with pytest.raises(DataError, match=r"validation.csv: label 'weird' is not among the trained classes"):
        stream_splits(config(tmp_path, train=shards(tmp_path, count=1), validation=str(validation)))
    splits = stream_splits(
        config(tmp_path, train=shards(tmp_path, count=1), validation=str(validation), on_bad_rows="skip")
    )
    assert texts_of(splits.validation) == ["good film"] and splits.validation.labels.tolist() == [2]


def test_fewer_shards_than_workers_a_glob_matching_nothing_and_one_class_are_clean_errors(tmp_path: Path):
    with pytest.raises(DataError, match=r"1 file\(s\) for 2 workers; .* at least 2 shards"):
        stream_splits(config(tmp_path, train=shards(tmp_path, count=1)), workers=2)
    with pytest.raises(DataError, match=r"no files match .*nothing-\*.csv"):
        stream_splits(config(tmp_path, train=str(tmp_path / "nothing-*.csv")))
    write_csv(tmp_path / "one.csv", ["pos"], rows=10)
    with pytest.raises(DataError, match=r"single class 'pos'"):
        stream_splits(config(tmp_path, train=str(tmp_path / "one.csv")))


def test_multi_label_rows_stream_as_multi_hot_targets(tmp_path: Path):
    rows = examples(tmp_path, LABELS, 60)
    for index, row in enumerate(rows):
        row["label"] = f"{row['label']}|extra" if index % 3 == 0 else row["label"]
    write_jsonl(tmp_path / "ml-0.jsonl", rows[:30])
    write_jsonl(tmp_path / "ml-1.jsonl", rows[30:])
    loaded = config(tmp_path, source="jsonl", train=str(tmp_path / "ml-*.jsonl"), multi_label=True)
    splits = stream_splits(loaded)
    assert splits.label_names == ["extra", *LABELS] and splits.train.labels.shape[1] == 4
    preprocessor = build_preprocessor(loaded.vectorizer, splits.vocabulary_texts)
    validation = stream_dataset(splits.validation, preprocessor, tmp_path / "ids", 8)
    targets = np.concatenate([labels.numpy() for _, labels in validation])
    assert targets.tolist() == splits.validation.labels.astype("float32").tolist()


def _csv_rows(path: Path) -> list[dict[str, str]]:
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
