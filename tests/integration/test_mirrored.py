"""tf.distribute: two workers training one run in sync, `mirrored` through the same loop, resume, config errors."""

import json
import logging
import re
from pathlib import Path

import keras
import pytest

from conftest import assert_clean_error, cli
from lstmcls.config import load_config
from lstmcls.errors import ConfigError, TrainingInterrupted
from lstmcls.training import loop
from lstmcls.training.distribute import read_tf_config

FINGERPRINT = re.compile(r"final weights: sha256 ([0-9a-f]{16})")


@pytest.fixture
def loop_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each training that goes through the distributed loop."""
    calls: list[str] = []
    fit = loop.fit

    def recorded(model, strategy, *args, **kwargs) -> None:
        calls.append(type(strategy).__name__)
        fit(model, strategy, *args, **kwargs)

    monkeypatch.setattr(loop, "fit", recorded)
    return calls


def test_mirrored_trains_one_replica_through_the_distributed_loop(tiny: Path, trained: Path, loop_calls, caplog):
    caplog.set_level(logging.INFO, logger="lstmcls")
    weighted = ("--set", "train.class_weight={pos: 2}", "--json")  # the loop weighs the loss as `fit` does
    result = cli("train", str(tiny), "--set", "distribute.strategy=mirrored", "--set", "train.patience=null", *weighted)
    assert result.exit_code == 0, result.output
    assert loop_calls == ["MirroredStrategy"]
    assert "strategy: mirrored, 1 replica" in caplog.text and FINGERPRINT.search(caplog.text)
    run = Path(json.loads(result.stdout)["run"])
    assert json.loads((run / "run.json").read_text())["distribute"] == {
        "strategy": "mirrored",
        "replicas": 1,
        "workers": 1,
    }
    history = (run / "history.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in history[1:]] == ["0", "1", "2"]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "examples_per_second"} <= set(history[0].split(","))
    fit_history = (trained / "history.csv").read_text().splitlines()  # the shared run, trained by Keras's `fit`
    assert history[0] == fit_history[0]  # the same metrics: macro_f1, roc_auc, pr_auc, each with its val_
    assert json.loads((run / "metrics.json").read_text())["validation"]["accuracy"] >= 0.75
    predicted = cli("predict", "--run", str(run), "--json", "good great film", "awful boring film")
    assert [p["label"] for p in json.loads(predicted.stdout)] == ["pos", "neg"]


def test_mirrored_run_resumes_from_its_last_completed_epoch(tiny: Path, loop_calls):
    from lstmcls.training.runner import resume, train

    class StopAfterAnEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs=None) -> None:
            raise TrainingInterrupted("stop")  # after BackupAndRestore saved the epoch

    with pytest.raises(TrainingInterrupted):
        train(load_config(tiny, ["distribute.strategy=mirrored", "train.patience=null"]), 0, [StopAfterAnEpoch()])
    (run,) = (tiny.parent / "runs").iterdir()
    assert json.loads((run / "run.json").read_text())["status"] == "interrupted"
    assert (run / "checkpoints" / "backup").is_dir()
    resume(run, verbose=0)
    assert loop_calls == ["MirroredStrategy", "MirroredStrategy"]
    assert json.loads((run / "run.json").read_text())["status"] == "complete"
    epochs = [line.split(",")[0] for line in (run / "history.csv").read_text().splitlines()[1:]]
    assert epochs == ["0", "1", "2"]  # the second session started at the second epoch


# === Config errors: one line, exit code 2, nothing written ===


@pytest.mark.parametrize(
    ("tf_config", "message"),
    [
        (None, "multi_worker needs the cluster in TF_CONFIG"),
        ("{not json", "TF_CONFIG is malformed"),
        ('{"cluster": {"worker": ["a:1"]}}', "TF_CONFIG is malformed"),
        ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 1}}', "'worker' 1 is not in"),
    ],
)
def test_multi_worker_needs_a_valid_tf_config(tiny: Path, monkeypatch, tf_config: str | None, message: str):
    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", tf_config)
    result = cli("train", str(tiny), "--set", "distribute.strategy=multi_worker")
    assert_clean_error(result, message, "set TF_CONFIG on every host")
    assert not (tiny.parent / "runs").exists()


def test_unknown_strategy_gets_a_did_you_mean(tiny: Path):
    result = cli("train", str(tiny), "--set", "distribute.strategy=mirored")
    assert_clean_error(result, "distribute.strategy", "did you mean 'mirrored'")


def test_a_chief_task_is_worker_zero():
    spec = {"cluster": {"chief": ["a:1"], "worker": ["b:1", "c:1"]}, "task": {"type": "worker", "index": 1}}
    assert read_tf_config(json.dumps(spec)) == (3, 2)
    spec["task"] = {"type": "chief", "index": 0}
    assert read_tf_config(json.dumps(spec)) == (3, 0)
    with pytest.raises(ConfigError, match="'evaluator' 0 is not in"):
        read_tf_config(json.dumps({**spec, "task": {"type": "evaluator", "index": 0}}))
