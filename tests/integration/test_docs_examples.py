"""The documented examples run: the README's tour, command by command, and its Python example, on tiny data
laid out where the examples expect it (`configs/imdb.yaml` here is a tiny CSV config); every `lstmcls` command
line anywhere in the docs names a real command and real options."""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import click
import pytest

from conftest import ROOT, cli, write_config, write_csv
from lstmcls.cli import main

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def fenced(markdown: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", markdown, flags=re.S)


def console_commands(markdown: str) -> list[list[str]]:
    """`$ lstmcls ...` lines of the console blocks, as argument lists (comments dropped)."""
    commands = []
    for block in fenced(markdown, "console"):
        for line in block.splitlines():
            if line.startswith("$ lstmcls "):
                commands.append(shlex.split(line.removeprefix("$ lstmcls "), comments=True))
    return commands


@pytest.fixture
def tiny_imdb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory whose configs/imdb.yaml trains a tiny model on tiny CSV data."""
    write_csv(tmp_path / "train.csv", ["neg", "pos"], rows=80, seed=0)
    write_csv(tmp_path / "test.csv", ["neg", "pos"], rows=20, seed=1)
    (tmp_path / "configs").mkdir()
    data = {"train": str(tmp_path / "train.csv"), "test": str(tmp_path / "test.csv")}
    config = write_config(tmp_path / "configs" / "imdb.yaml", data=data, run={"dir": "runs"})
    monkeypatch.chdir(tmp_path)
    return config


def test_the_readme_tour_runs_as_written(tiny_imdb: Path):
    commands = console_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    assert [command[0] for command in commands][:3] == ["train", "eval", "predict"]
    for command in commands:
        result = cli(*command)
        assert result.exit_code == 0, f"lstmcls {shlex.join(command)}\n{result.output}"
        if command[0] == "predict":
            labels = [line.split("\t")[0] for line in result.stdout.splitlines()]
            assert len(labels) == len(command) - 1 and set(labels) <= {"neg", "pos"}
    assert (tiny_imdb.parent.parent / "exported" / "imdb" / "saved_model.pb").is_file()


# Statements that need what a tiny test cannot give: a tuning study, word2vec or language-model pretraining on IMDB.
TOO_BIG = ("configs/imdb_tune.yaml", "configs/imdb_w2v.yaml", "configs/imdb_lm.yaml")


@pytest.mark.parametrize("page", ["README.md", "docs/python-api.md"])
def test_the_python_examples_run(tiny_imdb: Path, page: str):
    """Each top-level statement in turn; `runs/<run-id>` stands for a run that does not exist."""
    from lstmcls import RunError

    blocks = fenced((ROOT / page).read_text(encoding="utf-8"), "python")
    assert blocks, f"{page} has no Python example"
    namespace: dict = {}
    for block in blocks:
        for statement in ast.parse(block).body:
            source = ast.get_source_segment(block, statement)
            if any(name in source for name in TOO_BIG):
                continue
            code = compile(ast.Module([statement], type_ignores=[]), page, "exec")
            if "<run-id>" in source:
                with pytest.raises(RunError):
                    exec(code, namespace)
            else:
                exec(code, namespace)


@pytest.mark.parametrize("page", [path.relative_to(ROOT).as_posix() for path in DOCS])
def test_every_documented_command_line_names_real_options(page: str):
    for command in console_commands((ROOT / page).read_text(encoding="utf-8")):
        group: click.Command = main
        words = list(command)
        while isinstance(group, click.Group) and words and words[0] in group.commands:
            group = group.commands[words.pop(0)]
        assert group is not main, f"{page}: lstmcls {shlex.join(command)}: no such command"
        known = {option for parameter in group.params for option in getattr(parameter, "opts", [])}
        used = {word.split("=")[0] for word in words if word.startswith("--")}
        assert used <= known, f"{page}: lstmcls {shlex.join(command)}: unknown {sorted(used - known)}"
