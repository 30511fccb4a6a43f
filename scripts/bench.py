"""Benchmarks on IMDB: training throughput against plain Keras, accuracy of every config next to a linear
baseline, predict latency and throughput, peak memory. `make bench` runs them all.

Each benchmark writes one JSON file into `bench-results/`, committed beside the tables made from it (its scratch
runs and `--quick` results are ignored by git); `docs/benchmarks.md` is then regenerated from the newest full
(non-quick) result of each benchmark. Commands run as subprocesses, so their wall time and peak RSS (from `wait4`)
are what a user sees. Needs `TFDS_DATA_DIR` (or the configs' data_dir).

    python scripts/bench.py                      # everything (about 1.5 hours on 2 CPU cores)
    python scripts/bench.py throughput --rounds 3
    python scripts/bench.py --quick              # a smoke run of everything in a few minutes; not tabled
    python scripts/bench.py --table              # only regenerate docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench-results"
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


def train(config: Path, runs_dir: Path, name: str, overrides: list[str] = ()) -> tuple[Path, dict]:
    sets = [arg for item in [f"run.dir={runs_dir}", f"run.name={name}", *overrides] for arg in ("--set", item)]
    result = run([*LSTMCLS, "train", str(config), *sets, "--json"])
    return Path(json.loads(result["stdout"])["run"]), result


def history(run_dir: Path) -> list[dict]:
    import csv

    with open(run_dir / "history.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def spread(values: list[float]) -> dict:
    return {"min": round(min(values), 3), "median": round(statistics.median(values), 3), "max": round(max(values), 3)}


def trainable_configs() -> list[Path]:
    """Every config in configs/ that `lstmcls train` takes (not tune or pretrain configs)."""
    found = []
    for path in sorted((ROOT / "configs").glob("*.yaml")):
        raw = yaml.safe_load(path.read_text())
        if not {"tune", "pretrain"} & set(raw):
            found.append(path)
    return found


# === Benchmarks ===


def plain_keras_command(epochs: int) -> list[str]:
    """scripts/plain_keras.py with configs/imdb.yaml's architecture, vocabulary, length and optimizer settings."""
    config = yaml.safe_load(DEFAULT.read_text())
    model, vectorizer, training = config["model"], config["vectorizer"], config["train"]
    if model.get("layers", 1) != 1 or model.get("pooling", "last") not in ("last", "max") or model.get("head"):
        sys.exit("bench: the plain Keras baseline covers one recurrent layer, last or max pooling, no head")
    return [
        sys.executable, str(ROOT / "scripts" / "plain_keras.py"), "--epochs", str(epochs),
        "--cell", model.get("cell", "lstm"), "--units", str(model.get("units", 64)),
        "--embedding-dim", str(model["embedding"].get("dim", 64)),
        "--embedding-dropout", str(model["embedding"].get("dropout", 0.0)),
        "--dropout", str(model.get("dropout", 0.0)), "--pooling", model.get("pooling", "last"),
        *(["--bidirectional"] if model.get("bidirectional") else []),
        "--max-tokens", str(vectorizer.get("max_tokens", 20000)), "--max-length", str(vectorizer["max_length"]),
        "--batch-size", str(training.get("batch_size", 64)), "--learning-rate", str(training["learning_rate"]),
        "--patience", str(training.get("patience", 2)), "--seed", str(training.get("seed", 42)),
    ]  # fmt: skip


DEFAULT_VARIANT = "lstmcls, length buckets, fused loop + XLA (configs/imdb.yaml)"


