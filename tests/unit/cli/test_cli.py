"""The CLI end to end on tiny data: train → eval → predict → export, and one-line errors with exit code 2."""

import json
from pathlib import Path

import click
import pytest
import yaml

from conftest import assert_clean_error, cli, write_config, write_csv
from lstmcls.cli.app import main


def test_train_writes_a_complete_run(trained: Path):
    meta = json.loads((trained / "run.json").read_text())
    assert meta["status"] == "complete" and meta["seed"] == 42 and "tensorflow" in meta["versions"]
    assert meta["data"]["train"].startswith("sha256:")
    for name in ("config.yaml", "model.keras", "labels.json", "history.csv", "metrics.json", "logs"):
        assert (trained / name).exists(), name
    assert json.loads((trained / "labels.json").read_text()) == ["neg", "pos"]
    assert yaml.safe_load((trained / "config.yaml").read_text())["model"]["units"] == 8
    history = (trained / "history.csv").read_text().splitlines()
    assert history[0].startswith("epoch") and len(history) >= 2
    metrics = json.loads((trained / "metrics.json").read_text())
    assert 0.0 <= metrics["validation"]["accuracy"] <= 1.0 and metrics["examples"]["train"] == 72


def test_saved_model_reproduces_the_recorded_validation_accuracy(trained: Path):
    """The saved model (vectorizer, weights of the restored best epoch) is the one that was measured."""
    from lstmcls.data.splits import load_splits
    from lstmcls.inference.prediction import predict_probabilities
    from lstmcls.runs.run import Run

    run = Run(trained)
    validation = load_splits(run.config()).validation  # the same seeded split
    probabilities = predict_probabilities(run.load_model(), validation.texts)
    accuracy = float((probabilities.argmax(axis=1) == validation.labels).mean())
    assert accuracy == pytest.approx(json.loads((trained / "metrics.json").read_text())["validation"]["accuracy"])


def test_eval_table_and_json(trained: Path):
    table = cli("eval", "--run", str(trained))
    assert table.exit_code == 0, table.output
    assert "accuracy" in table.stdout and "confusion matrix" in table.stdout
    result = cli("eval", "--run", str(trained), "--json")
    report = json.loads(result.stdout)
    assert report["examples"] == 20 and report["accuracy"] >= 0.8  # the tiny data gives the label away
    assert sum(map(sum, report["confusion_matrix"])) == 20 and 0.0 <= report["roc_auc"] <= 1.0
    assert set(report["per_class"]) == {"neg", "pos"}
    assert json.loads((trained / "eval.json").read_text())["accuracy"] == report["accuracy"]


def test_the_linear_baseline_stands_beside_the_model_in_eval_show_and_runs(trained: Path):
    """`train.baseline` is on by default: TF-IDF + logistic regression fitted on the run's split, saved in it."""
    metrics = json.loads((trained / "metrics.json").read_text())["baseline"]
    assert metrics["model"].startswith("TF-IDF") and 0.5 <= metrics["validation"]["accuracy"] <= 1.0
    report = json.loads(cli("eval", "--run", str(trained), "--json").stdout)
    assert report["baseline"]["accuracy"] >= 0.8 and set(report["baseline"]) >= {"macro_f1", "roc_auc", "ece"}
    assert "linear baseline (TF-IDF + logistic regression): accuracy" in cli("eval", "--run", str(trained)).stdout
    shown = cli("show", str(trained)).stdout
    assert f"validation accuracy {metrics['validation']['accuracy']:.4f}" in shown and "test accuracy" in shown
    (row,) = json.loads(cli("runs", "--runs-dir", str(trained.parent), "--json").stdout)
    assert row["baseline_val_accuracy"] == metrics["validation"]["accuracy"]
    assert row["baseline_test_accuracy"] == report["baseline"]["accuracy"]
    lead = f"{100 * (row['val_accuracy'] - row['baseline_val_accuracy']):+.1f}"
    listed = cli("runs", "--runs-dir", str(trained.parent)).stdout
    assert "baseline" in listed and lead in listed


