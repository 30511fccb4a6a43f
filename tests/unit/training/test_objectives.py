"""What training minimises: class weights, and the one-line errors when a class weight, monitor, tune metric or
threshold goal cannot work (tests/integration/test_imbalanced_runs.py trains on a 1:20 imbalanced set)."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_clean_error, cli, write_config, write_csv
from data_files import write_imbalanced
from lstmcls.training.objectives import class_weights


def test_balanced_weights_give_each_class_the_same_total():
    labels = np.array([0] * 30 + [1] * 10 + [2] * 5)
    weights = np.array(class_weights("balanced", labels, ["a", "b", "c"]))
    assert np.allclose(weights * np.bincount(labels), len(labels) / 3)
    assert class_weights({"c": 4.0}, labels, ["a", "b", "c"]) == (1.0, 1.0, 4.0)


def test_inspect_proposes_balanced_class_weights_above_three_to_one(tmp_path: Path):
    write_imbalanced(tmp_path / "train.csv", rows=84, every=21, seed=0)  # 4 `pos`, 80 `neg`
    write_csv(tmp_path / "test.csv", ["neg", "pos"], rows=4, seed=1)
    report = json.loads(cli("inspect", str(write_config(tmp_path / "skewed.yaml")), "--json").stdout)
    proposed = report["proposed"]
    assert (
        proposed["train.class_weight"] == "balanced" and proposed["weights"]["pos"] > 5 > 1 > proposed["weights"]["neg"]
    )
    assert any("consider train.class_weight: balanced (weights neg 0.5" in warning for warning in report["warnings"])
    write_csv(tmp_path / "train.csv", ["neg", "pos"], rows=40)
    assert json.loads(cli("inspect", str(tmp_path / "skewed.yaml"), "--json").stdout)["proposed"] == {}


# === Settings that cannot work: one line, exit code 2, before any run exists ===


def three_classes(tmp_path: Path, **blocks: dict) -> Path:
    write_csv(tmp_path / "train.csv", ["neg", "pos", "meh"], rows=60)
    write_csv(tmp_path / "test.csv", ["neg", "pos", "meh"], rows=6, seed=1)
    return write_config(tmp_path / "three.yaml", **blocks)


def test_a_class_weight_for_an_unknown_label_is_refused(tiny: Path):
    result = cli("train", str(tiny), "--set", "train.class_weight={post: 3}")
    assert_clean_error(result, "train.class_weight: unknown label 'post'", "did you mean 'pos'", "known: neg, pos")
    assert not (tiny.parent / "runs").exists()


@pytest.mark.parametrize(
    ("setting", "fragments"),
    [
        (
            "train.monitor=val_pr_auc",
            ["train.monitor: a run on 3 classes does not report 'val_pr_auc'", "val_macro_f1"],
        ),
        ("train.monitor=val_acuracy", ["does not report 'val_acuracy'", "did you mean 'val_accuracy'"]),
        ("eval.threshold=f1", ["eval.threshold applies to two classes, and the data has 3"]),
    ],
)
def test_a_monitor_the_run_does_not_report_is_refused(tmp_path: Path, setting: str, fragments: list[str]):
    result = cli("train", str(three_classes(tmp_path)), "--set", setting)
    assert_clean_error(result, *fragments)
    assert not (tmp_path / "runs").exists()


def test_a_tune_metric_the_run_does_not_report_is_refused(tmp_path: Path):
    config = three_classes(tmp_path, tune={"metric": "val_roc_auc", "space": {"model.units": {"int": [4, 8]}}})
    result = cli("tune", str(config), "--trials", "1")
    assert_clean_error(result, "tune.metric: a run on 3 classes does not report 'val_roc_auc'")


def test_a_precision_floor_no_threshold_reaches_fails_the_run_in_one_line(tmp_path: Path):
    """Every validation text comes twice, once per class: precision is 0.5 whatever the threshold."""
    write_csv(tmp_path / "train.csv", ["neg", "pos"], rows=40)
    write_csv(tmp_path / "test.csv", ["neg", "pos"], rows=4, seed=1)
    write_csv(tmp_path / "validation.csv", ["neg", "pos"], rows=8, seed=3)
    with open(tmp_path / "validation.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows += [[text, "pos" if label == "neg" else "neg"] for text, label in rows[1:]]
    with open(tmp_path / "validation.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    config = write_config(
        tmp_path / "floor.yaml",
        data={"validation": str(tmp_path / "validation.csv")},
        train={"epochs": 1},
        eval={"threshold": {"precision": 0.9}},
    )
    result = cli("train", str(config))
    assert_clean_error(result, "eval.threshold: no threshold reaches precision 0.9 on validation (the best is 0.500")
    (run,) = (tmp_path / "runs").iterdir()
    assert json.loads((run / "run.json").read_text())["status"] == "failed" and not (run / "decision.json").exists()
