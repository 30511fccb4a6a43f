"""What every benchmark shares: the folders, running a command (wall time, peak RSS), training a run, and the
provenance each result file carries (commit, versions, machine)."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"  # committed: docs/benchmarks.md is rendered from these files alone
RUNS = ROOT / "benchmarks" / "runs"  # the benchmarks' scratch runs (ignored by git)
TABLE = ROOT / "docs" / "benchmarks.md"
LSTMCLS = [sys.executable, "-m", "lstmcls", "--quiet"]
DEFAULT = ROOT / "configs" / "imdb.yaml"


# === Running commands ===


def run(command: list[str], stdin: str | None = None) -> dict:
    """Run a command; its wall seconds, peak RSS (MiB) and stdout. A failure stops the benchmark loudly."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=out, stderr=err, cwd=ROOT)
        if stdin is not None:
            process.stdin.write(stdin.encode())
        process.stdin.close()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0), err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bench: {' '.join(command)} failed:\n{stderr[-3000:]}")
    peak = usage.ru_maxrss  # KiB on Linux
    return {"seconds": round(seconds, 2), "peak_rss_mib": round(peak / 1024), "peak_rss_kib": peak, "stdout": stdout}


def last_json(result: dict) -> dict:
    """The JSON object a script prints last (Keras prints its epoch lines to stdout before it)."""
    return json.loads(result["stdout"].strip().splitlines()[-1])


def sets(overrides: list[str]) -> list[str]:
    """`--set KEY=VALUE` for each override."""
    return [arg for item in overrides for arg in ("--set", item)]


def train(config: Path, runs_dir: Path, name: str, overrides: list[str] = ()) -> tuple[Path, dict]:
    """`lstmcls train CONFIG` into `runs_dir` as `name`: the run directory and the command's wall time and RSS."""
    result = run(
        [*LSTMCLS, "train", str(config), *sets([f"run.dir={runs_dir}", f"run.name={name}", *overrides]), "--json"]
    )
    return Path(json.loads(result["stdout"])["run"]), result


def history(run_dir: Path) -> list[dict]:
    """A run's history.csv, one dict per epoch."""
    with open(run_dir / "history.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def spread(values: list[float]) -> dict:
    return {"min": round(min(values), 3), "median": round(statistics.median(values), 3), "max": round(max(values), 3)}


# === Provenance ===


def machine() -> dict:
    """The CPU, its cores and the platform, with the versions that matter (as every result file has them)."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return {"cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform(), **versions()}


def versions() -> dict:
    import keras
    import sklearn
    import tensorflow as tf

    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "sklearn": sklearn.__version__,
    }


NOT_CODE = [":!benchmarks/results", ":!docs/benchmarks.md"]  # what a benchmark writes does not make the code dirty


CODE = ["lstmcls", "scripts", "configs", "benchmarks/rows.yaml", "setup.cfg"]  # what a measurement depends on


def commit() -> dict:
    """The checked-out commit, whether the code differs from it (result files and the table do not count), and
    `code`: a hash of the committed code's git trees, equal for two commits that differ only in results or docs."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    trees = subprocess.run(
        ["git", "rev-parse", *(f"HEAD:{path}" for path in CODE)], cwd=ROOT, capture_output=True, text=True
    ).stdout
    changed = subprocess.run(
        [
            "git",
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            ".",
            ":!benchmarks/results",
            ":!docs/benchmarks.md",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    return {"commit": head, "dirty": bool(changed.strip()), "code": sha256(trees)[:12]}


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


# === Result files ===


def write_result(name: str, payload: dict, quick: bool) -> Path:
    """benchmarks/results/<name>.json (`<name>-quick.json` for a smoke run, which git ignores and the table skips)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}{'-quick' if quick else ''}.json"
    path.write_text(json.dumps({**payload, "quick": quick}, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}", file=sys.stderr)
    return path


def save(name: str, result: dict, quick: bool) -> Path:
    """One result file for one invocation of a benchmark: `<name>-<date>.json`; the table shows the newest."""
    payload = {"benchmark": name, "date": stamp(), "machine": machine(), **commit(), **result}
    return write_result(f"{name}-{payload['date']}", payload, quick)


def publish(name: str, result: dict, quick: bool) -> Path:
    """Save a benchmark's result file and, unless quick, render docs/benchmarks.md again from all the files."""
    path = save(name, result, quick)
    if not quick:
        write_table()
    return path


def write_table() -> None:
    """docs/benchmarks.md, rendered from the committed result files alone."""
    from benchlib.render import load_results, render

    TABLE.write_text(render(load_results(RESULTS)), encoding="utf-8")
    print(f"wrote {TABLE.relative_to(ROOT)}", file=sys.stderr)
