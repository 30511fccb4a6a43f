"""`lstmcls tune` refuses a bad search space before it trains anything (studies themselves: integration tier)."""

from pathlib import Path

import pytest

from conftest import assert_clean_error, cli, write_config, write_csv


@pytest.mark.parametrize(
    ("space", "message"),
    [
        ({"model.unit": {"int": [4, 8]}}, "tune.space.model.unit: unknown key 'model.unit'; did you mean 'units'"),
        ({"model.units": {"int": [8, 4]}}, "tune.space.model.units: low 8 must be below high 4"),
        ({"train.learning_rate": {"float": [0.0, 0.1], "log": True}}, "a log range needs low > 0"),
        ({"model.cell": {"choice": ["lstm", "lstn"]}}, "tune.space.model.cell: model.cell: unknown cell 'lstn'"),
        ({"model.dropout": {"float": [0.0, 1.5]}}, "tune.space.model.dropout: model.dropout"),
        ({"model.units": {"intt": [1, 2]}}, "did you mean 'int'"),
    ],
)
def test_bad_spaces_fail_before_training(tmp_path: Path, space: dict, message: str):
    write_csv(tmp_path / "train.csv", ["neg", "pos"], rows=20)
    config = write_config(tmp_path / "search.yaml", tune={"space": space})
    assert_clean_error(cli("tune", str(config), "--trials", "2"), message)
    assert not list((tmp_path / "runs").glob("*-search-trial*"))
