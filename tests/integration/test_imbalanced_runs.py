"""Two seeded runs on a 1:20 imbalanced set, plain and with balanced class weights: the weights raise the minority
recall, every validation metric a monitor can name is reported, and the decision chosen on validation (a threshold
for a precision floor, a temperature) holds and is evaluated with its plots."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import cli, write_config, write_csv
from data_files import write_imbalanced
from lstmcls.data.splits import load_splits
from lstmcls.inference.prediction import predict_probabilities
from lstmcls.runs import Run


@pytest.fixture(scope="module")
def imbalanced(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two seeded runs on 400 `neg` and 20 `pos` texts: plain, and with balanced class weights, PR-AUC picking the
    kept epoch, a threshold for a precision floor and temperature scaling."""
    root = tmp_path_factory.mktemp("imbalanced")
    write_imbalanced(root / "train.csv", rows=420, every=21, seed=0)
    write_csv(root / "test.csv", ["neg", "pos"], rows=40, seed=1)
    config = write_config(
        root / "imbalanced.yaml",
        data={"validation_fraction": 0.2},
        train={"epochs": 3, "batch_size": 16, "patience": None},
    )
    found = {}
    for name, settings in {
        "plain": [],
        "weighted": [
            "train.class_weight=balanced",
            "train.monitor=val_pr_auc",
            "eval.threshold={precision: 0.75}",
            "eval.calibrate=true",
        ],
    }.items():
        result = cli("train", str(config), "--json", *(item for setting in settings for item in ("--set", setting)))
        assert result.exit_code == 0, result.output
        found[name] = Path(json.loads(result.stdout)["run"])
    return found


def minority_recall(run: Path) -> float:
    """Recall of `pos` on the balanced test file, at the most probable class (whatever the run's threshold)."""
    with open(run.parent.parent / "test.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    probabilities = predict_probabilities(Run(run).load_model(), [row["text"] for row in rows])
    positive = np.array([row["label"] == "pos" for row in rows])
    return float((probabilities.argmax(axis=1)[positive] == 1).mean())


def test_balanced_class_weights_raise_the_minority_recall(imbalanced: dict[str, Path]):
    plain, weighted = minority_recall(imbalanced["plain"]), minority_recall(imbalanced["weighted"])
    assert weighted >= plain + 0.4, (plain, weighted)
    config = yaml.safe_load((imbalanced["weighted"] / "config.yaml").read_text())
    assert config["train"]["class_weight"] == "balanced"


def test_a_monitored_metric_is_logged_each_epoch_and_the_final_scores_hold_every_metric(imbalanced: dict[str, Path]):
    def header(run: Path) -> list[str]:
        return (run / "history.csv").read_text().splitlines()[0].split(",")

    assert {"pr_auc", "val_pr_auc"} <= set(header(imbalanced["weighted"]))
    assert {"val_loss", "val_accuracy"} <= set(header(imbalanced["plain"]))
    assert not {"val_pr_auc", "val_roc_auc", "val_macro_f1"} & set(header(imbalanced["plain"]))  # built on demand
    for run in imbalanced.values():
        validation = json.loads((run / "metrics.json").read_text())["validation"]
        assert {"accuracy", "macro_f1", "roc_auc", "pr_auc", "ece"} <= set(validation)


def test_the_threshold_meets_its_precision_floor_on_validation(imbalanced: dict[str, Path]):
    run = Run(imbalanced["weighted"])
    decision = run.decision()
    assert decision.goal == "precision>=0.75" and 0 < decision.threshold < 1 and decision.temperature != 1.0
    validation = load_splits(run.config()).validation  # the same seeded split the threshold was chosen on
    probabilities = decision.calibrated(predict_probabilities(run.load_model(), validation.texts))
    called = decision.decide(probabilities) == 1
    assert called.any() and (validation.labels[called] == 1).mean() >= 0.75
    chosen = json.loads((run.path / "metrics.json").read_text())["decision"]
    assert chosen["precision"] >= 0.75 and chosen["log_loss_after"] <= chosen["log_loss_before"]


def test_eval_reports_pr_auc_and_calibration_with_their_plots(imbalanced: dict[str, Path]):
    run = imbalanced["weighted"]
    table = cli("eval", "--run", str(run))
    assert table.exit_code == 0, table.output
    assert "PR-AUC" in table.stdout and "ECE" in table.stdout and "precision>=0.75 threshold" in table.stdout
    report = json.loads((run / "eval.json").read_text())
    assert 0 <= report["pr_auc"] <= 1 and 0 <= report["ece"] <= 1 and report["decision"]["goal"] == "precision>=0.75"
    for plot in ("pr-test.png", "reliability-test.png", "pr-validation.png", "reliability-validation.png"):
        assert (run / "plots" / plot).is_file(), plot
