"""A run's export, loaded in a fresh Python process, predicts what `lstmcls predict` does."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import assert_clean_error, cli


def test_exported_savedmodel_matches_predict_in_a_fresh_process(trained: Path, tmp_path: Path):
    out = tmp_path / "exported"
    result = cli("export", "--run", str(trained), "--out", str(out))
    assert result.exit_code == 0, result.output
    texts = ["a great superb film", "awful boring plot", "the story"]
    expected = json.loads(cli("predict", "--run", str(trained), "--json", *texts).stdout)
    script = (
        "import json, sys, tensorflow as tf\n"
        "model = tf.saved_model.load(sys.argv[1])\n"
        "out = model.signatures['serving_default'](texts=tf.constant(json.loads(sys.argv[2])))\n"
        "labels = out['label'].numpy().astype(str).tolist()\n"
        "print(json.dumps({'p': out['probabilities'].numpy().tolist(), 'label': labels}))\n"
    )
    fresh = subprocess.run(
        [sys.executable, "-c", script, str(out), json.dumps(texts)], capture_output=True, text=True, check=True
    )
    served = json.loads(fresh.stdout.strip().splitlines()[-1])
    assert served["label"] == [p["label"] for p in expected]
    for row, prediction in zip(served["p"], expected, strict=True):
        assert row == pytest.approx([prediction["probabilities"][name] for name in ("neg", "pos")], abs=1e-6)
    assert_clean_error(cli("export", "--run", str(trained), "--out", str(out)), "already exists", "--force")
    assert cli("export", "--run", str(trained), "--out", str(out), "--force").exit_code == 0
