"""A run's decision (decision.json: temperature, then a threshold on the second class) is how predict, eval, the
exported SavedModel and the server all answer."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import cli
from lstmcls import runs
from lstmcls.inference.export import export
from lstmcls.inference.prediction import predict, predict_probabilities
from lstmcls.reporting.decision import Decision
from lstmcls.serving.model import load_export

TEXTS = ["good great film", "awful boring film", "good film but awful plot", "the plot was fine", "loved it, hated it"]


@pytest.fixture
def decided(trained: Path, tmp_path: Path) -> tuple[runs.Run, Decision]:
    """A copy of the shared trained run with a temperature and a threshold that turns some `pos` answers into `neg`."""
    run = runs.Run(shutil.copytree(trained, tmp_path / trained.name, ignore=shutil.ignore_patterns("export", "logs")))
    raw = predict_probabilities(run.load_model(), TEXTS)
    softened = Decision(temperature=2.0).calibrated(raw)[:, 1]
    above = np.sort(softened[softened >= 0.5])
    assert above.size, raw  # the tiny model calls at least one text `pos`
    decision = Decision(temperature=2.0, threshold=float(above[-1]) + 1e-3 if above.size == 1 else float(above[1]))
    runs.write_json(run.file(runs.DECISION), decision.to_json())
    return run, decision


def test_predict_eval_export_and_serve_answer_with_the_decision(decided: tuple[runs.Run, Decision]):
    run, decision = decided
    raw = predict_probabilities(run.load_model(), TEXTS)
    calibrated = decision.calibrated(raw)
    expected = ["pos" if p >= decision.threshold else "neg" for p in calibrated[:, 1]]
    assert expected != ["pos" if p >= 0.5 else "neg" for p in raw[:, 1]]  # the decision changes an answer

    found = predict(run, TEXTS)
    assert [p.label for p in found] == expected
    assert np.allclose([p.probabilities["pos"] for p in found], calibrated[:, 1], atol=1e-6)

    served = load_export(export(run), run).predict(TEXTS)  # the SavedModel, as `lstmcls serve` loads it
    assert list(served["label"]) == expected
    assert np.allclose(served["probabilities"], calibrated, atol=1e-5)

    report = json.loads(cli("eval", "--run", str(run.path), "--json").stdout)
    assert report["decision"] == {"temperature": 2.0, "threshold": decision.threshold, "goal": None}
    assert sum(map(sum, report["confusion_matrix"])) == report["examples"]
