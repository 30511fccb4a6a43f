"""The LSTM and the peephole LSTM, both ways with every pooling (and fused), learn word order,
export the same outputs (one export per cell and per pooling)
and load in a fresh process through the Python API (see model_family.py)."""

from pathlib import Path

import pytest

from model_family import check_exports, check_fresh_process, check_learns, combinations, exported, train_family

CELLS = ["lstm", "peephole_lstm"]


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return train_family(tmp_path_factory.mktemp("family"), CELLS)


@pytest.mark.parametrize("combination", combinations(CELLS), ids=lambda c: "-".join(map(str, c)))
def test_learns_word_order(family: dict, combination: tuple):
    check_learns(family, combination)


@pytest.mark.parametrize("combination", exported(combinations(CELLS)), ids=lambda c: "-".join(map(str, c)))
def test_exports_the_same_outputs(family: dict, combination: tuple, tmp_path: Path):
    check_exports(family, combination, tmp_path / "export")


def test_every_run_loads_in_a_fresh_process_through_the_python_api(family: dict):
    check_fresh_process(family)
