"""Starter configs on data unlike IMDB: what `lstmcls init` writes for TREC-6, TREC-50 (and IMDB), trained over
several seeds, beside the linear baseline every run fits on the same split.

For each data set: `lstmcls init` on its training file (nothing else chosen), then for each seed
`lstmcls train` (the seed also draws the validation split) and `lstmcls eval` on the test file, read once per run
after training. The baseline (TF-IDF word 1-2-grams + logistic regression, C chosen on the run's validation split)
is the run's own (`train.baseline`), so both sides see the same texts. Writes `benchmarks/results/starter-<date>.json`
(`starter-autotune-<date>.json` with --autotune), then renders docs/benchmarks.md again from the result files
(its "Your own data" sections are `section` of the newest of each).

    python scripts/bench_starter.py                         # TREC-6 and TREC-50, 3 seeds (about 10 minutes)
    python scripts/bench_starter.py --data trec6 imdb       # IMDB: about 8 minutes a seed on 2 cores
    python scripts/bench_starter.py --autotune 10m          # the same through `train --autotune 10m`
    python scripts/bench_starter.py --quick                 # a smoke run; not tabled
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_data import commit  # noqa: E402
from benchlib import common  # noqa: E402  (scripts/benchlib/: running commands, result files)
from benchlib.render import measured  # noqa: E402

SHARED = common.ROOT.parent / "shared" / "datasets"
# name → (folder under ../shared/datasets, label column, what it is)
DATA = {
    "trec6": ("trec", "label", "TREC questions, 6 coarse classes"),
    "trec50": ("trec", "fine_label", "TREC questions, 50 fine classes"),
    "imdb": ("imdb", "label", "IMDB reviews, 2 classes"),
}
START, END = "<!-- bench_starter:start -->", "<!-- bench_starter:end -->"
HEADING = "## Your own data: starter configs against the linear baseline"
SUMMARIZED = ["validation_accuracy", "test_accuracy", "baseline_validation_accuracy", "baseline_test_accuracy"]
AUTOTUNE_START, AUTOTUNE_END = "<!-- bench_autotune:start -->", "<!-- bench_autotune:end -->"
AUTOTUNE_HEADING = "## Your own data: `--autotune {budget}` against the linear baseline"


def prepared(name: str, work: Path) -> tuple[Path, Path]:
    """The data set's train and test files with one `label` column (TREC-50's fine label as the label), so that
    `init` sees the classes the task has."""
    folder, column, _ = DATA[name]
    files = []
    for split in ("train", "test"):
        source = SHARED / folder / f"{split}.csv.gz"
        if not source.is_file():
            sys.exit(f"bench_starter: {source} not found (the shared data sets live beside the project)")
        target = work / f"{name}-{split}.csv.gz"
        with gzip.open(source, "rt", newline="") as reader, gzip.open(target, "wt", newline="") as writer:
            out = csv.writer(writer)
            out.writerow(["text", "label"])
            out.writerows([row["text"], row[column]] for row in csv.DictReader(reader))
        files.append(target)
    return files[0], files[1]


def seed_row(config: Path, test: Path, runs: Path, seed: int, args: argparse.Namespace) -> dict:
    """One seed: the run's validation figures and its baseline's, then both on the test file. With --autotune the
    run is the search's final run (its best trial), chosen on validation; the test file is read after."""
    overrides = [f"train.seed={seed}", f"data.test={test}"] + (["train.epochs=1"] if args.quick else [])
    if args.autotune:
        run, trained, search = autotuned(config, runs / f"seed{seed}", overrides, args.autotune)
    else:
        (run, trained), search = common.train(config, runs, f"seed{seed}", overrides), {}
    metrics = json.loads((run / "metrics.json").read_text())
    evaluated = json.loads(common.run([*common.LSTMCLS, "eval", "--run", str(run), "--json"])["stdout"])
    return {
        "seed": seed,
        "run": run.name,
        "train_wall_seconds": trained["seconds"],
        "epochs": metrics["epochs"],
        "best_epoch": metrics["best_epoch"],
        "validation_accuracy": round(metrics["validation"]["accuracy"], 4),
        "test_accuracy": round(evaluated["accuracy"], 4),
        "test_macro_f1": round(evaluated["macro_f1"], 4),
        "baseline_C": metrics["baseline"]["C"],
        "baseline_validation_accuracy": round(metrics["baseline"]["validation"]["accuracy"], 4),
        "baseline_test_accuracy": round(evaluated["baseline"]["accuracy"], 4),
        "baseline_test_macro_f1": round(evaluated["baseline"]["macro_f1"], 4),
        **search,
    }


