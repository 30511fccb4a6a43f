"""Multi-label data (`data.multi_label`): label cells read as sets, bad rows, multi-hot encoding, the held-out split."""

from pathlib import Path

import numpy as np
import pytest

from conftest import write_config
from lstmcls.config import load_config
from lstmcls.data.readers import LabelledTexts, label_set, read_csv
from lstmcls.data.splits import Examples, encode, load_splits, stratified_split
from lstmcls.errors import DataError


def test_a_label_cell_is_a_set_in_written_order_without_blanks_or_repeats():
    assert label_set(" sport | music||sport ", "|") == ("sport", "music")
    assert label_set("a;b", ";") == ("a", "b")
    assert label_set(["food", " ", "food", "music"], "|") == ("food", "music")  # a list, as JSON holds one
    assert label_set(" | ", "|") == ()


def test_an_empty_label_set_is_a_bad_row_named_by_file_and_line_or_skipped_and_counted(tmp_path: Path):
    path = tmp_path / "d.csv"
    path.write_text('text,label\nmatch today,sport|music\n"a song\nof two lines", | \nsoup,\nbread,food\n')
    with pytest.raises(DataError, match=r"d.csv: row 2 \(line 4\): empty label set; fix the row or set data.on_bad"):
        read_csv(path, "text", "label", label_separator="|")
    data = read_csv(path, "text", "label", on_bad_rows="skip", label_separator="|")
    assert data.multi_label and data.labels == [("sport", "music"), ("food",)]
    assert data.dropped == {"empty label set": 2}
    assert read_csv(path, "text", "label", on_bad_rows="skip").labels == ["sport|music", "|", "food"]  # one each


def test_label_sets_encode_multi_hot_and_unseen_labels_are_named_or_skipped():
    names = ["food", "music", "sport"]
    data = LabelledTexts(["a", "b", "c"], [("sport", "food"), ("music",), ("music", "jazz")], "t.csv", {}, True)
    with pytest.raises(DataError, match=r"t.csv: label 'jazz' \(1 rows\) is not among the trained classes"):
        encode(data, names)
    examples = encode(data, names, skip=True)
    assert examples.texts == ["a", "b"] and examples.labels.tolist() == [[1, 0, 1], [0, 1, 0]]
    assert data.dropped == {"label not seen in training": 1}


def test_the_held_out_split_takes_each_text_by_its_rarest_label_so_rare_labels_are_validated():
    common = [[1, 0, 0]] * 30 + [[1, 1, 0]] * 10
    rare = [[1, 0, 1]] * 5  # every text with the rare label also has the common one
    examples = Examples([str(i) for i in range(45)], np.array(common + rare, dtype=np.int32))
    train, validation = stratified_split(examples, 0.2, seed=0)
    assert len(train) + len(validation) == 45 and not set(train.texts) & set(validation.texts)
    assert validation.labels[:, 2].sum() == 1 and validation.labels[:, 1].sum() == 2
    assert stratified_split(examples, 0.2, seed=0)[1].texts == validation.texts  # seeded


def test_a_multi_label_config_loads_label_names_from_every_set(tmp_path: Path):
    rows = "".join(f"text {i},{labels}\n" for i, labels in enumerate(["b|a", "c", "a", "b|c"] * 5))
    (tmp_path / "train.csv").write_text("text,label\n" + rows)
    config = load_config(write_config(tmp_path / "m.yaml", data={"multi_label": True, "test": None}))
    splits = load_splits(config)
    assert splits.multi_label and splits.label_names == ["a", "b", "c"]
    assert splits.train.labels.shape[1] == 3 and splits.train.labels.sum(axis=1).min() >= 1
