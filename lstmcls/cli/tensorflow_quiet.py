"""TensorFlow's start-up chatter kept off a CLI user's terminal (`--debug` shows it).

Importing TensorFlow writes, whatever TF_CPP_MIN_LOG_LEVEL says, absl's "All log messages before
absl::InitializeLog() is called..." notice, cudart's "Could not find cuda drivers", the cuDNN/cuFFT/cuBLAS
factory registrations, the oneDNN and CPU-instruction notices: straight to file descriptor 2, below Python,
where `logging` and `warnings` cannot reach. So while TensorFlow is first imported, descriptor 2 points at a
temporary file; it is restored right after, and what was captured is shown only if the import fails.

The import is caught where it happens (a one-shot import hook) rather than forced when the command starts:
a command that needs no TensorFlow (`init`, `runs`, `show`, `--help`, a config error) never loads it and
answers at once, and one that does (`train`) loads it only once its config has been read and checked.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType

MODULE = "tensorflow"


def configure(debug: bool) -> None:
    """Quiet TensorFlow for this process unless `debug`: its start-up lines, its C++ log, its Python log."""
    _remove_hook()
    if debug:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # what the C++ side logs once it is running
    logging.getLogger(MODULE).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message=".*shuffle=True.*")
    if MODULE not in sys.modules:
        sys.meta_path.insert(0, _QuietImport())


def _remove_hook() -> None:
    sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, _QuietImport)]


class _QuietImport(importlib.abc.MetaPathFinder):
    """Finds `tensorflow` as usual, once, and hands back a loader that runs its import quietly."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != MODULE:
            return None
        _remove_hook()
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


class _QuietLoader(importlib.abc.Loader):
    """The real loader, run with file descriptor 2 captured; the module keeps the real loader."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = module.__spec__.loader = self.loader  # nothing of the hook stays behind
        with _stderr_captured():
            self.loader.exec_module(module)


@contextmanager
def _stderr_captured() -> Iterator[None]:
    """File descriptor 2 into a temporary file for the block; its content reaches stderr only on an error."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        failed = False
        try:
            yield
        except Exception:
            failed = True
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            if failed:
                captured.seek(0)
                sys.stderr.write(captured.read().decode(errors="replace"))
