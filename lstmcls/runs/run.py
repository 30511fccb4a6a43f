"""One run directory (`Run`): creating it, reading its files and status, and finding runs again.

A run never overwrites another: each gets a new directory named by its start time, name and a random suffix.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import socket
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lstmcls.errors import ConfigError, RunError
from lstmcls.reporting.decision import Decision
from lstmcls.runs.files import (
    BASELINE,
    CLASSIFIER,
    COMPLETE,
    CONFIG,
    CONFUSION_MATRIX_PLOT,
    CURVES,
    DECISION,
    KILLED,
    LABELS,
    LANGUAGE_MODEL,
    META,
    MODEL,
    PLOTS,
    PR_PLOT,
    PREPROCESSOR,
    PRETRAIN,
    RELIABILITY_PLOT,
    ROC_PLOT,
    RUNNING,
    VECTORS,
)

if TYPE_CHECKING:
    import keras

    from lstmcls.config.schema import Config
    from lstmcls.reporting.baseline import Baseline

_REQUIRED = {CLASSIFIER: (CONFIG, MODEL, LABELS), PRETRAIN: (CONFIG, VECTORS)}
_WRONG_KIND = {
    CLASSIFIER: "it holds word vectors: name it in model.embedding.pretrained and train a classifier with it",
    PRETRAIN: "give a run made by `lstmcls pretrain CONFIG` or a vector file",
}


@dataclass(frozen=True)
class Run:
    """A run directory; every accessor says clearly what is wrong when the directory is not usable."""

    path: Path

    @property
    def id(self) -> str:
        return self.path.name

    def file(self, name: str) -> Path:
        return self.path / name

    @property
    def meta(self) -> dict[str, Any]:
        return read_json(self.file(META), what=f"run {self.path}")

    @property
    def status(self) -> str:
        return self.meta.get("status", "unknown")

    @property
    def shown_status(self) -> str:
        """The status as `lstmcls runs` shows it: a `running` run whose process is gone on this host is `killed`."""
        status = self.status
        return KILLED if status == RUNNING and self.process_gone() else status

    @property
    def kind(self) -> str:
        return self.meta.get("kind", CLASSIFIER)  # runs from before pretraining existed are classifiers

    def require_complete(self, kind: str = CLASSIFIER) -> Run:
        """Return self if it is a `kind` run that finished well; otherwise raise a RunError that says what to do."""
        status = self.check_exists()
        if self.kind != kind:
            raise RunError(f"run {self.id} is a {self.kind} run, not a {kind} run; {_WRONG_KIND[kind]}")
        if status == RUNNING and self._alive():
            raise RunError(f"run {self.id} is still running (pid {self.meta.get('pid')}); wait for it to finish")
        if status != COMPLETE:
            if status == RUNNING:
                what = "was stopped without finishing (its process is gone: killed or crashed)"
            else:
                what = f"is {status}" + (f": {self.meta['error']}" if self.meta.get("error") else "")
            if kind == PRETRAIN:
                raise RunError(f"run {self.id} {what}; pretrain again with `lstmcls pretrain {self.file(CONFIG)}`")
            raise RunError(
                f"run {self.id} {what}; continue it with `lstmcls train --resume {self.path}` "
                f"or train again with `lstmcls train {self.file(CONFIG)}`"
            )
        for name in _REQUIRED[kind]:
            if not self.file(name).is_file():
                raise RunError(f"run {self.id} is marked complete but {name} is missing; make it again")
        return self

    def require_resumable(self) -> str:
        """The status of a run that `lstmcls train --resume` may continue; a RunError otherwise."""
        status = self.check_exists()
        if self.kind != CLASSIFIER:
            raise RunError(f"run {self.id} is a {self.kind} run; only classifier training resumes (pretrain again)")
        if status == COMPLETE:
            raise RunError(f"run {self.id} is already complete; nothing to resume")
        if status == RUNNING and self._alive():
            raise RunError(f"run {self.id} is still training (pid {self.meta.get('pid')})")
        if not self.file(CONFIG).is_file():
            raise RunError(f"run {self.id} has no {CONFIG}; train a new run instead")
        return status

    def check_exists(self) -> str:
        if not self.path.is_dir():
            raise RunError(f"run not found: {self.path} (give a directory under runs/, see `ls runs`)")
        if not self.file(META).is_file():
            raise RunError(f"{self.path} is not an lstmcls run (no {META})")
        return self.status

    def _alive(self) -> bool:
        """Whether the process that wrote `running` still exists (on this host); a resume needs it gone."""
        meta = self.meta
        return meta.get("host") == socket.gethostname() and isinstance(meta.get("pid"), int) and _exists(meta["pid"])

    def process_gone(self) -> bool:
        """Whether the process that wrote `running` is known to be gone: it ran on this host and exists no more.

        A run from another host may still be training; `_alive` counts it as gone, so that a resume can take it over.
        """
        meta = self.meta
        return meta.get("host") == socket.gethostname() and not self._alive()

    def config(self) -> Config:
        from lstmcls.config import load_config
        from lstmcls.errors import ConfigError

        try:
            return load_config(self.file(CONFIG))
        except ConfigError as exc:
            raise RunError(f"run {self.id}: its {CONFIG} is unreadable ({exc}); train a new run") from None

    def label_names(self) -> list[str]:
        return read_json(self.file(LABELS), what=f"run {self.id}")

    def decision(self) -> Decision:
        """How the run turns probabilities into answers (`decision.json`); argmax for a run without one."""
        path = self.file(DECISION)
        return Decision.from_json(read_json(path, what=f"run {self.id}")) if path.exists() else Decision()

    def baseline(self) -> Baseline | None:
        """The linear baseline fitted beside the model (`baseline.joblib`), or None for a run without one."""
        from lstmcls.reporting.baseline import load_baseline  # scikit-learn's models: only when a run is scored

        path = self.file(BASELINE)
        return load_baseline(path) if path.is_file() else None

    def score_plots(self, split: str) -> tuple[Path, Path, Path, Path, Path]:
        """Where a scored split's confusion matrix and ROC curve are drawn, its curves' points written, and its
        precision-recall curves and reliability diagram drawn."""
        folder = self.file(PLOTS)
        names = (CONFUSION_MATRIX_PLOT, ROC_PLOT, CURVES, PR_PLOT, RELIABILITY_PLOT)
        return tuple(folder / name.format(split=split) for name in names)

    def load_model(self) -> keras.Model:
        """The end-to-end model (raw strings → probabilities), loadable in any process."""
        return self._load(MODEL)

    def load_preprocessor(self) -> keras.Model:
        """The vectorizer model (raw strings → token ids) the run was trained with."""
        return self._load(PREPROCESSOR)

    def load_language_model(self) -> keras.Model:
        """A language model pretrain run's network: token ids → every step's logits, per direction."""
        return self._load(LANGUAGE_MODEL)

    def _load(self, name: str) -> keras.Model:
        import keras

        from lstmcls.models.custom_objects import register_custom_objects

        register_custom_objects()
        try:
            return keras.saving.load_model(self.file(name))
        except Exception as exc:  # a truncated or foreign file raises anything from zipfile to h5py
            raise RunError(f"run {self.id}: cannot load {name} ({type(exc).__name__}: {exc}); train it again") from None

    def update_meta(self, **fields: Any) -> None:
        write_json(self.file(META), {**self.meta, **fields})


def create_run(
    config: Config, fingerprint: dict[str, str], dropped: dict[str, dict[str, int]], kind: str = CLASSIFIER
) -> Run:
    """Make a new, never-reused run directory holding the resolved config and a `running` status.

    Args:
        fingerprint: what identifies the data (file hashes, tfds version), recorded for tracing.
        dropped: rows skipped per split and reason (`data.on_bad_rows: skip`).
        kind: CLASSIFIER or PRETRAIN; commands refuse a run of the wrong kind.
    """
    runs_dir = config.run.dir
    runs_dir.mkdir(parents=True, exist_ok=True)
    name = config.run.name or "run"
    while True:
        run_id = f"{datetime.now():%Y%m%d-%H%M%S}-{name}-{secrets.token_hex(3)}"
        try:
            (runs_dir / run_id).mkdir()
            break
        except FileExistsError:
            continue
    run = Run(runs_dir / run_id)
    run.file(CONFIG).write_text(config.to_yaml(), encoding="utf-8")
    write_json(
        run.file(META),
        {
            "id": run_id,
            "name": name,
            "kind": kind,
            "status": RUNNING,
            "started": utc_now(),
            "seed": config.train.seed,
            "data": fingerprint,
            "dropped_rows": dropped,
            **process_info(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "versions": _versions(),
        },
    )
    return run


def process_info() -> dict[str, Any]:
    """Who is training: lets commands tell a run in progress from one whose process was killed."""
    return {"pid": os.getpid(), "host": socket.gethostname()}


def open_run(path: str | Path | None, runs_dir: str | Path = "runs") -> Run:
    """The run at `path`, or the newest complete classifier run in `runs_dir`; checked to be complete."""
    if path is not None:
        return Run(Path(path)).require_complete()
    runs = [run for run in list_runs(Path(runs_dir)) if _status_or_none(run) == COMPLETE and run.kind == CLASSIFIER]
    if not runs:
        raise RunError(f"no complete run in {runs_dir}/; train one with `lstmcls train CONFIG` or pass --run")
    return runs[0].require_complete()


def newest_named(path: Path, kind: str) -> Run | None:
    """For `runs/NAME` that is no directory: the newest complete run of that kind named NAME in `runs/`."""
    for run in list_runs(path.parent):
        if run.meta.get("name") == path.name and run.kind == kind and _status_or_none(run) == COMPLETE:
            return run
    return None


def pretrain_run(path: Path, key: str) -> Run | None:
    """The complete `lstmcls pretrain` run a config key names: the run directory, or `runs/NAME` for the newest
    complete pretrain run named NAME; None when `path` is no directory (the key may name a file instead).

    Raises:
        ConfigError: naming `key`, when the directory is not a complete pretrain run.
    """
    if not path.exists() and (named := newest_named(path, PRETRAIN)) is not None:
        path = named.path
    if not path.is_dir():
        return None
    try:
        return Run(path).require_complete(kind=PRETRAIN)
    except RunError as exc:
        raise ConfigError(f"{key}: {exc}") from None


def list_runs(runs_dir: Path) -> list[Run]:
    """Run directories in `runs_dir`, newest first."""
    if not runs_dir.is_dir():
        return []
    runs = [Run(p) for p in runs_dir.iterdir() if (p / META).is_file()]
    return sorted(runs, key=lambda run: run.id, reverse=True)  # ids start with a sortable timestamp


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _status_or_none(run: Run) -> str | None:
    try:
        return run.status
    except RunError:
        return None


# === JSON files ===


def read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunError(f"{what}: {path.name} is missing") from None
    except (OSError, ValueError) as exc:
        raise RunError(f"{what}: {path.name} is unreadable ({exc})") from None


def write_json(path: Path, data: Any) -> None:
    """Write atomically (temp file + rename): a reader never sees half a file."""
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2)
        out.write("\n")
    os.replace(tmp, path)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in ("lstmcls", "tensorflow", "keras", "tensorflow-datasets", "numpy"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    return found
