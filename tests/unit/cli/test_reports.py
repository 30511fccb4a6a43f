"""Around training: plots in every run, `runs` and `show`, the `inspect` data report, the `init` scaffold."""

import json
from pathlib import Path

import pytest
import yaml

from conftest import assert_clean_error, assert_png, cli, write_config


def test_training_and_eval_write_readable_plots(trained: Path):
    assert_png(trained / "plots" / "learning_curves.png", (800, 300))
    assert_png(trained / "plots" / "confusion_matrix-validation.png")
    assert_png(trained / "plots" / "roc-validation.png")
    assert cli("eval", "--run", str(trained)).exit_code == 0
    assert_png(trained / "plots" / "confusion_matrix-test.png")
    assert_png(trained / "plots" / "roc-test.png")


def test_a_run_without_plots_keeps_the_curve_points_compare_reads(tiny: Path):
    """`run.plots: false` (sweeps, tests): no PNG from train or eval, the ROC and PR points all the same."""
    assert cli("train", str(tiny), "--set", "run.plots=false", "--set", "train.epochs=1").exit_code == 0
    (run,) = (tiny.parent / "runs").iterdir()
    assert cli("eval", "--run", str(run)).exit_code == 0
    assert sorted(path.name for path in (run / "plots").iterdir()) == ["curves-test.json", "curves-validation.json"]
    assert "roc" in json.loads((run / "plots" / "curves-test.json").read_text())


def test_runs_lists_newest_first_in_table_and_json(trained: Path):
    runs_dir = trained.parent
    broken = runs_dir / "20000101-000000-broken-000000"
    broken.mkdir(exist_ok=True)
    (broken / "run.json").write_text('{"status": "failed", "name": "broken", "error": "boom"}')
    rows = json.loads(cli("runs", "--runs-dir", str(runs_dir), "--json").stdout)
    assert [row["id"] for row in rows] == sorted((row["id"] for row in rows), reverse=True)
    ours = next(row for row in rows if row["id"] == trained.name)
    metrics = json.loads((trained / "metrics.json").read_text())
    assert ours["status"] == "complete" and ours["name"] == "tiny" and ours["epochs"] == metrics["epochs"]
    assert ours["val_accuracy"] == metrics["validation"]["accuracy"] and ours["seconds"] == metrics["seconds"]
    assert rows[-1]["status"] == "failed" and rows[-1]["test_accuracy"] is None
    table = cli("runs", "--runs-dir", str(runs_dir)).stdout
    assert trained.name in table and "val acc" in table and "failed" in table
    assert "no runs" in cli("runs", "--runs-dir", str(runs_dir / "nothing")).stdout


def test_show_prints_config_metrics_and_files(trained: Path):
    text = cli("show", str(trained)).stdout
    assert "complete" in text and "units: 8" in text and "model.keras" in text and "validation: loss" in text
    details = json.loads(cli("show", str(trained), "--json").stdout)
    assert details["metrics"]["epochs"] >= 1 and any(f.endswith("learning_curves.png") for f in details["files"])
    assert_clean_error(cli("show", str(trained.parent / "nope")), "run not found")


@pytest.fixture
def crafted(tmp_path: Path) -> Path:
    """Known figures: 6 train texts of 2..12 tokens, one duplicated pair, one text leaked into test."""
    (tmp_path / "train.csv").write_text(
        "text,label\n"
        "good film,pos\n"
        "good film,pos\n"
        "one two three four five six seven eight nine ten eleven twelve,neg\n"
        "bad bad bad,neg\n"
        "great <br /> movie here,pos\n"
        "awful awful plot,neg\n"
        "same words,neg\n"
        "same words,pos\n"
    )
    (tmp_path / "test.csv").write_text("text,label\nbad bad bad,neg\nnew words,pos\n")
    return write_config(
        tmp_path / "crafted.yaml",
        data={"validation": str(tmp_path / "test.csv")},
        vectorizer={"max_tokens": 5, "max_length": 3},
    )


def test_inspect_reports_known_figures(crafted: Path):
    result = cli("inspect", str(crafted), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    train = report["splits"]["train"]
    assert train["examples"] == 8 and train["class_counts"] == {"neg": 4, "pos": 4}
    assert train["duplicates"] == 2 and train["conflicting_duplicates"] == 1
    assert train["length_tokens"]["max"] == 12 and train["length_tokens"]["p50"] == 2
    assert train["truncated"] == pytest.approx(1 / 8)  # the 12-token text; "great <br /> movie here" is 3
    assert report["leakage"] == {"train_validation": 1, "train_test": 1}
    # 3 kept tokens (max_tokens 5 minus padding and [UNK]): bad ×3, awful ×2, and one of the pairs ×2
    assert report["vocabulary"]["train_coverage"] == pytest.approx(7 / 29, abs=1e-4)
    warnings = "\n".join(report["warnings"])
    assert "leakage" in warnings and "different labels" in warnings and "max_tokens" in warnings
    table = cli("inspect", str(crafted)).stdout
    assert "truncated" in table and "warning:" in table and "leakage: train/validation 1" in table


def test_inspect_counts_bad_rows_instead_of_stopping(crafted: Path):
    train = crafted.parent / "train.csv"
    train.write_text(train.read_text() + '"",pos\n')
    report = json.loads(cli("inspect", str(crafted), "--json").stdout)
    assert report["dropped_rows"] == {"train": {"empty text": 1}}


def test_init_writes_a_config_that_trains(tmp_path: Path):
    data = tmp_path / "reviews.csv"
    rows = [f'"{"great " * (i % 7 + 1)}film number {i}",{i},{"yes" if i % 2 else "no"}' for i in range(60)]
    data.write_text("review,id,liked\n" + "\n".join(rows) + "\n")
    out = tmp_path / "reviews.yaml"
    result = cli("init", str(data), "--out", str(out))
    assert result.exit_code == 0, result.output
    config = yaml.safe_load(out.read_text())
    assert config["data"]["text_column"] == "review" and config["data"]["label_column"] == "liked"
    assert config["vectorizer"]["max_length"] >= 10
    # XLA compiles once per length bucket (17 s more here); the starter's XLA setting is configs/imdb.yaml's
    quick = ["--set", "train.epochs=1", "--set", "train.jit_compile=false", "--set", f"run.dir={tmp_path / 'runs'}"]
    trained = cli("train", str(out), *quick)
    assert trained.exit_code == 0, trained.output
    assert_clean_error(cli("init", str(data), "--out", str(out)), "already exists")
