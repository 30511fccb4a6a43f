"""Load benchmark of `lstmcls serve`: requests/s and latency for 1, 8 and 32 concurrent clients, with and
without micro-batching, against calling the SavedModel in-process (the ceiling).

Localhost only (the server listens on 127.0.0.1 and the clients call nothing else) and bounded: each level
stops after `--requests` requests or `--seconds` seconds, whichever comes first. Every request carries one text.
Each server row records the texts per model call the server actually formed (from its `/metrics`), and the
in-process ceiling is measured right after, at those batch sizes as well as at 1 and `--max-batch` texts: a
server whose clients keep it at 16 texts per call is judged against the model at 16 texts per call.
Writes `benchmarks/results/serve-<date>.json` (as `scripts/bench.py` does), then renders docs/benchmarks.md again
from the result files (its "Serving" section is `serve_section` of the newest serve file).

    python scripts/bench_serve.py --run runs/<run-id>
    python scripts/bench_serve.py --run runs/<run-id> --quick    # a smoke run; not tabled
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import common  # noqa: E402  (scripts/benchlib/: running commands, result files)
from benchlib.render import measured  # noqa: E402

SENTENCES = [
    "the film opens slowly but the story grows on you",
    "a gripping and beautifully shot film with a fine cast",
    "the plot was thin and the acting was wooden throughout",
    "i loved the music and the ending was superb",
    "an awful boring mess that wasted a good actor",
    "it was fine and some scenes were excellent",
    "the worst movie i have seen this year",
    "a wonderful story told with care and humour",
]
HEADING = "## Serving"


def texts(count: int, words: int, seed: int = 0) -> list[str]:
    """`count` review-like texts of about `words` words, from a fixed set of sentences."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        chosen: list[str] = []
        while len(chosen) < words:
            chosen += rng.choice(SENTENCES).split()
        out.append(" ".join(chosen[:words]))
    return out


