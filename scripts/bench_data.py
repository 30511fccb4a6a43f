"""Data benchmark: peak RSS and examples/s of `lstmcls train` (one epoch), streaming against in-memory, and of
`lstmcls predict --data --out`, on IMDB's training reviews replicated ×1, ×4 and ×16 as sharded Parquet files.

The script makes the data itself from IMDB's train.csv.gz (a text and a label column): each scale is written as
`--shards` Parquet files, shard k holding `scale` copies of the k-th slice of the reviews, one row group per copy.
Parquet because it is what a large corpus is usually stored as, it is read row group by row group (so a streamed
read holds one row group, about 8 MB here, not a file), and it is quick to write (×16 IMDB: 16 × 21 MB of
compressed Parquet against 16 × 33 MB of CSV).

Within each scale the two modes run one after the other, in alternating order from scale to scale (so drift on a
shared machine hits both), then `predict --out` runs on that scale's shards with the first scale's run. Every
command is a subprocess; its peak RSS is its own `ru_maxrss` from `wait4` (TensorFlow's threads live in that
process). Writes `benchmarks/results/data-<date>.json`, then renders docs/benchmarks.md again from the result
files (its data section is `data_section` of the newest data file). The scratch folder (shards, runs,
predictions) is deleted at the end unless `--keep`.

    python scripts/bench_data.py                              # ×1, ×4, ×16 (2 CPU cores: not yet timed)
    python scripts/bench_data.py --quick                      # 2,000 reviews at ×1 and ×2; not tabled
    python scripts/bench_data.py --quick --modes in-memory --no-predict
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import common  # noqa: E402  (scripts/benchlib/: running commands, result files)
from benchlib.render import measured  # noqa: E402

IMDB = common.ROOT.parent / "shared" / "datasets" / "imdb" / "train.csv.gz"
START, END = "<!-- bench_data:start -->", "<!-- bench_data:end -->"
HEADING = "## Data: streaming against in-memory"
# A small network, the same in both modes, so that reading and batching the data is what the epoch spends time on.
NETWORK = ["model.embedding.dim=16", "model.units=16", "vectorizer.max_length=128", "train.batch_size=256"]
MODES = {"streaming": ["data.streaming=true"], "in-memory": []}  # in-memory is the default (data.streaming: false)
RSS_GROWTH = 0.25  # "flat memory": peak RSS at the largest scale at most 25 % above the smallest scale's
SPEED_SHORTFALL = 0.10  # streaming examples/s at the smallest scale at least 90 % of in-memory's


# === The data ===


def read_imdb(path: Path, limit: int | None = None):
    """IMDB's reviews as a pyarrow Table (text, label), the first `limit` rows if given."""
    import pyarrow.csv

    if not path.is_file():
        sys.exit(f"bench_data: {path} not found; pass --imdb with IMDB's train.csv.gz (columns text, label)")
    table = pyarrow.csv.read_csv(path)
    return table.slice(0, limit) if limit else table


def write_shards(table, scale: int, shards: int, folder: Path) -> list[Path]:
    """`table` written `scale` times over as `shards` Parquet files; shard k holds `scale` copies of slice k."""
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    bounds = [round(k * table.num_rows / shards) for k in range(shards + 1)]
    paths = []
    for k in range(shards):
        path = folder / f"train-{k:05d}-of-{shards:05d}.parquet"
        part = table.slice(bounds[k], bounds[k + 1] - bounds[k])
        with pq.ParquetWriter(path, part.schema) as writer:
            for _ in range(scale):
                writer.write_table(part)
        paths.append(path)
    return paths


def write_config(folder: Path) -> Path:
    """A config that trains on the Parquet shards in `folder`; the network and mode come as overrides."""
    path = folder / "bench_data.yaml"
    config = {"data": {"source": "parquet", "train": str(folder / "train-*.parquet")}}
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


# === Measuring ===


def train(config: Path, runs: Path, scale: int, rows: int, mode: str, overrides: list[str]) -> dict:
    """One epoch of `lstmcls train` in `mode`: its peak RSS, wall seconds and the epoch's examples/s."""
    from lstmcls.runs import CONFIG, METRICS

    print(f"data: ×{scale}, {mode}: lstmcls train", file=sys.stderr)
    name = f"x{scale}-{mode}"
    run_dir, measured = common.train(config, runs, name, ["train.epochs=1", *NETWORK, *MODES[mode], *overrides])
    epoch = common.history(run_dir)[0]
    examples = json.loads((run_dir / METRICS).read_text())["examples"]["train"]
    data = yaml.safe_load((run_dir / CONFIG).read_text())["data"]
    return {
        "scale": scale,
        "rows": rows,
        "mode": mode,
        "train_examples": examples,
        "epoch_seconds": float(epoch["train_seconds"]),
        "examples_per_second": round(examples / float(epoch["train_seconds"]), 1),
        "wall_seconds": measured["seconds"],
        "peak_rss_kib": measured["peak_rss_kib"],
        "data": {key: data[key] for key in ("streaming", "sample_rows", "shuffle_buffer", "bucketing") if key in data},
        "run": str(run_dir),
    }


