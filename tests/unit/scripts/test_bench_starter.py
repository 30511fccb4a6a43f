"""The starter benchmark's pure parts (not its figures): the label column it prepares, its summaries and its
section of docs/benchmarks.md."""

import csv
import gzip
import sys
from pathlib import Path

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))

import bench_starter  # noqa: E402

MACHINE = {"cpu": "Test CPU", "cores": 2, "tensorflow": "2.21.0", "keras": "3.15.1", "python": "3.11.7"}


def test_trec50_is_prepared_with_its_fine_label_as_the_label(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "shared" / "trec").mkdir(parents=True)
    for split in ("train", "test"):
        with gzip.open(tmp_path / "shared" / "trec" / f"{split}.csv.gz", "wt", newline="") as handle:
            csv.writer(handle).writerows([["text", "label", "fine_label"], ["who wrote it", "HUM", "HUM:ind"]])
    monkeypatch.setattr(bench_starter, "SHARED", tmp_path / "shared")
    train, _ = bench_starter.prepared("trec50", tmp_path)
    with gzip.open(train, "rt", newline="") as handle:
        assert list(csv.reader(handle)) == [["text", "label"], ["who wrote it", "HUM:ind"]]


def test_section_shows_mean_spread_and_minimum_of_the_seeds():
    seeds = [{"a": 0.9, "train_wall_seconds": 60.0}, {"a": 0.8, "train_wall_seconds": 70.0}]
    assert bench_starter.summary(seeds, "a") == {"mean": 0.85, "std": 0.0707, "min": 0.8}
    figures = {"mean": 0.85, "std": 0.0707, "min": 0.8}
    row = {"what": "TREC questions, 6 coarse classes", "train_wall_seconds": {"mean": 65.0}}
    row |= {key: figures for key in ("validation_accuracy", "baseline_validation_accuracy")}
    row |= {key: figures for key in ("test_accuracy", "baseline_test_accuracy")}
    result = {"date": "20261202-060000", "machine": MACHINE, "commit": "abc", "seeds": [1, 2], "rows": [row]}
    lines = bench_starter.section(result)
    assert lines[0] == bench_starter.START and lines[-1] == bench_starter.END
    assert "| TREC questions, 6 coarse classes | 0.8500 ± 0.0707 (0.8000) |" in "\n".join(lines)
    assert any("seeds 1, 2" in line for line in lines) and any("Commit abc" in line for line in lines)


def test_an_autotune_result_has_its_own_section_beside_the_starter_one():
    figures = {"mean": 0.9, "std": 0.01, "min": 0.89}
    row = {"what": "TREC questions, 6 coarse classes", "train_wall_seconds": {"mean": 600.0}}
    row |= {key: figures for key in bench_starter.SUMMARIZED}
    result = {"date": "20261202-060000", "machine": MACHINE, "commit": "abc", "seeds": [1], "rows": [row]}
    lines = bench_starter.section({**result, "autotune": "10m"})
    assert lines[0] == bench_starter.AUTOTUNE_START and lines[-1] == bench_starter.AUTOTUNE_END
    assert "`--autotune 10m`" in lines[1] and "lstmcls train --autotune 10m" in "\n".join(lines)
    assert bench_starter.section(result)[0] == bench_starter.START
