"""The IMDB accuracy benchmark: each row of benchmarks/rows.yaml trained once per seed, one result file per row
and seed (`accuracy-<row>-seed<seed>.json`), the test split read once per file after the config is fixed.

A file holds what produced its figures: the row and how its config was chosen, the resolved config and its sha256,
the commit (and whether the code differed from it), the seed, versions and machine, wall seconds split into load /
vectorise / train / evaluate, each epoch's history, and the validation and test scores.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import yaml

from benchlib.common import (
    LSTMCLS,
    ROOT,
    commit,
    last_json,
    machine,
    run,
    sets,
    sha256,
    stamp,
    train,
    versions,
    write_result,
)
from benchlib.common import history as history_rows
from lstmcls.tracking.metrics import numbers

ROWS = ROOT / "benchmarks" / "rows.yaml"
QUICK = ["train.epochs=1", "train.steps_per_epoch=20"]  # a smoke run: one short epoch
QUICK_TEXTS = 2000  # a smoke run's linear baseline and plain-Keras test split use this many texts


def load_rows() -> dict[str, dict]:
    """benchmarks/rows.yaml: row name → what it trains (config, kind, pretrain, set, headline) and how it was
    chosen."""
    rows = yaml.safe_load(ROWS.read_text(encoding="utf-8"))
    return {
        name: {"kind": "lstmcls", "set": [], "headline": False, "pretrain": None, **row} for name, row in rows.items()
    }


def accuracy(args: argparse.Namespace, work: Path) -> list[Path]:
    """Every row (or `--only` rows), once per seed in `--seeds`: the result files written."""
    rows = load_rows()
    unknown = sorted(set(args.only or []) - set(rows))
    if unknown:
        sys.exit(f"bench: unknown accuracy row {unknown[0]!r}; rows: {', '.join(rows)} (benchmarks/rows.yaml)")
    written = []
    for name, row in rows.items():
        if args.only and name not in args.only:
            continue
        for seed in args.seeds:
            print(f"accuracy: {name}, seed {seed}", file=sys.stderr)
            measured = MEASURE[row["kind"]](row, seed, args, work / name)
            payload = _payload(name, row, seed, measured, args)
            written.append(write_result(f"accuracy-{name}-seed{seed}", payload, args.quick))
    return written


def _payload(name: str, row: dict, seed: int, measured: dict, args: argparse.Namespace) -> dict:
    host = machine()
    return {
        "benchmark": "accuracy",
        "row": name,
        "title": row["title"],
        "kind": row["kind"],
        "headline": row["headline"],
        "chosen": " ".join(row["chosen"].split()),
        "seed": seed,
        "date": stamp(),
        **commit(),
        "config": row["config"],
        "overrides": row["set"],
        "versions": versions(),
        "machine": {key: host[key] for key in ("cpu", "cores", "platform")},
        **(
            {"busy": args.busy} if getattr(args, "busy", None) else {}
        ),  # other work shared the cores: the seconds are not idle's
        **measured,
    }


# === lstmcls rows: `lstmcls train`, then `lstmcls eval` on the test split ===


def lstmcls_seed(row: dict, seed: int, args: argparse.Namespace, work: Path) -> dict:
    overrides = [f"train.seed={seed}", *row["set"], *(QUICK if args.quick else [])]
    pretrained = pretrain(row["pretrain"], seed, args, work.parent) if row["pretrain"] else None
    if pretrained:
        overrides.append(f"{pretrained_key(row['pretrain'])}={pretrained['run']}")
    run_dir, trained = train(ROOT / row["config"], work, f"seed{seed}", overrides)
    evaluated = run([*LSTMCLS, "eval", "--run", str(run_dir), "--json"])
    metrics = json.loads((run_dir / "metrics.json").read_text())
    tested = json.loads(evaluated["stdout"])
    resolved = (run_dir / "config.yaml").read_text(encoding="utf-8")
    phases = metrics["phase_seconds"]
    seconds = {
        "load": phases["load"],
        "vectorise": phases["vectorise"],
        "train": round(phases["train"] + phases["finish"], 2),  # fit, then the best epoch's weights, saved, scored
        "evaluate": evaluated["seconds"],  # the `lstmcls eval` command, start-up included
        "baseline": phases.get("baseline"),  # the run's own linear baseline, fitted after training
        "pretrain": pretrained["seconds"] if pretrained else None,
    }
    seconds["total"] = round(trained["seconds"] + evaluated["seconds"] + (seconds["pretrain"] or 0), 2)
    return {
        "config_sha256": sha256(resolved),
        "resolved_config": resolved,
        "pretrained": pretrained,
        "seconds": seconds,
        "phase_seconds": phases,
        "command_seconds": {"train": trained["seconds"], "eval": evaluated["seconds"]},
        "peak_rss_mib": trained["peak_rss_mib"],
        "epochs": metrics["epochs"],
        "best_epoch": metrics["best_epoch"],
        "history": [numbers(epoch) for epoch in history_rows(run_dir)],
        "validation": metrics["validation"],
        "test": numbers(tested),
        "own_baseline": {"validation": metrics.get("baseline", {}).get("validation"), "test": tested.get("baseline")},
        "run": str(run_dir.relative_to(ROOT)) if run_dir.is_relative_to(ROOT) else str(run_dir),
    }


def pretrained_key(config: str) -> str:
    """Where a row names its pretrain config's run: model.pretrained for a language model (`pretrain.method:
    language_model`), model.embedding.pretrained for word vectors."""
    from lstmcls.config import load_config
    from lstmcls.config.pretraining import LANGUAGE_MODEL

    settings = load_config(ROOT / config).pretrain
    return "model.pretrained" if settings and settings.method == LANGUAGE_MODEL else "model.embedding.pretrained"


def pretrain(config: str, seed: int, args: argparse.Namespace, work: Path) -> dict:
    """The run of a pretrain config (word vectors or a language model) for `seed`, pretrained once per invocation
    and seed (or `--vectors-run`): the run and the seconds it cost. The pretrain run draws the seed's validation
    split, as the classifier does, so that the reviews it validates on stay out of pretraining too."""
    cache = getattr(args, "pretrained", None) or {}
    key = f"{config} seed {seed}"
    if key not in cache:
        if args.vectors_run is not None:  # its seconds are its run's own, reading the texts excluded
            found = json.loads((args.vectors_run / "metrics.json").read_text())
            cache[key] = {"config": config, "run": str(args.vectors_run), "seconds": found["seconds"], "reused": True}
        else:
            print(f"accuracy: pretraining {config}, seed {seed}", file=sys.stderr)
            quick = ["pretrain.epochs=1", "pretrain.unlabelled=null"] if args.quick else []
            overrides = sets([f"run.dir={work}", f"train.seed={seed}", *quick])
            pretrained = run([*LSTMCLS, "pretrain", str(ROOT / config), *overrides, "--json"])
            report = json.loads(pretrained["stdout"])
            # seconds: the whole `lstmcls pretrain` command (reading the texts included); run_seconds: its run's own
            found = {"run": report["run"], "seconds": pretrained["seconds"], "run_seconds": report["seconds"]}
            cache[key] = {"config": config, **found, "reused": False}
        args.pretrained = cache
    return cache[key]


# === The linear baseline: lstmcls/reporting/baseline.py on the same split ===


def linear_seed(row: dict, seed: int, args: argparse.Namespace, work: Path) -> dict:
    """TF-IDF word 1-2-grams + logistic regression (C chosen on validation), fitted on the split the row's config
    draws with `seed`, then scored once on the test split."""
    from lstmcls.config import load_config
    from lstmcls.data.splits import load_splits
    from lstmcls.reporting.baseline import fit_baseline

    config = load_config(ROOT / row["config"], [f"train.seed={seed}", *row["set"]])
    started = time.perf_counter()
    splits = load_splits(config)
    loaded = time.perf_counter()
    keep = slice(QUICK_TEXTS if args.quick else None)
    train_texts, train_labels = splits.train.texts[keep], splits.train.labels[keep]
    validation = (splits.validation.texts, splits.validation.labels)
    baseline, report = fit_baseline((train_texts, train_labels), validation, splits.label_names)
    fitted = time.perf_counter()
    test = baseline.scores(splits.test.texts[keep], splits.test.labels[keep], splits.label_names)
    done = time.perf_counter()
    resolved = config.to_yaml()
    seconds = {"load": loaded - started, "vectorise": None, "train": fitted - loaded, "evaluate": done - fitted}
    seconds = {key: None if value is None else round(value, 2) for key, value in seconds.items()}
    return {
        "config_sha256": sha256(resolved),
        "resolved_config": resolved,
        "model": report["model"],
        "C": report["C"],
        "features": report["features"],
        "seconds": {**seconds, "total": round(done - started, 2)},
        "validation": report["validation"],
        "test": test,
    }


# === The plain-Keras reference: scripts/plain_keras.py ===


def plain_keras_seed(row: dict, seed: int, args: argparse.Namespace, work: Path) -> dict:
    overrides = [f"train.seed={seed}", *row["set"], *(QUICK if args.quick else [])]
    command = [sys.executable, str(ROOT / "scripts" / "plain_keras.py"), str(ROOT / row["config"]), *sets(overrides)]
    result = run([*command, *(["--test-limit", str(QUICK_TEXTS)] if args.quick else [])])
    report = last_json(result)
    phases = report["phase_seconds"]
    seconds = {
        "load": phases["load"],
        "vectorise": phases["vectorise"],
        "train": round(phases["train"] + phases["finish"], 2),
        "evaluate": phases["evaluate"],
        "total": result["seconds"],
    }
    keep = ("config_sha256", "resolved_config", "epochs", "best_epoch", "history", "validation", "test")
    return {**{key: report[key] for key in keep}, "seconds": seconds, "phase_seconds": phases}


MEASURE = {"lstmcls": lstmcls_seed, "linear": linear_seed, "plain_keras": plain_keras_seed}
