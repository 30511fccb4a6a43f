"""Training throughput on whole epochs, lstmcls against the same-work plain-Keras reference (scripts/plain_keras.py).

Every variant trains configs/imdb.yaml's network on the same data for the same number of epochs of the same
number of batches; an epoch's seconds are its training batches as lstmcls's `EpochTimer` callback times them, on
both sides (history.csv's `train_seconds`, the reference's history). The last epoch is reported (the first pays for
tracing and XLA compilation). Variants run in alternating rounds (the order reversed every other round), and each
ratio is the reference's seconds over the variant's within a round: (a) the same padded batches, lstmcls's own path
(fused loop + XLA) against Keras's layers; (b) lstmcls as configured, length buckets included.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from benchlib.common import DEFAULT, ROOT, history, last_json, run, sets, sha256, spread, train

REFERENCE = "plain Keras reference (scripts/plain_keras.py): padded batches, Keras's layers, no XLA"
PADDED = "lstmcls, padded batches: fused loop + XLA (data.bucketing=0)"
CONFIGURED = "lstmcls as configured: length buckets, fused loop + XLA (configs/imdb.yaml)"
UNFUSED = "lstmcls, padded batches, Keras's layers, no XLA (the reference's work through lstmcls)"
# variant → the overrides on configs/imdb.yaml that make it (the reference ignores them: it always pads)
VARIANTS = {
    REFERENCE: [],
    PADDED: ["data.bucketing=0"],
    CONFIGURED: [],
    UNFUSED: ["data.bucketing=0", "model.fuse_pooling=false", "train.jit_compile=false"],
}
RATIOS = {"a": PADDED, "b": CONFIGURED}  # each against the reference
# ratio → what the table calls it ("unfused": lstmcls's path with Keras's layers, a check that the work is the same)
RATIO_NAMES = {
    "a": "(a) same padded batches: lstmcls's fused loop + XLA against Keras's layers",
    "b": "(b) lstmcls as configured (length buckets, fused loop + XLA) against the reference",
    "unfused": "check: lstmcls padded, with Keras's layers and no XLA (about 1× when both do the same work)",
}


def throughput(args: argparse.Namespace, work: Path) -> dict:
    """Alternating rounds of every variant; each run's epoch seconds, and the ratios to the reference."""
    epochs, steps = (2, 10) if args.quick else (2, args.batches or None)  # None: whole epochs of the training split
    variants = [name for name in VARIANTS if not (args.quick and name == UNFUSED)]
    common = [f"train.epochs={epochs}", f"train.steps_per_epoch={steps or 'null'}", "train.patience=null"]
    rounds = []
    for index in range(args.rounds):
        order = variants if index % 2 == 0 else variants[::-1]
        measured = {}
        for name in order:
            print(f"throughput round {index + 1}/{args.rounds}: {name}", file=sys.stderr)
            measured[name] = _measure(name, [*common, *VARIANTS[name]], work)
        rounds.append({"order": order, "runs": measured})
    config = DEFAULT.read_text(encoding="utf-8")
    return {
        "config": str(DEFAULT.relative_to(ROOT)),
        "config_sha256": sha256(config),
        "epochs_per_run": epochs,
        "batches_per_epoch": steps,
        "rounds": rounds,
        "summary": summary(rounds),
    }


def _measure(name: str, overrides: list[str], work: Path) -> dict:
    """One run of a variant: each epoch's training seconds, the last one's examples/s."""
    if name == REFERENCE:
        script = [sys.executable, str(ROOT / "scripts" / "plain_keras.py"), str(DEFAULT), "--no-test"]
        result = run([*script, *sets(overrides)])
        epochs = last_json(result)["history"]
    else:
        run_dir, result = train(DEFAULT, work, "throughput", [*overrides, "train.baseline=false"])
        epochs = [{key: float(value) for key, value in row.items()} for row in history(run_dir)]
    seconds = [epoch["train_seconds"] for epoch in epochs]
    return {
        "epoch_seconds": seconds,
        "examples_per_second": epochs[-1]["examples_per_second"],
        "wall_seconds": result["seconds"],
        "peak_rss_mib": result["peak_rss_mib"],
    }


def summary(rounds: list[dict]) -> dict:
    """Per variant: the last epoch's seconds and examples/s over the rounds; per ratio: reference / variant seconds."""
    names = rounds[0]["runs"]
    last = {name: [found["runs"][name]["epoch_seconds"][-1] for found in rounds] for name in names}
    speeds = {name: [found["runs"][name]["examples_per_second"] for found in rounds] for name in names}
    ratios = {
        key: spread([reference / seconds for reference, seconds in zip(last[REFERENCE], last[name])])
        for key, name in RATIOS.items()
    }
    if UNFUSED in names:
        ratios["unfused"] = spread([reference / seconds for reference, seconds in zip(last[REFERENCE], last[UNFUSED])])
    return {
        "variants": {
            name: {
                "last_epoch_seconds": spread(last[name]),
                "examples_per_second": spread(speeds[name]),
                "median_seconds": round(statistics.median(last[name]), 2),
            }
            for name in names
        },
        "ratios": ratios,
    }
