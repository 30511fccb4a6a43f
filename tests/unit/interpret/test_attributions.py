"""`explain` on a model loaded once (as `lstmcls serve` calls it) answers as `explain` on the run."""

from pathlib import Path

import pytest

from lstmcls.interpret.attributions import explain
from lstmcls.interpret.model_parts import ModelParts
from lstmcls.runs.run import Run

TEXTS = ["a great superb film", "zzz awful boring"]


def test_explain_takes_a_loaded_model_again_and_again_and_answers_as_for_the_run(trained: Path):
    run = Run(trained)
    expected = [explanation.to_dict() for explanation in explain(run, TEXTS, steps=8)]
    parts = ModelParts(run)
    for _ in range(2):  # the second call reuses the parts' integrated gradients
        answers = [explanation.to_dict() for explanation in explain(parts, TEXTS, steps=8, gates=True)]
        for answer, want in zip(answers, expected):
            assert answer["label"] == want["label"] and answer["target"] == want["target"]
            assert answer["probabilities"] == pytest.approx(want["probabilities"], abs=1e-6)
            assert [token["text"] for token in answer["tokens"]] == [token["text"] for token in want["tokens"]]
            got = [token["attribution"] for token in answer["tokens"]]
            assert got == pytest.approx([token["attribution"] for token in want["tokens"]], abs=1e-5)
            assert answer["gates"] and not want["gates"]
    assert parts.integrated_gradients is not None  # kept for the next call