def throughput(args: argparse.Namespace, work: Path) -> dict:
    """Examples/s of `lstmcls train` (configs/imdb.yaml) vs plain Keras with the same architecture, alternating.

    Steady-state speed: the last epoch of each run (the first includes tracing and XLA compilation). Variants
    switch lstmcls's speed-ups (length buckets; the fused loop with XLA) off to show what each buys.
    """
    epochs, steps = (1, 30) if args.quick else (2, 150)  # 150 batches of 64: a third of IMDB's training split
    plain = [*plain_keras_command(epochs), "--no-test", "--limit", str(round(steps * 64 / 0.9))]
    separate = ["model.fuse_pooling=false", "train.jit_compile=false"]  # Keras's own layers, no XLA
    variants = {
        "plain Keras": plain,
        "plain Keras, vectorized once (cache)": [*plain, "--cache"],
        "lstmcls, padded to max_length": ["data.bucketing=0", *separate],
        "lstmcls, length buckets": ["data.bucketing=8", *separate],
        "lstmcls, padded, fused loop + XLA": ["data.bucketing=0"],
        DEFAULT_VARIANT: [],
    }
    if args.quick:
        variants = {name: variants[name] for name in ("plain Keras", DEFAULT_VARIANT)}
    speeds: dict[str, list[float]] = {name: [] for name in variants}
    for round_ in range(args.rounds):
        for name, variant in variants.items():
            print(f"throughput round {round_ + 1}/{args.rounds}: {name}", file=sys.stderr)
            if name.startswith("plain"):
                speeds[name].append(last_json(run(variant))["examples_per_second"][-1])
            else:
                overrides = [f"train.epochs={epochs}", f"train.steps_per_epoch={steps}", "train.patience=null"]
                run_dir, _ = train(DEFAULT, work, "throughput", [*overrides, *variant])
                speeds[name].append(float(history(run_dir)[-1]["examples_per_second"]))
    baseline = speeds["plain Keras"]
    rows = [
        {
            "variant": name,
            "examples_per_second": spread(values),
            "ratio_to_plain_keras": spread([value / base for value, base in zip(values, baseline)]),
        }
        for name, values in speeds.items()
    ]
    return {
        "config": str(DEFAULT.relative_to(ROOT)),
        "epochs_per_run": epochs,
        "batches_per_epoch": steps,
        "rounds": args.rounds,
        "rows": rows,
    }


def accuracy(args: argparse.Namespace, work: Path) -> dict:
    """IMDB test accuracy, training and total wall time and peak RSS of every config; plain Keras and TF-IDF rows.

    `--only NAME...` (config stems, `w2v`, `plain`, `linear`) refreshes some rows; the table keeps the newest of each.
    """
    rows = []
    quick = ["train.epochs=1", "train.steps_per_epoch=20"] if args.quick else []
    wanted = set(args.only or [])
    for config in trainable_configs():
        if wanted and config.stem not in wanted:
            continue
        print(f"accuracy: {config.name}", file=sys.stderr)
        name, overrides = str(config.relative_to(ROOT)), list(quick)
        if yaml.safe_load(config.read_text())["model"].get("embedding", {}).get("pretrained"):
            vectors, seconds = pretrain_vectors(args, work)  # this bench's own pretrain run, not runs/'s
            overrides.append(f"model.embedding.pretrained={vectors}")
            name += f" (+ {seconds:.0f} s pretraining configs/imdb_w2v.yaml)"
        run_dir, trained = train(config, work, config.stem, overrides)
        rows.append({"name": name, **classifier_row(run_dir, trained)})
    if not wanted or "w2v" in wanted:
        rows += pretrained_rows(args, work, quick)
    if not wanted or "plain" in wanted:
        rows.append(plain_keras_row(args))
    if not wanted or "linear" in wanted:
        rows.append(linear_baseline(args))
    return {"rows": [{**row, "date": stamp()} for row in rows]}


def pretrain_vectors(args: argparse.Namespace, work: Path) -> tuple[str, float]:
    """configs/imdb_w2v.yaml's vectors (run directory, seconds), pretrained once per bench invocation."""
    if args.vectors_run is not None and getattr(args, "vectors", None) is None:  # reuse a finished pretrain run
        args.vectors = (str(args.vectors_run), json.loads((args.vectors_run / "metrics.json").read_text())["seconds"])
    if getattr(args, "vectors", None) is None:
        print("accuracy: pretraining configs/imdb_w2v.yaml", file=sys.stderr)
        pretrain_overrides = ["pretrain.epochs=1", "pretrain.unlabelled=null"] if args.quick else []
        sets = [arg for item in [f"run.dir={work}", *pretrain_overrides] for arg in ("--set", item)]
        report = json.loads(
            run([*LSTMCLS, "pretrain", str(ROOT / "configs" / "imdb_w2v.yaml"), *sets, "--json"])["stdout"]
        )
        args.vectors = (report["run"], report["seconds"])
    return args.vectors


