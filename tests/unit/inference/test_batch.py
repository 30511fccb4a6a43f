"""`lstmcls predict --data FILE --out FILE` (`predict_file`): every input format to every output format, shards,
the input's columns kept, the same answers as `predict`, and bad input refused with nothing left at --out."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import assert_clean_error, cli
from data_files import examples
from lstmcls import runs
from lstmcls.inference.batch import predict_file, replacing
from lstmcls.inference.prediction import predict, predict_probabilities
from lstmcls.inference.records import WRITERS, Layout
from lstmcls.reporting.decision import Decision

ROWS = 20


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    """Unlabelled rows: a text, an id and a note, as an input to label would have them."""
    found = examples(tmp_path_factory.mktemp("rows"), ["neg", "pos"], rows=ROWS, seed=3)
    return [{"text": row["text"], "id": i, "note": f"n{i}"} for i, row in enumerate(found)]


@pytest.fixture(scope="module")
def expected(trained: Path, rows: list[dict]) -> list:
    """`predict`'s answers for the rows' texts."""
    return predict(runs.open_run(trained), [row["text"] for row in rows])


def write_rows(path: Path, rows: list[dict]) -> Path:
    """`rows` as the file `path` names: .csv, .tsv(.gz), .jsonl(.gz) or .parquet."""
    name = path.name.removesuffix(".gz")
    if name.endswith(".parquet"):
        pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=8)
        return path
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8", newline="") as handle:
        if name.endswith(".jsonl"):
            handle.writelines(json.dumps(row) + "\n" for row in rows)
        else:
            writer = csv.DictWriter(handle, list(rows[0]), delimiter="\t" if name.endswith(".tsv") else ",")
            writer.writeheader()
            writer.writerows(rows)
    return path


def read_rows(path: Path) -> list[dict]:
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def assert_as_predicted(found: list[dict], rows: list[dict], expected: list) -> None:
    """Each input row kept, in order, with `predict`'s label and probabilities added."""
    assert len(found) == len(rows) == len(expected)
    for got, row, answer in zip(found, rows, expected):
        assert got["text"] == row["text"] and str(got["id"]) == str(row["id"]) and got["note"] == row["note"]
        assert got["predicted_label"] == answer.label
        for name, probability in answer.probabilities.items():
            assert abs(float(got[f"p_{name}"]) - probability) < 1e-6


@pytest.mark.parametrize(
    "source, target",
    [
        ("in.csv", "out.jsonl"),
        ("in.tsv.gz", "out.parquet"),
        ("in.jsonl", "out.csv"),
        ("in.jsonl.gz", "out.parquet"),
        ("in.parquet", "out.csv"),
        ("in.parquet", "out.jsonl"),
    ],
)
def test_every_format_in_and_out_keeps_the_columns_and_answers_as_predict(
    trained: Path, tmp_path: Path, rows: list[dict], expected: list, source: str, target: str
):
    result = predict_file(runs.open_run(trained), write_rows(tmp_path / source, rows), tmp_path / target)
    assert (result.rows, result.files, result.out) == (ROWS, 1, tmp_path / target)
    assert_as_predicted(read_rows(tmp_path / target), rows, expected)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([source, target])  # no partial file left


def test_parquet_keeps_its_types_and_writes_a_row_group_per_chunk(trained: Path, tmp_path: Path, rows: list[dict]):
    source = write_rows(tmp_path / "in.parquet", rows)
    predict_file(runs.open_run(trained), source, tmp_path / "out.parquet", chunk_rows=8)
    written = pq.ParquetFile(tmp_path / "out.parquet")
    assert written.num_row_groups == 3  # 20 rows, 8 at a time
    assert written.schema_arrow.field("id").type == pa.int64()
    assert written.schema_arrow.field("p_pos").type == pa.float64()
    assert written.schema_arrow.names == ["text", "id", "note", "predicted_label", "p_neg", "p_pos"]


