"""The README documents every config key: its table is the one the schema generates."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import config_table  # noqa: E402


def test_readme_config_table_is_current():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert config_table.table() in readme, "regenerate it: python scripts/config_table.py"
    for key in config_table.config_keys():
        assert f"`{key}`" in readme, key


def test_readme_opens_with_the_two_commands():
    head = (ROOT / "README.md").read_text(encoding="utf-8")[:600]
    assert "make train" in head and "make test" in head