def pretrained_rows(args: argparse.Namespace, work: Path, quick: list[str]) -> list[dict]:
    """configs/imdb.yaml started from configs/imdb_w2v.yaml's vectors, fine-tuned and frozen: the same
    architecture as its random-embedding row."""
    vectors, seconds = pretrain_vectors(args, work)
    rows = []
    for name, trainable in (("fine-tuned", "true"), ("frozen", "false")):
        print(f"accuracy: configs/imdb.yaml with the vectors, {name}", file=sys.stderr)
        overrides = [f"model.embedding.pretrained={vectors}", f"model.embedding.trainable={trainable}", *quick]
        run_dir, trained = train(DEFAULT, work, f"imdb_w2v_{name.replace('-', '')}", overrides)
        title = f"configs/imdb.yaml + imdb_w2v vectors, {name} (+ {seconds:.0f} s pretraining)"
        rows.append({"name": title, **classifier_row(run_dir, trained)})
    return rows


def classifier_row(run_dir: Path, trained: dict) -> dict:
    evaluated = run([*LSTMCLS, "eval", "--run", str(run_dir), "--json"])
    metrics = json.loads((run_dir / "metrics.json").read_text())
    return {
        "test_accuracy": round(json.loads(evaluated["stdout"])["accuracy"], 4),
        "validation_accuracy": round(metrics["validation"]["accuracy"], 4),
        "epochs": metrics["epochs"],
        "train_seconds": metrics["seconds"],
        "wall_seconds": trained["seconds"],
        "train_peak_rss_mib": trained["peak_rss_mib"],
        "run": str(run_dir),
    }


def plain_keras_row(args: argparse.Namespace) -> dict:
    print("accuracy: plain Keras", file=sys.stderr)
    config = yaml.safe_load(DEFAULT.read_text())
    command = plain_keras_command(1 if args.quick else config["train"]["epochs"])
    command += ["--limit", "3000"] if args.quick else []
    result = run(command)
    report = last_json(result)
    return {
        "name": "plain Keras, same architecture as configs/imdb.yaml (scripts/plain_keras.py)",
        "test_accuracy": report["test_accuracy"],
        "epochs": len(report["epoch_seconds"]),
        "train_seconds": round(sum(report["epoch_seconds"]), 1),
        "wall_seconds": result["seconds"],
        "train_peak_rss_mib": result["peak_rss_mib"],
    }


def linear_baseline(args: argparse.Namespace) -> dict:
    """TF-IDF of 1-2 grams + logistic regression on the same train/validation split, C picked on validation."""
    print("accuracy: TF-IDF + logistic regression", file=sys.stderr)
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from lstmcls.config import load_config
    from lstmcls.data.splits import load_splits

    started = time.perf_counter()
    config = load_config(DEFAULT)
    splits = load_splits(config)
    train, validation, test = splits.train, splits.validation, splits.test
    if args.quick:
        train = type(train)(train.texts[:2000], train.labels[:2000])
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_df=0.9, sublinear_tf=True, strip_accents="unicode")
    features = vectorizer.fit_transform(train.texts)
    models = {c: LogisticRegression(C=c, max_iter=2000).fit(features, train.labels) for c in (1.0, 4.0, 16.0)}
    validation_features = vectorizer.transform(validation.texts)
    best = max(models, key=lambda c: models[c].score(validation_features, validation.labels))
    return {
        "name": f"TF-IDF 1-2 grams + logistic regression (scikit-learn, C={best:g} chosen on validation)",
        "test_accuracy": round(float(models[best].score(vectorizer.transform(test.texts), test.labels)), 4),
        "validation_accuracy": round(float(models[best].score(validation_features, validation.labels)), 4),
        "wall_seconds": round(time.perf_counter() - started, 1),
    }


def predict(args: argparse.Namespace, work: Path) -> dict:
    """Cold-start latency of one prediction vs importing TensorFlow; batch throughput on the 25,000 test reviews."""
    run_dir = newest_run(work, "imdb")
    if run_dir is None:
        print("predict: training configs/imdb.yaml first", file=sys.stderr)
        run_dir, _ = train(DEFAULT, work, "imdb", ["train.epochs=1", "train.steps_per_epoch=20"] if args.quick else [])
    repeats = 1 if args.quick else 3
    text = "a gripping, beautifully shot film with a story that stays with you"
    cold = [run([*LSTMCLS, "predict", "--run", str(run_dir), text]) for _ in range(repeats)]
    imports = [run([sys.executable, "-c", "import tensorflow"]) for _ in range(repeats)]
    texts = test_texts(2000 if args.quick else None)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as handle:
        handle.write("\n".join(texts) + "\n")
    try:
        batch = run([*LSTMCLS, "predict", "--run", str(run_dir), "--file", handle.name, "--json"])
    finally:
        os.unlink(handle.name)
    startup = statistics.median(r["seconds"] for r in cold)
    return {
        "run": str(run_dir),
        "cold_start_seconds": spread([r["seconds"] for r in cold]),
        "import_tensorflow_seconds": spread([r["seconds"] for r in imports]),
        "cold_start_ratio_to_import": round(startup / statistics.median(r["seconds"] for r in imports), 2),
        "batch_texts": len(texts),
        "batch_wall_seconds": batch["seconds"],
        "batch_texts_per_second": round(len(texts) / batch["seconds"], 1),
        "batch_texts_per_second_after_startup": round(len(texts) / max(batch["seconds"] - startup, 1e-3), 1),
        "predict_peak_rss_mib": batch["peak_rss_mib"],
        "one_text_peak_rss_mib": max(r["peak_rss_mib"] for r in cold),
    }


