"""Where a run's time went: the phases a training session times and metrics.json records."""

import json
import time
from pathlib import Path

import pytest

from lstmcls.training.timing import Phases


def test_a_phase_timed_twice_adds_up_and_phases_keep_the_order_they_first_ran():
    phases = Phases()
    with phases.timed("load"):
        time.sleep(0.02)
    with phases.timed("train"):
        pass
    with phases.timed("load"):
        time.sleep(0.02)
    seconds = phases.as_dict()
    assert list(seconds) == ["load", "train"]
    assert seconds["load"] >= 0.04 and seconds["train"] >= 0  # the two sleeps add up (no upper bound: load varies)


def test_a_phase_that_fails_is_still_timed():
    phases = Phases()
    with pytest.raises(ValueError), phases.timed("train"):
        raise ValueError("boom")
    assert "train" in phases.as_dict()


def test_a_run_records_the_seconds_of_each_phase_within_its_own(trained: Path):
    metrics = json.loads((trained / "metrics.json").read_text())
    phases = metrics["phase_seconds"]
    assert list(phases) == ["load", "vectorise", "train", "finish", "baseline"]
    assert all(seconds >= 0 for seconds in phases.values())
    # `seconds` is the run's own time (from its directory's creation); loading comes before it.
    assert sum(seconds for name, seconds in phases.items() if name != "load") <= metrics["seconds"] + 0.1
