"""What training minimises and reports: class weights on a 1:20 imbalanced set, every validation metric a monitor
can name, the decision chosen on validation (threshold, temperature), and the one-line errors when a setting cannot
work."""

import csv
import json
import random
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import FILLER, WORDS, assert_clean_error, cli, write_config, write_csv
from lstmcls.data.splits import load_splits
from lstmcls.inference.prediction import predict_probabilities
from lstmcls.runs import Run
from lstmcls.training.objectives import class_weights


def write_imbalanced(path: Path, rows: int, every: int, seed: int) -> Path:
    """`pos` on one row in `every`, `neg` on the others; the label given away by one word, as in `write_csv`."""
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for i in range(rows):
            label = "pos" if i % every == 0 else "neg"
            words = [rng.choice(FILLER) for _ in range(rng.randint(3, 12))]
            words.insert(rng.randint(0, len(words)), rng.choice(WORDS[label]))
            writer.writerow([" ".join(words), label])
    return path


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