def predict(run_dir: Path, folder: Path, scale: int, rows: int) -> dict:
    """`lstmcls predict --data <shards> --out predictions.parquet`: peak RSS and rows/s; every row must come out.

    `folder` holds the scale's shards without their label column: batch prediction labels unlabelled text (and
    refuses an input column named like one it adds).
    """
    import pyarrow.parquet as pq

    print(f"data: ×{scale}: lstmcls predict --out", file=sys.stderr)
    out = folder / "predictions.parquet"
    command = ["predict", "--run", str(run_dir), "--data", str(folder / "train-*.parquet"), "--out", str(out)]
    measured = common.run([*common.LSTMCLS, *command])
    written = pq.ParquetFile(out).metadata.num_rows
    if written != rows:
        sys.exit(f"bench_data: predict --out wrote {written} rows for {rows} input rows ({out})")
    return {
        "scale": scale,
        "rows": rows,
        "wall_seconds": measured["seconds"],
        "rows_per_second": round(rows / measured["seconds"], 1),
        "peak_rss_kib": measured["peak_rss_kib"],
        "run": str(run_dir),
    }


def measure(args: argparse.Namespace, work: Path) -> dict:
    """Every scale: shards written, both modes trained (order alternating by scale), predict --out; shards dropped."""
    table = read_imdb(args.imdb, args.limit)
    trained, predicted, order = [], [], []
    for index, scale in enumerate(args.scales):
        folder = work / f"x{scale}"
        write_shards(table, scale, args.shards, folder)
        config = write_config(folder)
        rows = table.num_rows * scale
        for mode in args.modes if index % 2 == 0 else args.modes[::-1]:
            trained.append(train(config, work / "runs", scale, rows, mode, args.set))
            order.append(f"×{scale} {mode}")
        if args.predict:
            first = [row for row in trained if row["scale"] == args.scales[0]]
            chosen = next((row for row in first if row["mode"] == "streaming"), first[0])
            write_shards(table.select(["text"]), scale, args.shards, folder / "texts")
            predicted.append({**predict(Path(chosen["run"]), folder / "texts", scale, rows), "mode": chosen["mode"]})
        if not args.keep:
            shutil.rmtree(folder)
    return {"train": trained, "predict": predicted, "order": order, "reviews": table.num_rows}


# === The checks and the table ===


def mib(kib: int) -> int:
    return round(kib / 1024)


def find(rows: list[dict], scale: int, mode: str | None = None) -> dict | None:
    return next((row for row in rows if row["scale"] == scale and mode in (None, row.get("mode"))), None)


def checks(result: dict) -> list[dict]:
    """The issue's three acceptance checks, decided on the measured figures (never on rounded ones)."""
    first, last = result["scales"][0], result["scales"][-1]
    train, predicted = result["train"], result["predict"]
    found = []

    def growth(name: str, small: dict | None, large: dict | None) -> None:
        if small is None or large is None:
            found.append({"check": name, "figure": "not measured", "passed": None})
            return
        change = large["peak_rss_kib"] / small["peak_rss_kib"] - 1
        figure = f"{mib(large['peak_rss_kib']):,} MiB against {mib(small['peak_rss_kib']):,} MiB: {change:+.2%}"
        found.append({"check": name, "figure": figure, "passed": change <= RSS_GROWTH})

    growth(
        f"streaming peak RSS at ×{last} within {RSS_GROWTH:.0%} of ×{first}",
        find(train, first, "streaming"),
        find(train, last, "streaming"),
    )
    streamed, in_memory = find(train, first, "streaming"), find(train, first, "in-memory")
    floor = 1 - SPEED_SHORTFALL
    name = f"streaming examples/s at ×{first} within {SPEED_SHORTFALL:.0%} of in-memory (at least {floor:.0%})"
    if streamed is None or in_memory is None:
        found.append({"check": name, "figure": "not measured", "passed": None})
    else:
        share = speed(streamed) / speed(in_memory)
        figure = f"{speed(streamed):,.0f} against {speed(in_memory):,.0f}: {share:.2%}"
        found.append({"check": name, "figure": figure, "passed": share >= floor})
    growth(
        f"predict --out at ×{last} with flat memory (peak RSS within {RSS_GROWTH:.0%} of ×{first})",
        find(predicted, first),
        find(predicted, last),
    )
    return found


def speed(row: dict) -> float:
    """Examples/s from the recorded figures (not the rounded examples_per_second)."""
    return row["train_examples"] / row["epoch_seconds"]