def latency_row(mode: str, clients: int, latencies: list[float], seconds: float, per_call: float) -> dict:
    ordered = sorted(latencies)

    def quantile(q: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {
        "mode": mode,
        "clients": clients,
        "requests": len(latencies),
        "seconds": round(seconds, 2),
        "texts_per_second": round(len(latencies) / seconds, 1),
        "texts_per_call": round(per_call, 1),
        "p50_ms": quantile(0.50),
        "p95_ms": quantile(0.95),
        "p99_ms": quantile(0.99),
    }


# === In-process: the ceiling ===


def in_process(export: Path, sample: list[str], sizes: set[int], args: argparse.Namespace) -> list[dict]:
    """The SavedModel called in this process, `size` texts per call for each of `sizes`, one after another."""
    from lstmcls.serving.model import load_export

    model = load_export(export)
    model.predict(sample[:8])  # the first call traces
    rows = []
    for size in sorted(sizes):
        mode = f"in-process, {size} text{'s' if size > 1 else ''} per call"
        latencies, started = [], time.perf_counter()
        while len(latencies) < args.requests * 4 and time.perf_counter() - started < args.seconds:
            batch = [sample[(len(latencies) + k) % len(sample)] for k in range(size)]
            begun = time.perf_counter()
            model.predict(batch)
            latencies += [time.perf_counter() - begun] * size
        rows.append(latency_row(mode, 1, latencies, time.perf_counter() - started, size))
    return rows


# === Over HTTP ===


async def load(url: str, name: str, clients: int, sample: list[str], args: argparse.Namespace) -> tuple[list, float]:
    """`clients` concurrent clients, each on its own connection, one text per request, until the bounds."""
    latencies: list[float] = []
    budget = {"left": args.requests}
    deadline = time.perf_counter() + args.seconds

    async def client(number: int) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            index = number
            while budget["left"] > 0 and time.perf_counter() < deadline:
                budget["left"] -= 1
                begun = time.perf_counter()
                response = await http.post(
                    f"/v1/models/{name}:predict", json={"instances": [sample[index % len(sample)]]}
                )
                response.raise_for_status()
                latencies.append(time.perf_counter() - begun)
                index += clients

    started = time.perf_counter()
    await asyncio.gather(*(client(number) for number in range(clients)))
    return latencies, time.perf_counter() - started


def model_calls(url: str) -> tuple[float, float]:
    """Texts and model calls so far, from the server's batch-size histogram at `/metrics`."""
    text = httpx.get(f"{url}/metrics").text
    found = (re.search(rf"^lstmcls_batch_texts_{part} (\S+)$", text, re.MULTILINE) for part in ("sum", "count"))
    texts, calls = (float(match.group(1)) if match else 0.0 for match in found)
    return texts, calls


def over_http(run: Path, sample: list[str], args: argparse.Namespace) -> list[dict]:
    rows = []
    for mode, max_batch in (
        ("lstmcls serve, micro-batching", args.max_batch),
        ("lstmcls serve, one call per request", 1),
    ):
        command = [sys.executable, "-m", "lstmcls", "--quiet", "serve", "--run", str(run), "--host", "127.0.0.1"]
        command += [
            "--port",
            "0",
            "--name",
            "bench",
            "--max-batch",
            str(max_batch),
            "--max-wait-ms",
            str(args.max_wait_ms),
        ]
        server = subprocess.Popen(
            command, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
        )
        try:
            line = server.stderr.readline()
            found = re.search(r"at (http://127\.0\.0\.1:\d+)/ ", line)
            if found is None:
                sys.exit(f"bench_serve: the server did not start: {line}{server.stderr.read()}")
            asyncio.run(load(found.group(1), "bench", 4, sample, argparse.Namespace(requests=40, seconds=10)))  # warm
            for clients in args.clients:
                print(f"serve: {mode}, {clients} clients", file=sys.stderr)
                calls = model_calls(found.group(1))
                latencies, seconds = asyncio.run(load(found.group(1), "bench", clients, sample, args))
                texts, count = (after - before for after, before in zip(model_calls(found.group(1)), calls))
                rows.append(latency_row(mode, clients, latencies, seconds, texts / max(count, 1)))
        finally:
            server.terminate()
            server.wait(timeout=60)
    return rows


# === The table ===


def serve_section(result: dict) -> list[str]:
    """The "Serving" section of docs/benchmarks.md for one result."""
    rows = result["rows"]
    in_process = {round(row["texts_per_call"]): row for row in rows if row["mode"].startswith("in-process")}
    best = max(row["texts_per_second"] for row in rows if row["mode"].startswith("in-process"))
    lines = [
        HEADING,
        "",
        f"`lstmcls serve` on {result['model']}; every request carries one text of {result['words']} words.",
        "",
    ]
    lines += [
        "| mode | clients | requests | texts per call | texts/s | of in-process, same batch | of best in-process "
        "| p50 ms | p95 ms | p99 ms |"
    ]
    lines += ["|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        same = in_process.get(round(row["texts_per_call"]))
        share = f"{row['texts_per_second'] / same['texts_per_second']:.0%}" if same else "–"
        lines.append(
            f"| {row['mode']} | {row['clients']} | {row['requests']} | {row['texts_per_call']:g} "
            f"| {row['texts_per_second']:.0f} | {share} | {row['texts_per_second'] / best:.0%} "
            f"| {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {row['p99_ms']:.1f} |"
        )
    lines += [
        "",
        f"Server options: `--max-batch {result['max_batch']} --max-wait-ms {result['max_wait_ms']}` (one call per "
        "request: `--max-batch 1`). Clients (httpx, asyncio, one connection each) run on the same machine as the "
        f"server, bounded by {result['requests_per_level']} requests or {result['seconds_per_level']} s per row. "
        '"texts per call" is what the server formed (its `/metrics`); "of in-process, same batch" divides by the '
        'in-process row at that many texts per call (measured right after the server rows), "of best in-process" '
        f"by the fastest in-process row. {result.get('note', '')}".rstrip(),
        "",
        measured(result),
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True, help="a complete classifier run (exported if need be)")
    parser.add_argument("--model", default=None, help="how the table names the run's model [default: the run id]")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--requests", type=int, default=600, help="requests per row at most")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds per row at most")
    parser.add_argument("--words", type=int, default=230, help="words per text (IMDB reviews: about 230)")
    parser.add_argument("--max-batch", type=int, default=64)
    parser.add_argument("--max-wait-ms", type=float, default=5.0)
    parser.add_argument("--note", default="", help="a sentence printed under the table (e.g. what else ran)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: few requests; not tabled")
    args = parser.parse_args()
    if args.quick:
        args.requests, args.seconds, args.clients = 40, 5.0, [1, 8]
    from lstmcls.runs import EXPORT, open_run
    from lstmcls.serving.model import load_served

    run = open_run(args.run)
    load_served(run.path, None)  # exports the run first if it has no export
    sample = texts(256, args.words)
    served = over_http(run.path, sample, args)
    sizes = {1, args.max_batch} | {max(1, round(row["texts_per_call"])) for row in served}
    rows = in_process(run.file(EXPORT), sample, sizes, args) + served
    result = {
        "run": str(run.path),
        "model": args.model or f"run {run.id}",
        "words": args.words,
        "max_batch": args.max_batch,
        "max_wait_ms": args.max_wait_ms,
        "requests_per_level": args.requests,
        "seconds_per_level": args.seconds,
        "note": args.note,
        "rows": rows,
    }
    common.publish("serve", result, args.quick)


if __name__ == "__main__":
    main()
