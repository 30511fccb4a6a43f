"""`lstmcls train --autotune DURATION`: durations, the budget policy, the built-in space and bad input (the real
search on tiny data is in tests/integration/test_autotune_run.py)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

import optuna
import pytest

from conftest import assert_clean_error, cli, write_config
from lstmcls.config import load_config
from lstmcls.errors import ConfigError
from lstmcls.tools.autotune import Budget, builtin_space, with_search_space
from lstmcls.tools.durations import format_duration, parse_budget, parse_duration

# === Durations ===


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("10m", 600), ("1h", 3600), ("1h30m", 5400), ("2m30s", 150), ("600", 600), ("1.5h", 5400)],
)
def test_durations_read_as_people_write_them(text: str, seconds: float):
    assert parse_duration(text) == seconds
    assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize("text", ["10x", "", "m", "1m1h", "-5", "ten minutes"])
def test_a_bad_duration_names_the_forms_it_takes(text: str):
    with pytest.raises(ConfigError, match=r"is not a duration; give seconds or h, m and s, e\.g\. 90s, 10m"):
        parse_duration(text)


def test_a_budget_under_the_floor_is_refused_and_a_bare_number_hints_at_minutes():
    with pytest.raises(ConfigError, match="--autotune 10: 10s is too short to search .*did you mean 10m"):
        parse_budget("10")
    with pytest.raises(ConfigError, match="--autotune 20s: 20s is too short to search"):
        parse_budget("20s")
    assert parse_budget("30s") == 30


# === The budget ===


def _study(*trials: tuple[float, float | None]) -> optuna.Study:
    """A study holding finished trials of (seconds, value): a value of None is a pruned trial."""
    study = optuna.create_study(direction="maximize")
    start = datetime(2026, 1, 1)
    for seconds, value in trials:
        state = optuna.trial.TrialState.COMPLETE if value is not None else optuna.trial.TrialState.PRUNED
        study.add_trial(
            optuna.trial.FrozenTrial(
                number=0,
                state=state,
                value=value,
                datetime_start=start,
                datetime_complete=start + timedelta(seconds=seconds),
                params={},
                distributions={},
                user_attrs={"run": "runs/x"},
                system_attrs={},
                intermediate_values={},
                trial_id=0,
            )
        )
    return study


def _budget(seconds: float, elapsed: float) -> Budget:
    return Budget(seconds, started=time.monotonic() - elapsed)


def test_a_trial_starts_only_while_the_slowest_trial_so_far_fits():
    study = _study((20.0, 0.7), (10.0, 0.9), (3.0, None))  # the slowest took 20 s
    assert _budget(100, 99).room_for_trial(_study())  # the first trial always starts
    assert _budget(100, 79).room_for_trial(study)  # 21 s left
    assert not _budget(100, 81).room_for_trial(study)  # 19 s left


def test_a_budget_the_first_trial_overran_is_refused_with_what_would_do():
    with pytest.raises(ConfigError, match=r"its first trial alone took 60 s, so no search fits; give at least 2m"):
        _budget(40, 61).check_first_trial(_study((60.0, 0.8)))
    _budget(40, 61).check_first_trial(_study((30.0, 0.8), (30.0, 0.7)))  # a search, if a late one: kept


# === The space ===


def test_the_builtin_space_surrounds_the_config_and_keeps_what_it_allows(tmp_path: Path):
    config = load_config(write_config(tmp_path / "c.yaml", model={"units": 64, "fuse_pooling": True, "pooling": "max"}))
    space = builtin_space(config)
    assert space["model.units"] == {"int": [32, 128], "log": True}
    assert space["model.pooling"] == {"choice": ["max", "last"]}  # the fused loop pools by max or last only
    assert space["model.cell"] == {"choice": ["lstm", "gru"]}
    assert space["vectorizer.max_length"] == {"int": [8, 24]}
    assert space["model.dropout"] == {"float": [0.0, 0.5]}
    small = load_config(write_config(tmp_path / "s.yaml", model={"units": 4, "dropout": 0.7}))
    assert builtin_space(small)["model.units"]["int"] == [4, 8]  # every range holds the config's own value,
    assert builtin_space(small)["model.dropout"]["float"] == [0.0, 0.7]  # the first trial's
    assert {"model.dropout", "model.embedding.dropout", "model.embedding.dim", "train.learning_rate"} <= set(space)
    started = load_config(write_config(tmp_path / "p.yaml", model={"pretrained": "runs/lm"}))  # a language model
    assert not {"model.cell", "model.units", "model.embedding.dim"} & set(builtin_space(started))  # fixes the shape
    searched = with_search_space(config)
    assert searched.tune.metric == config.train.monitor and searched.tune.space.keys() == space.keys()


def test_a_config_with_its_own_space_is_searched_over_it(tmp_path: Path):
    config = load_config(write_config(tmp_path / "c.yaml", tune={"space": {"model.units": {"int": [4, 8]}}}))
    assert with_search_space(config) is config


# === The command ===


def test_bad_durations_and_budgets_exit_2_with_one_line(tiny: Path):
    assert_clean_error(cli("train", str(tiny), "--autotune", "10x"), "--autotune '10x' is not a duration")
    assert_clean_error(cli("train", str(tiny), "--autotune", "10s"), "too short to search (at least 30s)")
    assert not (tiny.parent / "runs").exists()


def test_autotune_cannot_resume(tiny: Path):
    result = cli("train", "--resume", str(tiny.parent), "--autotune", "10m")
    assert result.exit_code == 2 and "--autotune searches from a CONFIG; it cannot resume a run" in result.output