def train_table(result: dict) -> list[str]:
    first = result["scales"][0]
    lines = [
        f"| scale | rows | mode | peak RSS MiB | RSS / ×{first} | examples/s | streaming / in-memory | epoch s "
        "| wall s |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["train"]:
        base = find(result["train"], first, row["mode"])
        other = find(result["train"], row["scale"], "in-memory")
        share = f"{speed(row) / speed(other):.2f}×" if row["mode"] == "streaming" and other else "–"
        lines.append(
            f"| ×{row['scale']} | {row['rows']:,} | {row['mode']} | {mib(row['peak_rss_kib']):,} "
            f"| {row['peak_rss_kib'] / base['peak_rss_kib']:.2f}× | {speed(row):,.0f} | {share} "
            f"| {row['epoch_seconds']:.1f} | {row['wall_seconds']:.1f} |"
        )
    return lines


def predict_table(result: dict) -> list[str]:
    first = find(result["predict"], result["scales"][0])
    lines = [
        "`lstmcls predict --data <the scale's shards, text column only> --out predictions.parquet` with the "
        f"×{result['scales'][0]} {first['mode']} run; rows/s over the whole command, start-up included:",
        "",
        f"| scale | rows | peak RSS MiB | RSS / ×{result['scales'][0]} | rows/s | wall s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in result["predict"]:
        lines.append(
            f"| ×{row['scale']} | {row['rows']:,} | {mib(row['peak_rss_kib']):,} "
            f"| {row['peak_rss_kib'] / first['peak_rss_kib']:.2f}× | {row['rows_per_second']:,.0f} "
            f"| {row['wall_seconds']:.1f} |"
        )
    return lines


def checks_table(result: dict) -> list[str]:
    lines = ["| acceptance check (issue 19) | measured | result |", "|---|---|---|"]
    for check in checks(result):
        verdict = {True: "pass", False: "**miss**", None: "not run"}[check["passed"]]
        lines.append(f"| {check['check']} | {check['figure']} | {verdict} |")
    return lines


def data_section(result: dict) -> list[str]:
    """The data section of docs/benchmarks.md for one result, its markers included."""
    streamed = next((row["data"] for row in result["train"] if row["mode"] == "streaming"), None)
    settings = (
        f" Streaming read `data.sample_rows: {streamed.get('sample_rows')}` rows for the vocabulary and length "
        f"buckets and shuffled in a buffer of `data.shuffle_buffer: {streamed.get('shuffle_buffer')}`."
        if streamed
        else " Streaming was not run."
    )
    lines = [START, HEADING, ""]
    lines += [
        f"`lstmcls train` for one epoch on IMDB's {result['reviews']:,} training reviews replicated "
        f"{', '.join(f'×{scale}' for scale in result['scales'])}, written as {result['shards']} Parquet shards per "
        f"scale; both modes train the same small network (`{' '.join(result['network'])}`) so that the data path, "
        "not the LSTM, is what is measured.",
        "",
        *train_table(result),
        "",
        "examples/s: training examples (metrics.json, the rows less the 10 % validation carve) over the epoch's "
        "training seconds (history.csv `train_seconds`: validation excluded; a first epoch, so tracing included); "
        "wall s: the whole command (imports, reading, vocabulary, the epoch, validation, saving). Peak RSS: the "
        "command's own `ru_maxrss` (TensorFlow's threads are in that process). The modes alternate order from "
        f"scale to scale ({', '.join(result['order'])}); load average at the start "
        f"{' '.join(f'{load:.2f}' for load in result['load_average'])}.{settings}",
    ]
    if result["predict"]:
        lines += ["", *predict_table(result)]
    lines += ["", *checks_table(result), "", measured(result), END]
    return lines


# === Running it ===


def commit() -> str:
    """The checked-out commit, marked dirty when the tree has uncommitted changes."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=common.ROOT, capture_output=True, text=True).stdout
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=common.ROOT, capture_output=True, text=True).stdout
    return head.strip() + (" (dirty)" if dirty.strip() else "")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--imdb", type=Path, default=IMDB, help="IMDB's train.csv.gz (columns text, label)")
    parser.add_argument("--scales", default="1,4,16", help="copies of IMDB per scale, the first one the base")
    parser.add_argument("--shards", type=int, default=4, help="Parquet files per scale")
    parser.add_argument("--modes", default="streaming,in-memory", help=f"any of {', '.join(MODES)}")
    parser.add_argument("--no-predict", dest="predict", action="store_false", help="skip predict --out")
    parser.add_argument("--set", action="append", default=[], help="another train override (KEY=VALUE)")
    parser.add_argument("--limit", type=int, help="use only the first LIMIT reviews")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (shards, runs, predictions)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2,000 reviews at ×1 and ×2; not tabled")
    args = parser.parse_args()
    if args.quick:
        args.limit, args.scales = args.limit or 2000, "1,2"
    args.scales = [int(scale) for scale in args.scales.split(",")]
    args.modes = args.modes.split(",")
    unknown = set(args.modes) - set(MODES)
    if unknown:
        parser.error(f"unknown mode {sorted(unknown)[0]!r}; choose from {', '.join(MODES)}")
    return args


def main() -> None:
    args = parse()
    import pyarrow

    load = os.getloadavg()
    (common.RUNS).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="data-", dir=common.RUNS))
    try:
        measured = measure(args, work)
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    result = {
        "commit": commit(),
        "imdb": str(args.imdb),
        "scales": args.scales,
        "shards": args.shards,
        "modes": args.modes,
        "network": NETWORK + args.set,
        "load_average": [round(value, 2) for value in load],
        "pyarrow": pyarrow.__version__,
        **measured,
    }
    result["checks"] = checks(result)
    common.publish("data", result, args.quick)


if __name__ == "__main__":
    main()
