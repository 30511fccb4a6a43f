"""The benchmark script's bookkeeping (not its timings): which configs it trains and the table it writes."""

import json
import sys
from pathlib import Path

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))

import bench  # noqa: E402

MACHINE = {"cpu": "Test CPU", "cores": 2, "tensorflow": "2.21.0", "keras": "3.15.1", "python": "3.11.7"}


def test_every_trainable_config_is_benchmarked_and_search_or_pretrain_configs_are_not():
    names = {path.name for path in bench.trainable_configs()}
    assert {"imdb.yaml", "imdb_best.yaml"} <= names
    assert not {"imdb_tune.yaml", "imdb_w2v.yaml"} & names


def test_table_puts_every_row_next_to_the_linear_baseline_and_shows_ratios():
    accuracy = {
        "date": "20261125-170000",
        "machine": MACHINE,
        "rows": [
            {
                "name": "configs/imdb.yaml",
                "test_accuracy": 0.88,
                "train_seconds": 200.0,
                "epochs": 4,
                "date": "20261125-170000",
            },
            {"name": "TF-IDF 1-2 grams + logistic regression", "test_accuracy": 0.9, "wall_seconds": 60.0},
        ],
    }
    speed = {"min": 1.0, "median": 2.0, "max": 3.0}
    throughput = {
        "date": "20261125-170000",
        "machine": MACHINE,
        "config": "configs/imdb.yaml",
        "rounds": 3,
        "batches_per_epoch": 150,
        "epochs_per_run": 2,
        "rows": [{"variant": "lstmcls", "examples_per_second": speed, "ratio_to_plain_keras": speed}],
    }
    text = bench.table({"accuracy": accuracy, "throughput": throughput})
    rows = [line for line in text.splitlines() if line.startswith("| ") and "accuracy |" not in line]
    assert rows[0].startswith("| TF-IDF") and "0.9000" in rows[0]  # sorted by test accuracy
    assert "| configs/imdb.yaml | 0.8800 | – | 4 | 200.0 | – | – | 2026-11-25 17:00 |" in text
    assert "| lstmcls | 2 | 1–3 | 2.00× | 1.00–3.00× |" in text
    assert text.count("Measured 20261125 on Test CPU, 2 cores") == 2


def test_quick_results_never_reach_the_table_and_newer_rows_replace_older_ones(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(bench, "RESULTS", tmp_path)

    def result(name: str, quick: bool, rows: list) -> None:
        (tmp_path / name).write_text(json.dumps({"benchmark": "accuracy", "quick": quick, "rows": rows}))

    result("accuracy-20261125-1.json", False, [{"name": "a", "n": 1}, {"name": "b", "n": 1}])
    result("accuracy-20261125-2.json", False, [{"name": "b", "n": 2}])
    result("accuracy-20261125-3-quick.json", True, [{"name": "a", "n": 3}])
    assert sorted((row["name"], row["n"]) for row in bench.newest_results()["accuracy"]["rows"]) == [("a", 1), ("b", 2)]
