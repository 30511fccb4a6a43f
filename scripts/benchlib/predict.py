"""Prediction: the cold-start latency of one `lstmcls predict` against importing TensorFlow, and batch throughput on
the 25,000 test reviews, with a configs/imdb.yaml run (the accuracy benchmark's, else one trained here)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

from benchlib.common import DEFAULT, LSTMCLS, run, spread, train


def predict(args: argparse.Namespace, work: Path) -> dict:
    """Cold-start latency of one prediction vs importing TensorFlow; batch throughput on the test reviews."""
    run_dir = newest_run(work / "imdb")
    if run_dir is None:
        print("predict: training configs/imdb.yaml first", file=sys.stderr)
        quick = ["train.epochs=1", "train.steps_per_epoch=20"] if args.quick else []
        run_dir, _ = train(DEFAULT, work / "imdb", "predict", quick)
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
        "run": run_dir.name,
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


def newest_run(folder: Path) -> Path | None:
    """The newest complete run in `folder`, if any."""
    complete = [
        path.parent for path in folder.glob("*/run.json") if json.loads(path.read_text()).get("status") == "complete"
    ]
    return max(complete, default=None, key=lambda path: path.name)


def test_texts(limit: int | None) -> list[str]:
    """The IMDB test reviews, one per line (line breaks inside a review become spaces)."""
    import tensorflow_datasets as tfds

    test = tfds.load("imdb_reviews", split="test", download=False)
    texts = [" ".join(example["text"].decode("utf-8").split()) for example in tfds.as_numpy(test)]
    return texts[:limit]
