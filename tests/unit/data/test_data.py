"""Data: CSV reading (gzip, delimiters, integer labels), label encoding, the stratified split, errors."""

from pathlib import Path

import numpy as np
import pytest

from conftest import write_config, write_csv
from lstmcls.config import load_config
from lstmcls.data.readers import LabelledTexts, read_csv
from lstmcls.data.splits import Examples, bucket_bounds, encode, load_splits, stratified_split, to_dataset
from lstmcls.errors import DataError


def test_gzip_csv_with_quotes_newlines_and_custom_columns(tmp_path: Path):
    path = tmp_path / "d.csv.gz"
    write_csv(path, ["neg", "pos"], rows=10, text="review", label="sentiment")
    data = read_csv(path, "review", "sentiment")
    assert len(data.texts) == 10 and set(data.labels) == {"neg", "pos"}


def test_semicolon_delimiter_and_embedded_newlines(tmp_path: Path):
    path = tmp_path / "d.csv"
    path.write_text('t;l\n"line one\nline two; still text";a\nother;b\n', encoding="utf-8")
    data = read_csv(path, "t", "l", ";")
    assert data.texts == ["line one\nline two; still text", "other"] and data.labels == ["a", "b"]


def test_missing_column_names_the_header(tmp_path: Path):
    path = write_csv(tmp_path / "d.csv", ["neg", "pos"], rows=4)
    with pytest.raises(DataError, match=r"no column 'review'; the header has 'text', 'label'"):
        read_csv(path, "review", "label")


def test_empty_text_names_the_row(tmp_path: Path):
    path = tmp_path / "d.csv"
    path.write_text("text,label\nfine,a\n  ,b\n")
    with pytest.raises(DataError, match="row 2 .* empty text"):
        read_csv(path, "text", "label")


def test_missing_file_and_non_utf8(tmp_path: Path):
    with pytest.raises(DataError, match="data file not found"):
        read_csv(tmp_path / "nope.csv", "text", "label")
    path = tmp_path / "latin1.csv"
    path.write_bytes("text,label\ncaf\xe9,a\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8"):
        read_csv(path, "text", "label")


def test_integer_labels_sort_numerically_and_any_number_of_classes(tmp_path: Path):
    write_csv(tmp_path / "train.csv", ["2", "10", "1"], rows=30)
    splits = load_splits(load_config(write_config(tmp_path / "c.yaml", data={"test": None})))
    assert splits.label_names == ["1", "2", "10"]
    assert splits.test is None and sorted(np.unique(splits.validation.labels)) == [0, 1, 2]


def test_unseen_label_in_test_is_an_error(tmp_path: Path):
    write_csv(tmp_path / "train.csv", ["neg", "pos"], rows=20)
    write_csv(tmp_path / "test.csv", ["neg", "meh"], rows=4)
    with pytest.raises(DataError, match="label 'meh' .* not among the trained classes"):
        load_splits(load_config(write_config(tmp_path / "c.yaml")))


def test_single_class_training_data_is_an_error(tmp_path: Path):
    write_csv(tmp_path / "train.csv", ["pos"], rows=10)
    with pytest.raises(DataError, match="single class"):
        load_splits(load_config(write_config(tmp_path / "c.yaml", data={"test": None})))


def test_stratified_split_keeps_class_shares_and_is_seeded():
    labels = np.array([0] * 90 + [1] * 10, dtype=np.int32)
    examples = encode(LabelledTexts([str(i) for i in range(100)], [str(v) for v in labels], "x"), ["0", "1"])
    train, validation = stratified_split(examples, 0.2, seed=3)
    assert len(validation) == 20 and int(validation.labels.sum()) == 2
    assert set(train.texts).isdisjoint(validation.texts) and len(train) + len(validation) == 100
    assert stratified_split(examples, 0.2, seed=3)[1].texts == validation.texts
    assert stratified_split(examples, 0.2, seed=4)[1].texts != validation.texts


def test_stratified_split_refuses_a_class_of_one():
    examples = Examples(["a", "b", "c"], np.array([0, 0, 1], dtype=np.int32))
    with pytest.raises(DataError, match="data.validation"):
        stratified_split(examples, 0.5, seed=0)


def random_ids(rows: int, max_length: int, seed: int = 0) -> np.ndarray:
    """Left-aligned token ids of random lengths (0 to max_length), zero-padded like the vectorizer's output."""
    rng = np.random.default_rng(seed)
    ids = np.zeros((rows, max_length), dtype=np.int64)
    for row, length in enumerate(rng.integers(0, max_length + 1, rows)):
        ids[row, :length] = rng.integers(1, 50, length)
    return ids


def test_bucketed_batches_hold_every_example_once_with_far_less_padding():
    ids, labels = random_ids(500, 64), np.arange(500)
    bucketed = list(to_dataset(ids, labels, 16, shuffle_seed=1, buckets=8))
    plain = list(to_dataset(ids, labels, 16, shuffle_seed=1))
    assert sorted(np.concatenate([y.numpy() for _, y in bucketed])) == list(range(500))
    for x, y in bucketed:  # each row keeps its tokens, in order, left-aligned
        for row, label in zip(x.numpy(), y.numpy()):
            np.testing.assert_array_equal(row[: np.count_nonzero(ids[label])], ids[label][ids[label] != 0])
            assert not row[np.count_nonzero(ids[label]) :].any()
    cells = lambda batches: sum(int(np.prod(x.shape)) for x, _ in batches)  # noqa: E731
    assert cells(bucketed) < 0.7 * cells(plain)
    assert to_dataset(ids, labels, 16, 1, 8).cardinality().numpy() == len(bucketed)
    assert {x.shape[1] + 1 for x, _ in bucketed} <= set(bucket_bounds(np.count_nonzero(ids, axis=1), 8, 64))


def test_bucket_bounds_are_few_fixed_and_cover_the_longest_text():
    lengths = np.count_nonzero(random_ids(1000, 256, seed=3), axis=1)
    bounds = bucket_bounds(lengths, 8, 256)
    assert bounds == sorted(set(bounds)) and len(bounds) <= 8 and bounds[-1] == 257
    assert all(bound % 8 == 0 for bound in bounds[:-1])
    shares = np.bincount(np.searchsorted(bounds, lengths, side="right")) / len(lengths)
    assert shares.max() < 0.25  # about equal shares, not one bucket holding most texts
