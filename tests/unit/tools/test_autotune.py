"""`lstmcls train --autotune DURATION`: durations, the budget policy, the built-in space, bad input, and one real
search on tiny data that ends within its budget with best.yaml and the best trial's complete run."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from pathlib import Path

import optuna
import pytest
import yaml

from conftest import assert_clean_error, cli, write_config, write_csv
from lstmcls import runs
from lstmcls.config import load_config
from lstmcls.errors import ConfigError
from lstmcls.tools.autotune import Budget, builtin_space, with_search_space
from lstmcls.tools.durations import format_duration, parse_budget, parse_duration

BUDGET = 60  # seconds: a few tiny trials (7-15 s each on 2 shared cores) and the final training
SLACK = 1.15


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


@pytest.fixture(scope="module")
def autotuned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, float]:
    """One real search through the command, as --json prints it, and the wall time of the command."""
    root = tmp_path_factory.mktemp("autotune")
    write_csv(root / "train.csv", ["neg", "pos"], rows=80, seed=0)
    write_csv(root / "test.csv", ["neg", "pos"], rows=20, seed=1)
    config = write_config(root / "tiny.yaml")
    started = time.monotonic()
    result = cli("train", str(config), "--autotune", f"{BUDGET}s", "--json")
    seconds = time.monotonic() - started
    assert result.exit_code == 0, result.output
    return root, json.loads(result.stdout), seconds  # the trials' epochs stay off stdout


def test_autotune_ends_within_its_budget(autotuned: tuple[Path, dict, float]):
    _, found, wall = autotuned
    assert found["budget_seconds"] == BUDGET
    assert found["seconds"] <= BUDGET * SLACK, found["trials"]
    assert wall <= BUDGET * SLACK + 20  # + start-up: TensorFlow imported, the config read
    assert len(found["trials"]) >= 2  # a search, not one training
    first = found["trials"][0]["params"]  # the config as it is
    assert first["model.units"] == 8 and first["model.cell"] == "lstm" and first["vectorizer.max_length"] == 16


def test_the_final_run_is_the_best_trials_complete_run_of_best_yaml(autotuned: tuple[Path, dict, float]):
    root, found, _ = autotuned
    run = runs.Run(Path(found["run"])).require_complete()
    assert run.meta["status"] == runs.COMPLETE and run.load_model() is not None
    best = Path(found["best_config"])
    assert best == root / "runs" / "tune" / "tiny-autotune-1" / runs.BEST_CONFIG and best.is_file()
    best_trial = found["trials"][found["best_trial"]]
    assert best_trial["state"] == "complete" and Path(best_trial["run"]) == run.path
    assert best_trial["value"] == max(trial["value"] for trial in found["trials"] if trial["state"] == "complete")
    assert found["validation"]["accuracy"] == pytest.approx(best_trial["value"])
    best_config, run_config = yaml.safe_load(best.read_text()), yaml.safe_load(run.file(runs.CONFIG).read_text())
    assert {**run_config, "run": None} == {**best_config, "run": None}  # the run is best.yaml's config, trained