def test_eval_on_another_file_defaults_to_newest_run(trained: Path):
    data = write_csv(trained.parent.parent / "other.csv.gz", ["neg", "pos"], rows=12, seed=5)
    result = cli("eval", "--runs-dir", str(trained.parent), "--data", str(data), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["examples"] == 12 and (trained / "eval-other.json").is_file()


def test_predict_arguments_file_and_stdin(trained: Path, tmp_path: Path):
    result = cli("predict", "--run", str(trained), "--json", "a great superb film", "awful boring plot")
    predictions = json.loads(result.stdout)
    assert [p["label"] for p in predictions] == ["pos", "neg"]
    assert all(abs(sum(p["probabilities"].values()) - 1) < 1e-5 for p in predictions)
    texts = tmp_path / "texts.txt"
    texts.write_text("loved it\n\nworst movie\n")
    from_file = cli("predict", "--run", str(trained), "--file", str(texts))
    assert from_file.exit_code == 0 and len(from_file.stdout.splitlines()) == 2
    from_stdin = cli("predict", "--run", str(trained), "-", input="excellent\n")
    assert from_stdin.stdout.startswith("pos\t")


def test_multiclass_integer_labels_end_to_end(tmp_path: Path):
    write_csv(tmp_path / "train.csv", ["0", "1", "2"], rows=90)
    write_csv(tmp_path / "test.csv", ["0", "1", "2"], rows=15, seed=2)
    config = write_config(tmp_path / "multi.yaml", train={"epochs": 4})
    assert cli("train", str(config)).exit_code == 0
    report = json.loads(cli("eval", "--runs-dir", str(tmp_path / "runs"), "--json").stdout)
    assert len(report["confusion_matrix"]) == 3 and "roc_auc" not in report
    (prediction,) = json.loads(cli("predict", "--runs-dir", str(tmp_path / "runs"), "--json", "the film").stdout)
    assert set(prediction["probabilities"]) == {"0", "1", "2"}


def test_set_overrides_reach_the_saved_config(tiny: Path):
    result = cli("train", str(tiny), "--set", "model.units=5", "--set", "train.epochs=1", "--json")
    assert result.exit_code == 0, result.output
    run = Path(json.loads(result.stdout)["run"])
    assert yaml.safe_load((run / "config.yaml").read_text())["model"]["units"] == 5


# === Errors: one line, exit code 2, nothing that looks like a complete run ===


def test_config_errors(tiny: Path, tmp_path: Path):
    assert_clean_error(cli("train", str(tmp_path / "missing.yaml")), "config file not found")
    assert_clean_error(cli("train", str(tiny), "--set", "model.unit=3"), "model.unit", "did you mean 'units'")
    assert_clean_error(cli("train", str(tiny), "--set", "train.epochs=0"), "train.epochs")
    assert_clean_error(cli("train", str(tiny), "--set", "model.units=many"), "model.units", "'many'")
    streamed = ["--set", "data.streaming=true", "--set", "train.baseline=true"]
    assert_clean_error(cli("train", str(tiny), *streamed), "train.baseline: true needs the training texts in memory")
    broken = tmp_path / "broken.yaml"
    broken.write_text("model:\n  units: [1, 2\n")
    assert_clean_error(cli("train", str(broken)), "invalid YAML at line", "column")
    assert not (tmp_path / "runs").exists()


def test_data_errors_leave_no_run(tiny: Path, tmp_path: Path):
    assert_clean_error(cli("train", str(tiny), "--set", "data.text_column=review"), "no column 'review'")
    assert_clean_error(cli("train", str(tiny), "--set", f"data.train={tmp_path / 'nope.csv'}"), "data file not found")
    assert not (tmp_path / "runs").exists()


def test_run_errors(trained: Path, tmp_path: Path):
    assert_clean_error(cli("eval", "--run", str(tmp_path / "nope")), "run not found")
    assert_clean_error(cli("predict", "--runs-dir", str(tmp_path / "empty"), "x"), "no complete run")
    assert_clean_error(cli("predict", "--run", str(trained), ""), "text 1 is empty")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "run.json").write_text('{"status": "running"}')
    assert_clean_error(cli("export", "--run", str(broken)), "stopped without finishing", "--resume")


def test_a_crash_during_fit_leaves_a_failed_run_that_commands_refuse(tiny: Path, tmp_path: Path, monkeypatch):
    import keras

    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(keras.Model, "fit", crash)
    result = cli("train", str(tiny))
    assert result.exit_code == 1 and "unexpected RuntimeError: disk full" in result.stderr
    (run,) = (tmp_path / "runs").iterdir()
    meta = json.loads((run / "run.json").read_text())
    assert meta["status"] == "failed" and "disk full" in meta["error"]
    assert not (run / "model.keras").exists()
    assert_clean_error(cli("predict", "--run", str(run), "x"), "is failed", "disk full", "lstmcls train")
    assert_clean_error(cli("eval", "--runs-dir", str(tmp_path / "runs")), "no complete run")


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help_for_every_option(command: str):
    result = cli(command, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output
    for parameter in main.commands[command].params:
        if isinstance(parameter, click.Option):
            assert parameter.help, f"{command} {parameter.opts} has no help text"


def test_usage_errors_are_clicks_own_with_exit_code_2():
    result = cli("tune")
    assert result.exit_code == 2 and "give either CONFIG or --show STUDY" in result.output
    assert "unexpected" not in result.output
