"""The data benchmark's pure parts (not its timings): the shards it writes, its pass/miss checks, its table and its
section of docs/benchmarks.md."""

import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))

import bench_data  # noqa: E402
from benchlib import render  # noqa: E402

MACHINE = {"cpu": "Test CPU", "cores": 2, "tensorflow": "2.21.0", "keras": "3.15.1", "python": "3.11.7"}
MIB = 1024  # peak RSS is recorded in KiB


def trained(scale: int, mode: str, rss_mib: float, seconds: float) -> dict:
    return {
        "scale": scale,
        "rows": 25_000 * scale,
        "mode": mode,
        "train_examples": 22_500 * scale,
        "epoch_seconds": seconds,
        "examples_per_second": round(22_500 * scale / seconds, 1),
        "wall_seconds": seconds + 20,
        "peak_rss_kib": round(rss_mib * MIB),
        "data": {"streaming": mode == "streaming", "sample_rows": 100_000, "shuffle_buffer": 10_000},
    }


def predicted(scale: int, rss_mib: float) -> dict:
    rows = 25_000 * scale
    return {
        "scale": scale,
        "rows": rows,
        "wall_seconds": 10.0 * scale,
        "rows_per_second": rows / (10.0 * scale),
        "peak_rss_kib": round(rss_mib * MIB),
        "mode": "streaming",
    }


def result(train: list[dict], predict: list[dict]) -> dict:
    return {
        "benchmark": "data",
        "quick": False,
        "date": "20261202-010000",
        "machine": MACHINE,
        "scales": [1, 4, 16],
        "shards": 4,
        "reviews": 25_000,
        "network": bench_data.NETWORK,
        "load_average": [1.5, 1.25, 1.0],
        "order": ["×1 streaming", "×1 in-memory", "×4 in-memory", "×4 streaming"],
        "train": train,
        "predict": predict,
    }


MEASURED = result(
    [
        trained(1, "streaming", 1000, 10.0),
        trained(1, "in-memory", 900, 9.5),
        trained(16, "in-memory", 3000, 160.0),
        trained(16, "streaming", 1100, 150.0),
    ],
    [predicted(1, 800), predicted(16, 1100)],
)


def test_each_shard_holds_scale_copies_of_its_slice_and_together_they_hold_every_row_scale_times(tmp_path: Path):
    table = pa.table({"text": [f"review {n}" for n in range(10)], "label": ["neg", "pos"] * 5})
    paths = bench_data.write_shards(table, 3, 4, tmp_path)
    assert [path.name for path in paths] == [f"train-{k:05d}-of-00004.parquet" for k in range(4)]
    shards = [pq.read_table(path) for path in paths]
    assert sum(shard.num_rows for shard in shards) == 30
    texts = [text for shard in shards for text in shard.column("text").to_pylist()]
    assert sorted(texts) == sorted(table.column("text").to_pylist() * 3)
    first = shards[0].column("text").to_pylist()
    assert first == first[: len(first) // 3] * 3  # shard 0: three copies of one slice, one row group each
    assert pq.ParquetFile(paths[0]).num_row_groups == 3
    assert shards[0].schema == table.schema


def test_a_missing_imdb_file_stops_with_a_message_that_says_what_to_pass(tmp_path: Path):
    with pytest.raises(SystemExit, match="missing.csv.gz not found; pass --imdb"):
        bench_data.read_imdb(tmp_path / "missing.csv.gz")


def test_the_checks_report_the_measured_figures_and_pass_or_miss_on_them():
    found = {check["check"]: check for check in bench_data.checks(MEASURED)}
    memory = found["streaming peak RSS at ×16 within 25% of ×1"]
    assert memory == {"check": memory["check"], "figure": "1,100 MiB against 1,000 MiB: +10.00%", "passed": True}
    speed = found["streaming examples/s at ×1 within 10% of in-memory (at least 90%)"]
    assert speed["figure"] == "2,250 against 2,368: 95.00%" and speed["passed"] is True
    flat = found["predict --out at ×16 with flat memory (peak RSS within 25% of ×1)"]
    assert flat["figure"] == "1,100 MiB against 800 MiB: +37.50%" and flat["passed"] is False


def test_a_figure_just_past_a_limit_is_a_miss_even_where_it_would_round_to_the_limit():
    just_over = result(
        [trained(1, "streaming", 1000, 10.0), trained(1, "in-memory", 900, 8.9999)],
        [predicted(1, 1000), predicted(16, 1250.01)],
    )
    just_over["scales"] = [1, 16]
    memory, speed, flat = bench_data.checks(just_over)
    assert memory["passed"] is None and memory["figure"] == "not measured"  # no streaming ×16 run
    assert speed["passed"] is False and speed["figure"].endswith(": 90.00%")  # 0.899990: shown as 90.00%, a miss
    assert flat["passed"] is False


def test_the_table_shows_each_scale_and_mode_with_ratios_and_the_verdicts():
    text = "\n".join(bench_data.data_section(MEASURED))
    assert text.startswith(bench_data.START + "\n## Data") and text.endswith("Python 3.11.7.\n" + bench_data.END)
    assert "| ×1 | 25,000 | streaming | 1,000 | 1.00× | 2,250 | 0.95× | 10.0 | 30.0 |" in text
    assert "| ×1 | 25,000 | in-memory | 900 | 1.00× | 2,368 | – | 9.5 | 29.5 |" in text
    assert "| ×16 | 400,000 | streaming | 1,100 | 1.10× | 2,400 | 1.07× | 150.0 | 170.0 |" in text
    assert "| ×16 | 400,000 | in-memory | 3,000 | 3.33× | 2,250 | – | 160.0 | 180.0 |" in text
    assert "| ×16 | 400,000 | 1,100 | 1.38× | 2,500 | 160.0 |" in text  # predict
    assert "| 1,100 MiB against 800 MiB: +37.50% | **miss** |" in text and text.count("| pass |") == 2
    assert "model.embedding.dim=16 model.units=16" in text and "load average at the start 1.50 1.25 1.00" in text
    assert "`data.sample_rows: 100000`" in text and "Measured 20261202 on Test CPU, 2 cores" in text
    assert bench_data.HEADING in render.render([MEASURED])