def newest_run(work: Path, name: str) -> Path | None:
    complete = [
        path.parent
        for path in work.glob(f"*-{name}-*/run.json")
        if json.loads(path.read_text()).get("status") == "complete"
    ]
    return max(complete, default=None, key=lambda path: path.name)


def test_texts(limit: int | None) -> list[str]:
    """The IMDB test reviews, one per line (line breaks inside a review become spaces)."""
    import tensorflow_datasets as tfds

    test = tfds.load("imdb_reviews", split="test", download=False)
    texts = [" ".join(example["text"].decode("utf-8").split()) for example in tfds.as_numpy(test)]
    return texts[:limit]


BENCHMARKS = {"throughput": throughput, "accuracy": accuracy, "predict": predict}


# === Results and the table ===


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    import keras
    import tensorflow as tf

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
    }


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


def save(name: str, result: dict, quick: bool) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}-{stamp()}{'-quick' if quick else ''}.json"
    payload = {"benchmark": name, "quick": quick, "date": stamp(), "machine": machine(), **result}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {path.relative_to(ROOT)}", file=sys.stderr)
    return path


def publish(name: str, result: dict, quick: bool, write_section: Callable[[dict], None]) -> Path:
    """Save a benchmark's result file and, unless quick, write its section of docs/benchmarks.md from that file
    (what is in the docs is what the committed file holds)."""
    path = save(name, result, quick)
    if not quick:
        write_section(json.loads(path.read_text()))
        print(f"wrote {TABLE.relative_to(ROOT)}", file=sys.stderr)
    return path


def write_marked_section(start: str, end: str, lines: list[str]) -> None:
    """Replace the part of docs/benchmarks.md between the `start` and `end` markers (lines[0] and lines[-1]) with
    `lines`, or add them at the end, leaving the other sections as they are."""
    text = TABLE.read_text(encoding="utf-8")
    section = "\n".join(lines)
    if start in text and end in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    TABLE.write_text(text, encoding="utf-8")


def newest_results() -> dict[str, dict]:
    """The newest full result of each benchmark; accuracy rows are merged by name, the newest row winning."""
    found: dict[str, dict] = {}
    rows: dict[str, dict] = {}
    for path in sorted(RESULTS.glob("*.json")):  # names sort by date
        result = json.loads(path.read_text())
        if result["quick"]:
            continue
        found[result["benchmark"]] = result
        if result["benchmark"] == "accuracy":
            rows.update({row["name"]: row for row in result["rows"]})
    if "accuracy" in found:
        found["accuracy"] = {**found["accuracy"], "rows": list(rows.values())}
    return found


