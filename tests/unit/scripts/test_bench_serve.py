"""The serving benchmark's bookkeeping (not its timings): its table, and its section of docs/benchmarks.md."""

import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))

import bench_serve  # noqa: E402
from benchlib import render  # noqa: E402

MACHINE = {"cpu": "Test CPU", "cores": 2, "tensorflow": "2.21.0", "keras": "3.15.1", "python": "3.11.7"}


def row(mode: str, clients: int, texts_per_second: float, per_call: float) -> dict:
    return {
        "mode": mode,
        "clients": clients,
        "requests": 600,
        "seconds": 2.0,
        "texts_per_second": texts_per_second,
        "texts_per_call": per_call,
    }


RESULT = {
    "benchmark": "serve",
    "quick": False,
    "date": "20261201-200000",
    "machine": MACHINE,
    "model": "a tiny run",
    "words": 230,
    "max_batch": 64,
    "max_wait_ms": 5.0,
    "requests_per_level": 600,
    "seconds_per_level": 20.0,
    "note": "Other work shared the machine.",
    "rows": [
        {**row("in-process, 16 texts per call", 1, 800.0, 16), "p50_ms": 20.0, "p95_ms": 30.0, "p99_ms": 40.0},
        {**row("in-process, 64 texts per call", 1, 1000.0, 64), "p50_ms": 60.0, "p95_ms": 70.0, "p99_ms": 80.0},
        {**row("lstmcls serve, micro-batching", 32, 600.0, 15.6), "p50_ms": 50.0, "p95_ms": 90.0, "p99_ms": 99.0},
        {**row("lstmcls serve, micro-batching", 8, 100.0, 3.2), "p50_ms": 50.0, "p95_ms": 90.0, "p99_ms": 99.0},
    ],
}


def test_the_serving_table_shows_each_row_against_the_in_process_call_at_its_batch_size_and_the_best():
    text = "\n".join(bench_serve.serve_section(RESULT))
    assert "| lstmcls serve, micro-batching | 32 | 600 | 15.6 | 600 | 75% | 60% | 50.0 | 90.0 | 99.0 |" in text
    assert "| lstmcls serve, micro-batching | 8 | 600 | 3.2 | 100 | – | 10% |" in text  # no in-process row at 3
    assert "| in-process, 64 texts per call | 1 | 600 | 64 | 1000 | 100% | 100% |" in text
    assert "| in-process, 16 texts per call | 1 | 600 | 16 | 800 | 100% | 80% |" in text
    assert "Other work shared the machine." in text and "Measured 20261201 on Test CPU, 2 cores" in text
    assert "## Serving" in render.render([RESULT])