def test_a_glob_of_shards_is_read_in_sorted_order(trained: Path, tmp_path: Path, rows: list[dict]):
    for number, part in enumerate([rows[:7], rows[7:9], rows[9:]]):
        write_rows(tmp_path / f"part-{2 - number}.jsonl", part)  # part-2 holds the first rows: order is by name
    result = cli(
        "predict",
        "--run",
        str(trained),
        "--data",
        str(tmp_path / "part-*.jsonl"),
        "--out",
        str(tmp_path / "o.csv"),
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"] == ROWS and json.loads(result.stdout)["files"] == 3
    by_name = rows[9:] + rows[7:9] + rows[:7]
    assert_as_predicted(
        read_rows(tmp_path / "o.csv"), by_name, predict(runs.open_run(trained), [r["text"] for r in by_name])
    )


def test_blank_texts_keep_their_rows(trained: Path, tmp_path: Path, rows: list[dict]):
    lines = [{"text": "good great film", "id": 1}, {"text": "", "id": 2}, {"text": None, "id": 3}]
    source = write_rows(tmp_path / "in.jsonl", lines)
    predict_file(runs.open_run(trained), source, tmp_path / "out.jsonl", text_column="text")
    found = read_rows(tmp_path / "out.jsonl")
    assert [row["id"] for row in found] == [1, 2, 3] and all(row["predicted_label"] in {"neg", "pos"} for row in found)


def test_the_run_decision_decides(trained: Path, tmp_path: Path, rows: list[dict]):
    """With a temperature and a threshold, the file's labels are still `predict`'s, which the decision changes."""
    run = runs.Run(shutil.copytree(trained, tmp_path / "run", ignore=shutil.ignore_patterns("export", "logs")))
    texts = [row["text"] for row in rows]
    calibrated = Decision(temperature=2.0).calibrated(predict_probabilities(run.load_model(), texts))[:, 1]
    threshold = float(np.median(calibrated))
    runs.write_json(run.file(runs.DECISION), Decision(temperature=2.0, threshold=threshold).to_json())
    expected = predict(run, texts)
    assert [p.label for p in expected] == ["pos" if p >= threshold else "neg" for p in calibrated]
    predict_file(run, write_rows(tmp_path / "in.csv", rows), tmp_path / "out.csv")
    assert_as_predicted(read_rows(tmp_path / "out.csv"), rows, expected)


def test_a_label_set_is_joined_in_csv_and_a_list_elsewhere(tmp_path: Path):
    layout = Layout(["text"], ["music", "sport"], multi_label=True, separator="|")
    record = {"text": "a match", "predicted_label": ["sport", "music"], "p_music": 0.6, "p_sport": 0.9}
    for suffix in (".csv", ".jsonl", ".parquet"):
        with WRITERS.get(suffix)(tmp_path / f"out{suffix}", layout) as writer:
            writer.write([record])
        (found,) = read_rows(tmp_path / f"out{suffix}")
        assert found["predicted_label"] == ("sport|music" if suffix == ".csv" else ["sport", "music"])


# === Bad input ===


def test_bad_input_is_one_line_and_leaves_nothing(trained: Path, tmp_path: Path, rows: list[dict]):
    run = ["predict", "--run", str(trained)]
    out = tmp_path / "out" / "o.csv"
    good = write_rows(tmp_path / "a-1.csv", rows)
    write_rows(tmp_path / "a-2.csv", [{"body": "x", "id": 1}])
    (tmp_path / "lines.jsonl").write_text('{"text": "good"}\n[1, 2]\n', encoding="utf-8")
    write_rows(tmp_path / "numbers.parquet", [{"text": 1, "id": 2}])
    write_rows(tmp_path / "labelled.csv", [{"text": "good", "predicted_label": "pos"}])
    cases = [
        (["--data", str(tmp_path / "none-*.csv")], ["no files match", "none-*.csv"]),
        (["--data", str(tmp_path / "a-*.csv")], ["a-2.csv", "no column 'text'", "'body', 'id'"]),
        (["--data", str(tmp_path / "numbers.parquet")], ["numbers.parquet", "'text' holds int64, not text"]),
        (["--data", str(tmp_path / "lines.jsonl")], ["lines.jsonl: line 2 is a JSON list, not an object"]),
        (["--data", str(tmp_path / "labelled.csv")], ["labelled.csv", "already has 'predicted_label'"]),
        (["--data", str(good), "--text-column", "body"], ["a-1.csv", "no column 'body'"]),
    ]
    for options, fragments in cases:
        assert_clean_error(cli(*run, *options, "--out", str(out)), *fragments)
    assert_clean_error(cli(*run, "--data", str(good), "--out", str(tmp_path / "o.json")), "did you mean '.jsonl'")
    assert_clean_error(cli(*run, "--data", str(good), "--out", str(good)), "one of the input files")
    assert not out.parent.exists() or not any(out.parent.iterdir())


def test_a_problem_after_the_first_chunks_leaves_nothing_at_out(trained: Path, tmp_path: Path, rows: list[dict]):
    from lstmcls.errors import DataError

    source = write_rows(tmp_path / "in.jsonl", rows)
    with open(source, "a", encoding="utf-8") as handle:
        handle.write('{"text": 3}\n')
    with pytest.raises(DataError, match="line 21: field 'text' is a JSON int"):
        predict_file(runs.open_run(trained), source, tmp_path / "out.parquet", chunk_rows=4)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.jsonl"]


def test_usage_errors(trained: Path, tmp_path: Path):
    for options in (
        ["--data", "x.csv"],
        ["--out", "o.csv"],
        ["--text-column", "t"],
        ["good", "--data", "x.csv", "--out", "o.csv"],
    ):
        result = cli("predict", "--run", str(trained), *options)
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert "--data" in result.output and "Usage:" in result.output


def test_an_interrupted_write_leaves_nothing(tmp_path: Path):
    """Ctrl-C while the file is written: the partial file goes, and --out never appears."""
    out = tmp_path / "o.csv"
    with pytest.raises(KeyboardInterrupt), replacing(out) as partial:
        partial.write_text("text,label\nhalf", encoding="utf-8")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    with replacing(out) as partial:
        partial.write_text("text,label\n", encoding="utf-8")
    assert [path.name for path in tmp_path.iterdir()] == ["o.csv"]
