"""Every ready config in configs/ is valid."""

from pathlib import Path

import pytest

from conftest import ROOT
from lstmcls.config import load_config

CONFIGS = sorted((ROOT / "configs").glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_ready_config_is_valid(path: Path):
    assert load_config(path).run.name == path.stem
