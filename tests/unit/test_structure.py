"""The package's shape: its layers import only downwards, no module imports itself in a circle, each module
imports on its own, and no module or function outgrows the size that reads well."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "lstmcls"

# Lowest first: a module may import from its own layer or a lower one, never from a higher one.
LAYERS = [
    {"lstmcls.errors", "lstmcls.registry", "lstmcls.components"},
    {"lstmcls.config"},
    {"lstmcls.reporting"},
    {"lstmcls.data"},
    {"lstmcls.models"},
    {"lstmcls.runs"},
    {"lstmcls.tracking"},
    {"lstmcls.training"},
    {"lstmcls.inference"},
    {"lstmcls.interpret"},
    {"lstmcls.serving"},
    {"lstmcls.tools"},
    {"lstmcls.cli"},
    {"lstmcls", "lstmcls.__main__"},
]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> int:
    """The rank of the layer a module belongs to: its longest matching prefix in LAYERS."""
    best, rank = "", None
    for index, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > len(best):
                best, rank = name, index
    assert rank is not None, f"{module} belongs to no layer: add it to LAYERS"
    return rank


def imports(module: str) -> set[str]:
    """The lstmcls modules `module` imports when it runs (imports inside functions too; not TYPE_CHECKING ones)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            node.body = []  # type-only imports never run
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names} & MODULES.keys()
            found |= submodules or {node.module}  # `from package import module` names the module
    return {name for name in found if name in MODULES and name != module}


GRAPH = {module: imports(module) for module in MODULES}


def test_every_module_imports_only_its_own_layer_or_lower_ones():
    upward = [
        f"{module} → {other}" for module, others in GRAPH.items() for other in others if layer(other) > layer(module)
    ]
    assert not upward, "imports from a higher layer: " + "; ".join(sorted(upward))


def test_no_import_cycle():
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for other in sorted(GRAPH[module]):
            if state.get(other) == 1:
                cycles.append(" → ".join(path[path.index(other) :] + [other]))
            elif other not in state:
                visit(other, [*path, other])
        state[module] = 2

    for module in MODULES:
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles: " + "; ".join(cycles)


def test_each_module_imports_on_its_own():
    """Imported one by one with every other lstmcls module forgotten: none relies on what was imported before.

    (`lstmcls.__main__` is left out: importing it runs the command.)
    """
    script = (
        "import importlib, json, sys\n"
        "failed = {}\n"
        f"for name in {sorted(set(MODULES) - {'lstmcls.__main__'})!r}:\n"
        "    for loaded in [m for m in sys.modules if m == 'lstmcls' or m.startswith('lstmcls.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        failed[name] = f'{type(exc).__name__}: {exc}'\n"
        "print(json.dumps(failed))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.splitlines()[-1]) == {}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_reads_well(module: str):
    text = MODULES[module].read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{module} is over {MAX_MODULE_LINES} lines: split it"
    assert "fmt: skip" not in text, f"{module}: let the formatter lay the code out"
    tree = ast.parse(text)
    assert ast.get_docstring(tree), f"{module} has no docstring saying what it is for"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{module}: functions over {MAX_FUNCTION_LINES} lines: {', '.join(long)}"


def test_loading_and_checking_a_config_imports_no_tensorflow():
    """Config errors answer at once: the schema, the component tables and the sources know no Keras."""
    script = (
        "import sys\n"
        "import lstmcls\n"
        "from lstmcls.config import load_config\n"
        "for path in sys.argv[1:]:\n"
        "    load_config(path)\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n"
    )
    configs = sorted(str(path) for path in (ROOT / "configs").glob("*.yaml"))
    result = subprocess.run([sys.executable, "-c", script, *configs], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"
