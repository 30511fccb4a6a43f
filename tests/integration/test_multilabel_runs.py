"""A multi-label run end to end: tuned for macro F1, evaluated, predicted, exported, explained, served, trained
under `mirrored`, and bad label sets refused.

The module's one run is the single trial of a one-trial study (every trial is an ordinary run), so tuning costs
no training of its own; the mirrored test trains the same data once more, to compare with it.
"""

import csv
import json
import random
from pathlib import Path
from types import SimpleNamespace

import httpx
import numpy as np
import pytest
import tensorflow as tf

from conftest import assert_clean_error, cli, write_config
from lstmcls.config import load_config
from lstmcls.inference.prediction import predict
from lstmcls.interpret.attributions import explain
from lstmcls.interpret.model_parts import ModelParts
from lstmcls.interpret.render_text import to_terminal
from lstmcls.runs import DECISION, EXPORT, open_run
from lstmcls.serving.app import ServeOptions
from lstmcls.serving.model import load_served
from lstmcls.serving.server import Server
from lstmcls.tools.tuning import tune

TOPICS = {"food": "pizza bread soup", "music": "song guitar band", "sport": "match goal team"}
FILLER = "the a today we saw really quite and it was".split()
TEXTS = ["we saw a match and a band", "pizza today", "the song was quite good", "goal goal bread", "it was"]


def write_label_sets(path: Path, rows: int, seed: int) -> Path:
    """Texts with one or two topics, each given away by one of its words among filler; labels like `food|sport`."""
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for i in range(rows):
            topics = rng.sample(sorted(TOPICS), 1 + (i % 3 == 0))
            words = [rng.choice(FILLER) for _ in range(rng.randint(3, 8))]
            for topic in topics:
                words.insert(rng.randint(0, len(words)), rng.choice(TOPICS[topic].split()))
            writer.writerow([" ".join(words), "|".join(topics)])
    return path


def multilabel_config(root: Path, **blocks: dict) -> Path:
    write_label_sets(root / "train.csv", 240, seed=0)
    write_label_sets(root / "validation.csv", 40, seed=2)  # enough texts per label to place its threshold
    write_label_sets(root / "test.csv", 30, seed=1)
    data = {"multi_label": True, "validation": str(root / "validation.csv")}
    train = {"epochs": 3, "monitor": "val_macro_f1", "patience": None}
    return write_config(root / "tags.yaml", data=data, train=train, **blocks)


