"""docs/benchmarks.md as a pure function of the result files in benchmarks/results/: `render(load_results(folder))`.

Accuracy rows aggregate their seeds (one file per row and seed); every other benchmark shows its newest result
file. Smoke runs (`--quick`) never reach the page.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from benchlib.goals import goals_section
from benchlib.protocol import protocol_section

HEADER = [
    "# Benchmarks",
    "",
    "Rendered by `scripts/bench.py` from the JSON files in `benchmarks/results/` alone (`python scripts/bench.py "
    "--table` renders it again); do not edit by hand. Every table names its machine and commit. Seconds are "
    "wall-clock seconds.",
]
ACCURACY_NOTE = (
    "Mean ± standard deviation (minimum) over each row's seeds; n: the seeds. Validation picks the epoch (and "
    "anything else the row chooses); test is read once per seed, after. Wall s: the mean of the whole row (the "
    "`lstmcls train` and `lstmcls eval` commands, start-up and the run's own linear baseline included, and "
    "pretraining where the row has any); then its parts: loading "
    "the data, vectorising, training (with the kept epoch's saving and validation scores), evaluating on test (the "
    "`lstmcls eval` command, start-up included). The linear baseline's vectorising is inside its training."
)


def load_results(folder: Path) -> list[dict]:
    """Every full (not `--quick`) result file in `folder`, in file-name order."""
    found = []
    for path in sorted(folder.glob("*.json")):
        result = json.loads(path.read_text(encoding="utf-8"))
        if not result.get("quick") and not path.stem.endswith("-quick"):
            found.append(result)
    return found


def render(results: list[dict]) -> str:
    """The whole of docs/benchmarks.md."""
    accuracy = [result for result in results if result["benchmark"] == "accuracy"]
    newest: dict[str, dict] = {}
    for result in sorted(results, key=lambda result: result["date"]):
        newest[result["benchmark"]] = result
    lines = [*HEADER, "", *protocol_section(accuracy), "", *accuracy_section(accuracy)]
    lines += ["", *throughput_section(newest.get("throughput"))]
    for name, section in _other_sections().items():
        if name in newest:
            lines += ["", *section(newest[name])]
    return "\n".join(lines) + "\n"


def _other_sections() -> dict:
    """The sections other scripts own, in page order: benchmark name → its section (lines) from one result."""
    from bench_data import data_section  # scripts/bench_data.py: streaming against in-memory, ×1 to ×16
    from bench_serve import serve_section  # scripts/bench_serve.py: the load benchmark of `lstmcls serve`
    from bench_starter import section  # scripts/bench_starter.py: init's configs against the linear baseline

    return {
        "predict": predict_section,
        "serve": serve_section,
        "data": data_section,
        "starter": section,
        "starter-autotune": section,
    }


# === Accuracy ===


def accuracy_section(results: list[dict]) -> list[str]:
    lines = ["## Accuracy on the IMDB test set (25,000 reviews)", ""]
    if not results:
        return [*lines, "Not measured yet: `python scripts/bench.py accuracy` (seeds 1 2 3)."]
    rows: dict[str, list[dict]] = {}
    for result in results:
        rows.setdefault(result["row"], []).append(result)
    newest = _code(max(results, key=lambda result: result["date"]))
    lines += [ACCURACY_NOTE]
    for title, headline in (("Headline rows", True), ("Other configs and comparisons", False)):
        chosen = [seeds for seeds in rows.values() if seeds[0]["headline"] == headline]
        if chosen:
            lines += ["", f"### {title}", "", *accuracy_table(chosen, newest)]
    return [*lines, *_busy_note(results), "", *goals_section(results), "", *_machines(results)]


def _busy(seeds: list[dict]) -> list[str]:
    """What else ran on the machine while any of these files was measured (`scripts/bench.py --busy`)."""
    return sorted({seed["busy"] for seed in seeds if seed.get("busy")})


def _busy_note(results: list[dict]) -> list[str]:
    """† under the tables: the rows whose seconds were measured while other work shared the machine."""
    reasons = _busy(results)
    if not reasons:
        return []
    rows = [result["row"] for result in results if result.get("busy")]
    return [
        "",
        f"† Seconds measured while other work shared the machine ({'; '.join(reasons)}): not an idle machine's "
        f"({_rows(rows)}); the accuracies are unaffected.",
    ]


def accuracy_table(rows: list[list[dict]], newest: str) -> list[str]:
    """One line per row, its seeds aggregated, the most accurate on test first."""
    lines = [
        "| row | n | test accuracy | validation accuracy | epochs | wall s | load / vectorise / train / evaluate s "
        "| commit |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for seeds in sorted(rows, key=lambda seeds: -statistics.mean(seed["test"]["accuracy"] for seed in seeds)):
        seeds = sorted(seeds, key=lambda seed: seed["seed"])
        parts = " / ".join(_mean([seed["seconds"].get(part) for seed in seeds]) for part in PARTS)
        epochs = _mean([seed.get("epochs") for seed in seeds], "{:.1f}")
        cells = [
            f"{seeds[0]['title']} (`{seeds[0]['row']}`)",
            str(len(seeds)),
            figure([seed["test"]["accuracy"] for seed in seeds]),
            figure([seed["validation"]["accuracy"] for seed in seeds]),
            epochs,
            _mean([seed["seconds"]["total"] for seed in seeds]) + (" †" if _busy(seeds) else ""),
            parts,
            _commits(seeds, newest),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


PARTS = ("load", "vectorise", "train", "evaluate")


def figure(values: list[float]) -> str:
    """mean ± standard deviation (minimum); one value alone."""
    if len(values) == 1:
        return f"{values[0]:.4f}"
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f} ({min(values):.4f})"


def _mean(values: list[float | None], spec: str = "{:.0f}") -> str:
    known = [value for value in values if value is not None]
    return spec.format(statistics.mean(known)) if known else "–"


def _code(result: dict) -> str:
    """What a file's figures were measured with: its code's hash (older files: their commit)."""
    return result.get("code") or result["commit"]


def _commits(seeds: list[dict], newest: str) -> str:
    """The row's commits (short), each marked when its code is older than the newest accuracy file's (a commit
    that changed only results or docs is not older code), or when measured with uncommitted changes (dirty)."""
    found = []
    for seed in seeds:
        cell = seed["commit"][:7] + (" *dirty*" if seed.get("dirty") else "")
        if _code(seed) != newest:
            cell += " *older*"
        if cell not in found:
            found.append(cell)
    return ", ".join(found)


def _machines(results: list[dict]) -> list[str]:
    """One line per machine and versions the files come from; with more than one, which rows each measured, since
    seconds compare only on one machine."""
    rows: dict[str, list[str]] = {}
    for result in sorted(results, key=lambda result: result["date"]):
        m, v = result["machine"], result["versions"]
        line = (
            f"on {m['cpu']}, {m['cores']} cores, no GPU; TensorFlow {v['tensorflow']}, Keras {v['keras']}, "
            f"scikit-learn {v['sklearn']}, Python {v['python']}"
        )
        rows.setdefault(line, []).append(result["row"])
    dates = sorted(result["date"][:8] for result in results)
    span = dates[0] if dates[0] == dates[-1] else f"{dates[0]}–{dates[-1]}"
    if len(rows) == 1:
        return [f"Measured {span} {next(iter(rows))}."]
    described = [f"{line} ({_rows(named)})" for line, named in rows.items()]
    return [f"Measured {span} " + "; ".join(described) + ": compare seconds within one machine only."]


def _rows(names: list[str]) -> str:
    """`rows `a`, `b``: each name once, sorted."""
    return "rows " + ", ".join(f"`{name}`" for name in sorted(set(names)))


# === Throughput ===


def throughput_section(result: dict | None) -> list[str]:
    lines = ["## Training throughput: lstmcls against the same work in plain Keras", ""]
    if result is None:
        return [*lines, "Not measured yet: `python scripts/bench.py throughput` (3 rounds)."]
    from benchlib.throughput import RATIO_NAMES

    summary = result["summary"]
    lines += ["| variant | last epoch s (median) | min–max | examples/s (median) | min–max |"]
    lines += ["|---|---:|---:|---:|---:|"]
    for name, found in summary["variants"].items():
        seconds, speed = found["last_epoch_seconds"], found["examples_per_second"]
        lines.append(
            f"| {name} | {seconds['median']:.1f} | {seconds['min']:.1f}–{seconds['max']:.1f} "
            f"| {speed['median']:.0f} | {speed['min']:.0f}–{speed['max']:.0f} |"
        )
    lines += ["", "| ratio to the reference (its seconds / the variant's) | median | min–max |", "|---|---:|---:|"]
    for key, ratio in summary["ratios"].items():
        lines.append(f"| {RATIO_NAMES[key]} | {ratio['median']:.2f}× | {ratio['min']:.2f}–{ratio['max']:.2f}× |")
    lines += [
        "",
        f"{len(result['rounds'])} alternating round{'s' if len(result['rounds']) > 1 else ''} (the order reversed "
        f"every other round); every run trains {_epochs(result)} of {result['config']}'s network on the same "
        "token ids (lstmcls's standardiser, vocabulary and "
        "end-of-text window) and reports its last epoch: its training batches, timed by the same callback on both "
        "sides (the first epoch pays for tracing and XLA compilation). Each ratio divides the reference's seconds "
        "by the variant's within a round: the seconds are this machine's, the ratios what compares across machines.",
        "",
        f"Commit {result['commit'][:7]}{' (dirty)' if result.get('dirty') else ''}. {measured(result)}",
    ]
    return lines


def _epochs(result: dict) -> str:
    """What each throughput run trains: whole epochs of the training split, or epochs of a number of batches."""
    if result["batches_per_epoch"] is None:
        return f"{result['epochs_per_run']} whole epochs of the training split"
    return f"{result['epochs_per_run']} epochs of {result['batches_per_epoch']} batches"


# === Prediction ===


def predict_section(result: dict) -> list[str]:
    cold, imports = result["cold_start_seconds"], result["import_tensorflow_seconds"]
    return [
        "## Prediction",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| `lstmcls predict` one text, cold start (median) | {cold['median']:.2f} s |",
        f'| `python -c "import tensorflow"` (median) | {imports["median"]:.2f} s |',
        f"| cold start / TensorFlow import | {result['cold_start_ratio_to_import']:.2f}× |",
        f"| `lstmcls predict --file`, {result['batch_texts']:,} reviews | {result['batch_wall_seconds']:.1f} s |",
        f"| throughput including start-up | {result['batch_texts_per_second']:.0f} texts/s |",
        f"| throughput after start-up | {result['batch_texts_per_second_after_startup']:.0f} texts/s |",
        f"| peak RSS predicting {result['batch_texts']:,} texts | {result['predict_peak_rss_mib']} MiB |",
        "",
        f"Commit {result['commit'][:7]}. {measured(result)}",
    ]


def measured(result: dict) -> str:
    """The footer of a one-file section: when, on what machine, with which versions."""
    m = result["machine"]
    return (
        f"Measured {result['date'][:8]} on {m['cpu']}, {m['cores']} cores, no GPU; "
        f"TensorFlow {m['tensorflow']}, Keras {m['keras']}, Python {m['python']}."
    )
