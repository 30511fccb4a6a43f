"""`lstmcls init` on every format: the text and label columns (or fields) guessed, and a config whose data loads.

(`tests/unit/cli/test_reports.py` trains from a config `init` wrote for a CSV; here the data is read, not trained on.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import assert_clean_error, cli, write_csv
from data_files import examples, write_folder, write_jsonl, write_parquet
from lstmcls.config import load_config
from lstmcls.data.readers import load_source
from lstmcls.tools.starter import OWN_TRADE_OFF

LABELS = ["neg", "pos", "meh"]


def written(path: Path, tmp_path: Path) -> dict:
    out = tmp_path / "starter.yaml"
    result = cli("init", str(path), "--out", str(out))
    assert result.exit_code == 0, result.output
    raw = load_source(load_config(out).data)  # the config is valid and its data reads
    assert set(raw.train.labels) == set(LABELS) and len(raw.train.texts) == 30
    return yaml.safe_load(out.read_text())["data"]


def test_init_on_json_lines_guesses_the_fields(tmp_path: Path):
    path = write_jsonl(tmp_path / "reviews.jsonl", examples(tmp_path, LABELS, 30), text="body", label="verdict")
    data = written(path, tmp_path)
    assert data["source"] == "jsonl" and (data["text_field"], data["label_field"]) == ("body", "verdict")


def test_init_on_parquet_guesses_the_columns(tmp_path: Path):
    rows = examples(tmp_path, LABELS, 30)
    path = write_parquet(tmp_path / "reviews.parquet", rows, text="review", label="y", replace={"id": list(range(30))})
    data = written(path, tmp_path)
    assert data["source"] == "parquet" and (data["text_column"], data["label_column"]) == ("review", "y")


def test_init_on_a_tsv_sets_the_delimiter(tmp_path: Path):
    rows = examples(tmp_path, LABELS, 30)
    path = tmp_path / "reviews.tsv"
    path.write_text("text\tlabel\n" + "".join(f"{row['text']}\t{row['label']}\n" for row in rows), encoding="utf-8")
    data = written(path, tmp_path)
    assert data["source"] == "csv" and data["delimiter"] == "\t" and data["label_column"] == "label"


def test_init_on_a_folder_of_split_folders_finds_each_split(tmp_path: Path):
    root = tmp_path / "aclImdb"
    write_folder(root / "train", examples(tmp_path, LABELS, 30))
    write_folder(root / "test", examples(tmp_path, LABELS, 9, seed=1))
    data = written(root, tmp_path)
    splits = {"source": "folder", "train": str(root / "train"), "validation": None, "test": str(root / "test")}
    assert {key: data[key] for key in splits} == splits


def test_init_on_what_it_cannot_read_is_a_clean_error(tmp_path: Path):
    (tmp_path / "data.xlsx").write_text("x")
    assert_clean_error(cli("init", str(tmp_path / "data.xlsx"), "--out", "-"), "cannot tell the format")
    write_folder(tmp_path / "one", examples(tmp_path, ["pos"], 4))
    assert_clean_error(cli("init", str(tmp_path / "one"), "--out", "-"), "two or more class sub-folders")


def test_init_imports_no_tensorflow(tmp_path: Path):
    """`lstmcls init` answers at once, on every format: nothing it imports loads TensorFlow or Keras."""
    write_csv(tmp_path / "a.csv", LABELS, rows=12)
    write_jsonl(tmp_path / "b.jsonl", examples(tmp_path, LABELS, 12))
    write_parquet(tmp_path / "c.parquet", examples(tmp_path, LABELS, 12))
    write_folder(tmp_path / "d", examples(tmp_path, LABELS, 12))
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from lstmcls.cli.app import main\n"
        "for path in sys.argv[1:]:\n"
        "    result = CliRunner().invoke(main, ['init', path, '--out', '-'])\n"
        "    assert result.exit_code == 0, result.output\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n"
    )
    paths = [str(tmp_path / name) for name in ("a.csv", "b.jsonl", "c.parquet", "d")]
    result = subprocess.run([sys.executable, "-c", script, *paths], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("name", ["reviews.jsonl", "reviews.parquet"])
def test_init_names_the_config_after_the_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str):
    rows = examples(tmp_path, LABELS, 30)
    path = (write_jsonl if name.endswith("jsonl") else write_parquet)(tmp_path / name, rows)
    monkeypatch.chdir(tmp_path)
    result = cli("init", str(path))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "reviews.yaml").is_file()


# === Pretraining on the user's text (`model.embedding.pretrained: own`) ===


def test_init_proposes_own_vectors_in_a_comment(tmp_path: Path):
    out = tmp_path / "starter.yaml"
    assert cli("init", str(write_csv(tmp_path / "a.csv", LABELS, rows=30)), "--out", str(out)).exit_code == 0
    lines = out.read_text().splitlines()
    at = lines.index("    # pretrained: own")  # under model.embedding, commented out: a proposal
    start = next(i for i in range(at - 1, 0, -1) if not lines[i - 1].startswith("    # "))
    reason = " ".join(line.removeprefix("    # ") for line in lines[start:at])
    assert "pretrains word2vec vectors on the training texts" in reason and OWN_TRADE_OFF in reason
    config = load_config(out)
    assert config.model.embedding.pretrained is None and config.pretrain is None


@pytest.mark.parametrize("kind", ["txt", "csv"])
def test_init_with_unlabelled_text_turns_pretraining_on(tmp_path: Path, kind: str):
    if kind == "txt":
        unlabelled = tmp_path / "more.txt"
        unlabelled.write_text("a good film\nan awful plot\n", encoding="utf-8")
    else:
        unlabelled = write_csv(tmp_path / "more.csv", LABELS, rows=10, text="body")
    out = tmp_path / "starter.yaml"
    data = write_csv(tmp_path / "a.csv", LABELS, rows=30)
    result = cli("init", str(data), "--out", str(out), "--unlabelled", str(unlabelled))
    assert result.exit_code == 0, result.output
    config = load_config(out)
    assert config.model.embedding.pretrained == "own" and config.pretrain.unlabelled == unlabelled
    assert config.pretrain.text_column == ("body" if kind == "csv" else "text")
    assert "    # pretrained: own" not in out.read_text()
    assert_clean_error(cli("init", str(data), "--out", "-", "--unlabelled", str(tmp_path / "no.txt")), "not found")