@pytest.fixture(scope="module")
def tuned(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """One trial of a study that maximises val_macro_f1 on label sets: its run is the module's run."""
    root = tmp_path_factory.mktemp("multilabel")
    space = {"model.units": {"choice": [8]}}
    config = load_config(multilabel_config(root, tune={"metric": "val_macro_f1", "space": space}))
    result = tune(config, trials=1)
    (trial,) = result.trials
    return SimpleNamespace(root=root, result=result, trial=trial, run=Path(trial["run"]))


def test_tune_maximises_validation_macro_f1_of_a_multi_label_run(tuned):
    assert tuned.result.study.direction.name == "MAXIMIZE" and tuned.trial["state"] == "complete"
    metrics = json.loads((tuned.run / "metrics.json").read_text())
    assert tuned.trial["value"] == metrics["validation"]["macro_f1"] > 0.6
    history = (tuned.run / "history.csv").read_text().splitlines()[0].split(",")
    assert {"loss", "accuracy", "macro_f1", "val_loss", "val_accuracy", "val_macro_f1"} <= set(history)
    decision = json.loads((tuned.run / DECISION).read_text())
    assert decision["multi_label"] and decision["goal"] == "f1" and len(decision["thresholds"]) == 3


def test_eval_reports_micro_and_macro_f1_per_label_scores_subset_accuracy_and_hamming_loss(tuned):
    result = cli("eval", "--run", str(tuned.run), "--json")
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["examples"] == 30 and scores["macro_f1"] > 0.6 and scores["micro_f1"] > 0.6
    assert 0 <= scores["hamming_loss"] < 0.3 and scores["accuracy"] == pytest.approx(1 - scores["hamming_loss"])
    assert 0 < scores["subset_accuracy"] <= scores["accuracy"]
    assert set(scores["per_label"]) == set(TOPICS)
    thresholds = json.loads((tuned.run / DECISION).read_text())["thresholds"]
    for row, threshold in zip(scores["per_label"].values(), thresholds):
        assert set(row) == {"precision", "recall", "f1", "support", "threshold"} and row["threshold"] == threshold
    assert sum(row["support"] for row in scores["per_label"].values()) > 30  # some texts carry two labels
    table = cli("eval", "--run", str(tuned.run))
    assert table.exit_code == 0 and "subset accuracy" in table.stdout and "threshold" in table.stdout


def test_predict_answers_label_sets_by_each_labels_threshold(tuned):
    result = cli("predict", "--run", str(tuned.run), "--json", *TEXTS)
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    thresholds = dict(zip(sorted(TOPICS), json.loads((tuned.run / DECISION).read_text())["thresholds"]))
    for answer in found:
        assert set(answer) == {"text", "labels", "probabilities"} and set(answer["probabilities"]) == set(TOPICS)
        on = {name for name, p in answer["probabilities"].items() if p >= thresholds[name]}
        assert set(answer["labels"]) == on
        assert [answer["probabilities"][name] for name in answer["labels"]] == sorted(
            (answer["probabilities"][name] for name in on), reverse=True
        )
    assert {"sport", "music"} <= set(found[0]["labels"]) and "food" in found[1]["labels"]
    lines = cli("predict", "--run", str(tuned.run), *TEXTS[:2]).stdout.splitlines()
    assert lines[1].split("\t")[0].split(",")[0] == found[1]["labels"][0]


def test_the_exported_label_set_equals_predicts(tuned):
    result = cli("export", "--run", str(tuned.run))
    assert result.exit_code == 0, result.output
    assert "multi_hot" in result.stdout
    serve = tf.saved_model.load(str(tuned.run / EXPORT)).signatures["serving_default"]
    outputs = {name: value.numpy() for name, value in serve(texts=tf.constant(TEXTS)).items()}
    names = np.array(sorted(TOPICS), dtype=object)
    for prediction, padded, hot, row in zip(
        predict(open_run(tuned.run), TEXTS), outputs["label"], outputs["multi_hot"], outputs["probabilities"]
    ):
        assert {label.decode() for label in padded if label} == set(prediction.labels)
        assert [label.decode() for label in padded] == [name if on else "" for name, on in zip(names, hot)]
        assert row == pytest.approx(list(prediction.probabilities.values()), abs=1e-5)


def test_explain_attributes_each_predicted_label_or_the_one_asked_for(tuned):
    parts = ModelParts(open_run(tuned.run))  # loaded once for both calls, as a server does
    explanations = explain(parts, TEXTS[:2], steps=16)
    first = [e for e in explanations if e.text == TEXTS[0]]
    assert len(first) == len(first[0].labels) >= 2  # one explanation per predicted label, most probable first
    assert [e.target for e in first] == first[0].labels and first[0].label == ", ".join(first[0].labels)
    for explanation in explanations:
        change = explanation.target_probability - explanation.baseline_probability
        assert sum(t.attribution for t in explanation.tokens) == pytest.approx(change, abs=0.05 * abs(change) + 1e-3)
        assert max(explanation.tokens, key=lambda t: t.attribution).text in TOPICS[explanation.target].split()
    (food,) = explain(parts, [TEXTS[1]], target="food", steps=16)
    assert food.target == "food" and max(food.tokens, key=lambda t: t.attribution).text == "pizza"
    shown = to_terminal(explanations, color=False)
    assert shown.count("text 1: predicted ") == len(first) and "text 2: predicted " in shown
    assert json.loads(json.dumps(food.to_dict()))["labels"] == food.labels


def test_serve_answers_label_sets_equal_to_predicts(tuned):
    server = Server(load_served(tuned.run, None), ServeOptions(port=0, name="tags"))
    thread = server.start_in_thread()
    try:
        with httpx.Client(base_url=server.url, timeout=120) as client:
            rows = client.post("/v1/models/tags:predict", json={"instances": TEXTS}).json()["predictions"]
            columns = client.post("/v1/models/tags:predict", json={"inputs": TEXTS}).json()["outputs"]
    finally:
        server.stop()
        thread.join(60)
    expected = [p.labels for p in predict(open_run(tuned.run), TEXTS)]
    assert [row["labels"] for row in rows] == expected == columns["labels"]
    assert all(set(row) == {"probabilities", "labels"} for row in rows)


def test_mirrored_reports_the_same_metrics_as_fit(tuned):
    config = tuned.root / "tags.yaml"
    result = cli("train", str(config), "--set", "distribute.strategy=mirrored", "--set", "train.epochs=2", "--json")
    assert result.exit_code == 0, result.output
    mirrored = Path(json.loads(result.stdout)["run"])
    assert json.loads((mirrored / "run.json").read_text())["distribute"]["strategy"] == "mirrored"
    assert open_run(mirrored).config().tune.space["model.units"].choice == [8]  # its tune: block reads back
    for run in (mirrored, tuned.run):
        assert json.loads((run / DECISION).read_text())["multi_label"]
    header = [(run / "history.csv").read_text().splitlines()[0] for run in (mirrored, tuned.run)]
    assert header[0] == header[1]
    validation = [json.loads((run / "metrics.json").read_text())["validation"] for run in (mirrored, tuned.run)]
    assert set(validation[0]) == set(validation[1]) >= {"macro_f1", "micro_f1", "subset_accuracy", "hamming_loss"}


def test_inspect_counts_the_texts_carrying_each_label(tuned):
    result = cli("inspect", str(tuned.root / "tags.yaml"), "--json")
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)["splits"]["test"]["class_counts"]
    assert set(counts) == set(TOPICS) and sum(counts.values()) > 30


def test_an_empty_label_set_is_one_line_naming_the_file_and_line(tmp_path: Path):
    config = multilabel_config(tmp_path)
    with open(tmp_path / "train.csv", "a", encoding="utf-8") as handle:
        handle.write("a text with no labels,|\n")
    result = cli("train", str(config))
    assert_clean_error(result, "train.csv: row 241 (line 242): empty label set", "data.on_bad_rows: skip")
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("eval.calibrate=true", "eval.calibrate fits one temperature"),
        ("train.monitor=val_roc_auc", "train.monitor: a run on 3 labels does not report 'val_roc_auc'"),
        ("train.class_weight=balanced", "train.class_weight applies to one label per text"),
    ],
)
def test_settings_that_do_not_apply_to_label_sets_are_refused_before_training(tmp_path: Path, setting, message):
    assert_clean_error(cli("train", str(multilabel_config(tmp_path)), "--set", setting), message)
    assert not (tmp_path / "runs").exists()
