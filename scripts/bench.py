"""Benchmarks on IMDB: accuracy of every row of benchmarks/rows.yaml over seeds, training throughput against the
same-work plain-Keras reference, predict latency and throughput. `make bench` runs them all.

Each measured run writes one JSON file into `benchmarks/results/` (an accuracy row: one file per seed), committed;
`docs/benchmarks.md` is then rendered from those files alone. `--quick` results are smoke runs: git ignores them
and the page never shows them. Commands run as subprocesses, so their wall time and peak RSS (from `wait4`) are
what a user sees. Needs `TFDS_DATA_DIR` (or the configs' data_dir). The parts live in `scripts/benchlib/`.

    python scripts/bench.py                              # everything (see docs/benchmarks.md for the time it takes)
    python scripts/bench.py accuracy --seeds 1 2 3 --only imdb linear
    python scripts/bench.py throughput --rounds 3
    python scripts/bench.py accuracy --quick --seeds 1   # a smoke run in a few minutes; not tabled
    python scripts/bench.py --table                      # only render docs/benchmarks.md again
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib.accuracy import accuracy  # noqa: E402
from benchlib.common import RUNS, publish, write_table  # noqa: E402
from benchlib.predict import predict  # noqa: E402
from benchlib.throughput import throughput  # noqa: E402

# Benchmarks that write one file per invocation (accuracy writes one per row and seed itself).
ONE_FILE = {"throughput": throughput, "predict": predict}
BENCHMARKS = ["accuracy", *ONE_FILE]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"benchmarks to run: {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: tiny epochs and subsets; not tabled")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3], help="accuracy: one run per seed")
    parser.add_argument("--only", nargs="+", help="accuracy rows to measure (benchmarks/rows.yaml names)")
    reuse = "reuse this `lstmcls pretrain` run for every seed instead of pretraining per seed (--only rows of one "
    reuse += "pretrain config)"
    parser.add_argument("--vectors-run", type=Path, help=reuse)
    parser.add_argument("--rounds", type=int, default=3, help="throughput: alternating rounds")
    batches = "throughput: batches per epoch, 2 epochs a run (default 0: whole epochs of the training split)"
    parser.add_argument("--batches", type=int, default=0, help=batches)
    busy = "accuracy: what else ran on the machine; the page marks these files' seconds as not an idle machine's"
    parser.add_argument("--busy", metavar="WHAT", help=busy)
    parser.add_argument("--table", action="store_true", help="only render docs/benchmarks.md from the result files")
    args = parser.parse_args()
    unknown = set(args.names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark {sorted(unknown)[0]!r}; choose from {', '.join(BENCHMARKS)}")
    if args.quick:
        args.rounds = 1
    if not args.table:
        work = RUNS / ("quick" if args.quick else "full")
        for name in args.names or BENCHMARKS:
            if name == "accuracy":
                accuracy(args, work)
            else:
                publish(name, ONE_FILE[name](args, work), args.quick)
    if not args.quick or args.table:
        write_table()


if __name__ == "__main__":
    main()