def table(results: dict[str, dict]) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Regenerated by `make bench` (`scripts/bench.py`) from its JSON results; do not edit by hand.",
        "Every figure is from one machine, named under each table. Seconds are wall-clock seconds.",
    ]
    if "accuracy" in results:
        result = results["accuracy"]
        lines += ["", "## Accuracy on the IMDB test set (25,000 reviews)", ""]
        lines += [
            "| model | test accuracy | validation accuracy | epochs | training s | wall s | peak RSS MiB | run at |"
        ]
        lines += ["|---|---:|---:|---:|---:|---:|---:|---|"]
        for row in sorted(result["rows"], key=lambda row: -row["test_accuracy"]):
            cells = [row["name"], f"{row['test_accuracy']:.4f}", _cell(row, "validation_accuracy", "{:.4f}")]
            cells += [_cell(row, "epochs"), _cell(row, "train_seconds"), _cell(row, "wall_seconds")]
            cells += [_cell(row, "train_peak_rss_mib"), _when(row.get("date"))]
            lines.append("| " + " | ".join(cells) + " |")
        lines += ["", _measured(result)]
    if "throughput" in results:
        result = results["throughput"]
        lines += ["", f"## Training throughput ({result['config']}, examples/s of the last of each run's epochs)", ""]
        lines += ["| variant | examples/s (median) | min–max | ratio to plain Keras (median) | min–max |"]
        lines += ["|---|---:|---:|---:|---:|"]
        for row in result["rows"]:
            speed, ratio = row["examples_per_second"], row["ratio_to_plain_keras"]
            lines.append(
                f"| {row['variant']} | {speed['median']:.0f} | {speed['min']:.0f}–{speed['max']:.0f} "
                f"| {ratio['median']:.2f}× | {ratio['min']:.2f}–{ratio['max']:.2f}× |"
            )
        lines += [
            "",
            f"{result['rounds']} alternating rounds; each run trains {result['epochs_per_run']} epochs of "
            f"{result['batches_per_epoch']} batches and reports its last epoch (the first pays for tracing and XLA "
            "compilation, a few seconds per batch shape). Every variant has "
            f"{result['config']}'s architecture, vocabulary size, max_length and batch size; plain Keras keeps the "
            "start of a long review (TextVectorization's cut), lstmcls its end.",
            "",
        ]
        lines += [_measured(result)]
    if "predict" in results:
        result = results["predict"]
        cold, imports = result["cold_start_seconds"], result["import_tensorflow_seconds"]
        lines += ["", "## Prediction", "", "| measure | value |", "|---|---:|"]
        lines += [
            f"| `lstmcls predict` one text, cold start (median) | {cold['median']:.2f} s |",
            f'| `python -c "import tensorflow"` (median) | {imports["median"]:.2f} s |',
            f"| cold start / TensorFlow import | {result['cold_start_ratio_to_import']:.2f}× |",
            f"| `lstmcls predict --file`, {result['batch_texts']:,} reviews | {result['batch_wall_seconds']:.1f} s |",
            f"| throughput including start-up | {result['batch_texts_per_second']:.0f} texts/s |",
            f"| throughput after start-up | {result['batch_texts_per_second_after_startup']:.0f} texts/s |",
            f"| peak RSS predicting {result['batch_texts']:,} texts | {result['predict_peak_rss_mib']} MiB |",
        ]
        lines += ["", _measured(result)]
    if "serve" in results:
        from bench_serve import serve_section  # scripts/bench_serve.py: the load benchmark of `lstmcls serve`

        lines += ["", *serve_section(results["serve"])]
    if "data" in results:
        from bench_data import data_section  # scripts/bench_data.py: streaming against in-memory, ×1 to ×16

        lines += ["", *data_section(results["data"])]
    if "starter" in results:
        from bench_starter import section  # scripts/bench_starter.py: init's configs against the linear baseline

        lines += ["", *section(results["starter"])]
    return "\n".join(lines) + "\n"


def _when(date: str | None) -> str:
    return f"{date[:4]}-{date[4:6]}-{date[6:8]} {date[9:11]}:{date[11:13]}" if date else "–"


def _cell(row: dict, key: str, spec: str = "{}") -> str:
    return spec.format(row[key]) if row.get(key) is not None else "–"


def _measured(result: dict) -> str:
    m = result["machine"]
    return (
        f"Measured {result['date'][:8]} on {m['cpu']}, {m['cores']} cores, no GPU; "
        f"TensorFlow {m['tensorflow']}, Keras {m['keras']}, Python {m['python']}."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: tiny epochs and subsets; not tabled")
    parser.add_argument("--only", nargs="+", help="accuracy rows to refresh: config stems, w2v, plain, linear")
    parser.add_argument("--vectors-run", type=Path, help="reuse this `lstmcls pretrain` run instead of pretraining")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of the throughput benchmark")
    parser.add_argument("--table", action="store_true", help="only regenerate docs/benchmarks.md from bench-results/")
    args = parser.parse_args()
    unknown = set(args.names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark {sorted(unknown)[0]!r}; choose from {', '.join(BENCHMARKS)}")
    if args.quick:
        args.rounds = 1
    if not args.table:
        work = RESULTS / "runs"
        for name in args.names or list(BENCHMARKS):
            save(name, BENCHMARKS[name](args, work), args.quick)
    results = newest_results()
    if results:
        TABLE.write_text(table(results), encoding="utf-8")
        print(f"wrote {TABLE.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