def autotuned(config: Path, runs: Path, overrides: list[str], budget: str) -> tuple[Path, dict, dict]:
    """`lstmcls train CONFIG --autotune BUDGET`: its final run, the command's wall time, and what the search did."""
    sets = [arg for item in [f"run.dir={runs}", *overrides] for arg in ("--set", item)]
    trained = common.run([*common.LSTMCLS, "train", str(config), *sets, "--autotune", budget, "--json"])
    found = json.loads(trained["stdout"])
    search = {
        "budget_seconds": found["budget_seconds"],
        "search_seconds": found["seconds"],
        "trials": len(found["trials"]),
        "best_trial": found["best_trial"],
        "best_params": found["trials"][found["best_trial"]]["params"],
    }
    return Path(found["run"]), trained, search


def summary(rows: list[dict], key: str) -> dict:
    values = [row[key] for row in rows]
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return {"mean": round(statistics.mean(values), 4), "std": round(spread, 4), "min": min(values)}


def data_set(name: str, args: argparse.Namespace, work: Path) -> dict:
    print(f"starter: {name}", file=sys.stderr)
    train, test = prepared(name, work)
    config = work / f"{name}.yaml"
    common.run([*common.LSTMCLS, "init", str(train), "--out", str(config)])
    rows = [seed_row(config, test, work / "runs" / name, seed, args) for seed in args.seeds]
    return {
        "name": name,
        "what": DATA[name][2],
        "config": config.read_text(),
        "seeds": rows,
        **{key: summary(rows, key) for key in [*SUMMARIZED, "train_wall_seconds"]},
    }


def section(result: dict) -> list[str]:
    """The docs section, markers included: mean ± standard deviation (minimum) over the seeds."""
    budget = result.get("autotune")
    start, end = (AUTOTUNE_START, AUTOTUNE_END) if budget else (START, END)
    how = (
        f"`lstmcls train --autotune {budget}` (the model's columns are its final run, the best trial)" if budget else ""
    )
    lines = [
        start,
        AUTOTUNE_HEADING.format(budget=budget) if budget else HEADING,
        "",
        f"`lstmcls init` on the training file, then {how or '`lstmcls train`'} and `lstmcls eval` as a user runs "
        "them; the linear "
        "baseline is the run's own (TF-IDF word 1-2-grams + logistic regression, C chosen on the run's validation "
        f"split). Mean ± standard deviation (minimum) over seeds {', '.join(map(str, result['seeds']))}; each seed "
        "also draws the validation split. Test files are read once per run, after training.",
        "",
        "| data | model val acc | baseline val acc | model test acc | baseline test acc | train wall s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        cells = [_figure(row[key]) for key in ("validation_accuracy", "baseline_validation_accuracy")]
        cells += [_figure(row[key]) for key in ("test_accuracy", "baseline_test_accuracy")]
        lines.append(f"| {row['what']} | {' | '.join(cells)} | {row['train_wall_seconds']['mean']:.0f} |")
    lines += ["", f"Commit {result['commit']}. {measured(result)}", end]
    return lines


def _figure(summary: dict) -> str:
    return f"{summary['mean']:.4f} ± {summary['std']:.4f} ({summary['min']:.4f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--data", nargs="+", choices=list(DATA), default=["trec6", "trec50"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--autotune", metavar="DURATION", help="train with `--autotune DURATION` (e.g. 10m)")
    parser.add_argument("--quick", action="store_true", help="one epoch, one seed; not tabled")
    args = parser.parse_args()
    if args.quick:
        args.seeds = args.seeds[:1]
    with tempfile.TemporaryDirectory(prefix="bench-starter-") as scratch:
        rows = [data_set(name, args, Path(scratch)) for name in args.data]
    result = {"commit": commit(), "seeds": args.seeds, "autotune": args.autotune, "rows": rows}
    name = "starter-autotune" if args.autotune else "starter"
    common.publish(name, result, args.quick)


if __name__ == "__main__":
    main()
