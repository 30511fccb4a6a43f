"""A language model pretrained by `lstmcls pretrain` and a classifier started from it (`model.pretrained`), as
configs/imdb_lm.yaml and configs/imdb_ulm.yaml do on IMDB: pretrain → train (fused, XLA) → eval → predict in a
fresh process → export."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import numpy as np
import tensorflow as tf

from conftest import FILLER, WORDS, cli, predict_in_fresh_process, write_config, write_csv

NETWORK = {"embedding": {"dim": 8}, "units": 8, "cell": "gru", "bidirectional": True, "pooling": "max"}


def test_pretrain_a_language_model_then_train_eval_predict_export_from_it(tmp_path: Path):
    write_csv(tmp_path / "train.csv", ["neg", "pos"], rows=80, seed=0)
    write_csv(tmp_path / "test.csv", ["neg", "pos"], rows=20, seed=1)
    rng = random.Random(3)
    words = FILLER + [word for group in WORDS.values() for word in group]
    lines = (" ".join(rng.choice(words) for _ in range(rng.randint(4, 14))) + ". Really!" for _ in range(100))
    (tmp_path / "unlabelled.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    pretrain = {"method": "language_model", "epochs": 2, "sampled": 8, "unlabelled": str(tmp_path / "unlabelled.txt")}
    lm_config = write_config(tmp_path / "lm.yaml", model=NETWORK, pretrain=pretrain)

    result = cli("pretrain", str(lm_config), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    lm = Path(report["run"])
    assert report["method"] == "language_model" and report["corpus"]["texts"] == 72 + 100
    assert report["perplexity"] > 1 and {"val_perplexity_forward", "val_perplexity_backward"} <= set(report)
    with open(lm / "history.csv", newline="") as handle:
        assert [row["epoch"] for row in csv.DictReader(handle)] == ["1", "2"]
    shown = cli("show", str(lm)).stdout
    assert "held-out perplexity" in shown and "language_model.keras" in shown
    assert "next: set model.pretrained:" in cli("pretrain", str(lm_config), "--set", "pretrain.epochs=1").stdout

    model = {**NETWORK, "fuse_pooling": True, "pretrained": str(tmp_path / "runs" / "lm")}  # runs/NAME: the newest
    config = write_config(tmp_path / "ulm.yaml", model=model, train={"jit_compile": True, "epochs": 2})
    trained = cli("train", str(config), "--json")
    assert trained.exit_code == 0, trained.output
    run = Path(json.loads(trained.stdout)["run"])
    meta = json.loads((run / "run.json").read_text())
    newest = max((path for path in (tmp_path / "runs").iterdir() if path.name.split("-")[2] == "lm"), key=str)
    assert meta["language_model"] == str(newest) and meta["pretrained"]["vocabulary_coverage"] == 1.0

    evaluation = cli("eval", "--run", str(run), "--json")
    assert evaluation.exit_code == 0 and json.loads(evaluation.stdout)["examples"] == 20
    texts = ["a great superb film", "awful boring plot"]
    (outputs,) = predict_in_fresh_process([run], texts).values()
    assert np.asarray(outputs).shape == (2, 1)
    out = tmp_path / "exported"
    assert cli("export", "--run", str(run), "--out", str(out)).exit_code == 0
    served = tf.saved_model.load(str(out)).signatures["serving_default"](texts=tf.constant(texts))
    np.testing.assert_allclose(served["probabilities"].numpy()[:, 1], np.asarray(outputs)[:, 0], rtol=1e-4, atol=1e-5)
