"""The benchmark script's bookkeeping (not its timings): the rows it trains, the result files' aggregation, and
docs/benchmarks.md rendered from the committed result files alone."""

import sys
from pathlib import Path

import yaml

from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))

from benchlib import accuracy, common, render, throughput  # noqa: E402

MACHINE = {"cpu": "Test CPU", "cores": 2, "platform": "Linux"}
VERSIONS = {"tensorflow": "2.21.0", "keras": "3.15.1", "python": "3.11.7", "sklearn": "1.7.0"}


def test_the_committed_page_is_what_the_committed_result_files_render():
    rendered = render.render(render.load_results(common.RESULTS))
    committed = common.TABLE.read_text(encoding="utf-8")
    assert committed == rendered, "docs/benchmarks.md differs from its results: run `python scripts/bench.py --table`"


def test_every_imdb_config_that_trains_has_a_row_and_every_row_says_how_it_was_chosen():
    rows = accuracy.load_rows()
    benchmarked = {row["config"] for row in rows.values()}
    for path in sorted((ROOT / "configs").glob("*.yaml")):
        raw = yaml.safe_load(path.read_text())
        if not {"tune", "pretrain"} & set(raw) and raw["data"]["source"] == "imdb":
            assert f"configs/{path.name}" in benchmarked, f"{path.name} has no row in benchmarks/rows.yaml"
    for name, row in rows.items():
        assert row["kind"] in accuracy.MEASURE and (ROOT / row["config"]).is_file(), name
        assert row["title"] and len(row["chosen"].split()) > 5, name
    assert {name for name, row in rows.items() if row["headline"]} == {"imdb", "imdb_best", "linear"}


def test_imdb_best_fine_tunes_its_vectors_as_validation_chose():
    raw = yaml.safe_load((ROOT / "configs" / "imdb_best.yaml").read_text())
    assert raw["model"]["embedding"]["trainable"] is True
    assert "validation" in (ROOT / "configs" / "imdb_best.yaml").read_text()


def seed_file(row: str, seed: int, test: float, commit: str = "b" * 40, **extra) -> dict:
    return {
        "benchmark": "accuracy",
        "row": row,
        "title": f"configs/{row}.yaml",
        "kind": "lstmcls",
        "headline": row == "imdb",
        "chosen": f"how {row} was chosen",
        "seed": seed,
        "date": f"2026120{seed}-100000",
        "commit": commit,
        "dirty": False,
        "code": "new",
        "machine": MACHINE,
        "versions": VERSIONS,
        "seconds": {"load": 10.0, "vectorise": 20.0, "train": 100.0 + seed, "evaluate": 15.0, "total": 150.0},
        "epochs": 2,
        "validation": {"accuracy": test + 0.01},
        "test": {"accuracy": test},
        **extra,
    }


def test_a_row_shows_the_mean_spread_and_minimum_of_its_seeds_and_the_commit_of_older_files():
    files = [seed_file("imdb", 1, 0.88), seed_file("imdb", 2, 0.89), seed_file("imdb", 3, 0.87)]
    files.append(seed_file("imdb_gru", 1, 0.86, commit="a" * 40, code="old"))
    files.append(seed_file("imdb_bilstm", 1, 0.85, commit="c" * 40))  # a later commit of the same code
    text = render.render(files)
    assert "### Headline rows" in text and "### Other configs and comparisons" in text
    assert (
        "| configs/imdb.yaml (`imdb`) | 3 | 0.8800 ± 0.0100 (0.8700) | 0.8900 ± 0.0100 (0.8800) | 2.0 | 150 "
        "| 10 / 20 / 102 / 15 | bbbbbbb |" in text
    )
    assert "| configs/imdb_gru.yaml (`imdb_gru`) | 1 | 0.8600 | 0.8700 | 2.0 | 150 | 10 / 20 / 101 / 15 " in text
    assert "| aaaaaaa *older* |" in text and "| ccccccc |" in text
    assert "| configs/imdb.yaml (`imdb`) | how imdb was chosen |" in text  # the protocol's table
    assert "Measured 20261201–20261203 on Test CPU, 2 cores, no GPU; TensorFlow 2.21.0" in text


def test_seconds_measured_on_a_busy_machine_are_marked_and_the_reason_given():
    busy = "a test suite ran beside it"
    files = [seed_file("imdb", 1, 0.88, busy=busy), seed_file("imdb", 2, 0.89), seed_file("imdb_gru", 1, 0.86)]
    text = render.render(files)
    assert "| 2.0 | 150 † | 10 / 20 / 102 / 15 |" in text  # imdb: one of its seeds was busy
    assert "| 2.0 | 150 | 10 / 20 / 101 / 15 |" in text  # imdb_gru: idle
    assert f"† Seconds measured while other work shared the machine ({busy})" in text and "(rows `imdb`)" in text
    assert "†" not in render.render([seed_file("imdb", 1, 0.88)])


def test_rows_from_two_machines_are_named_under_each_machine():
    other = {**MACHINE, "cpu": "Other CPU"}
    files = [seed_file("imdb", 1, 0.88), seed_file("imdb", 2, 0.89, machine=other), seed_file("imdb_gru", 1, 0.86)]
    footer = render.render(files)
    assert "Test CPU, 2 cores, no GPU; TensorFlow 2.21.0" in footer
    assert "scikit-learn 1.7.0, Python 3.11.7 (rows `imdb`, `imdb_gru`); on Other CPU" in footer
    assert "(rows `imdb`): compare seconds within one machine only." in footer
    assert "compare seconds" not in render.render([seed_file("imdb", 1, 0.88), seed_file("imdb", 2, 0.89)])


def goal_lines(files: list[dict]) -> list[str]:
    """The goals table's lines of the page `files` render."""
    return [line for line in render.render(files).splitlines() if "≥" in line or "≤" in line or "spread |" in line]


def test_a_goal_is_met_missed_or_not_judged_never_rounded():
    best = [seed_file("imdb_best", seed, test) for seed, test in ((1, 0.916), (2, 0.914), (3, 0.912))]
    linear = [seed_file("linear", seed, 0.9085) for seed in (1, 2, 3)]
    imdb = [seed_file("imdb", seed, 0.881, seconds={"total": 280.0}) for seed in (1, 2, 3)]
    accuracy_line, time_line, margin_line, published_line, ulm_line = goal_lines(best + linear + imdb)[2:]
    assert "| 0.9140 (3 seeds) | **missed** |" in accuracy_line  # 0.914 < 0.915: missed, not "about 0.915"
    assert "| 150 s | met |" in time_line
    assert "| +0.0055 against a spread of 0.0020 | met |" in margin_line
    assert "NBSVM-bi" in published_line and "| +0.0018 against a spread of 0.0020 | **missed** |" in published_line
    assert "| – | not measured yet |" in ulm_line
    (imdb_accuracy, imdb_time) = goal_lines(best + linear + imdb)[:2]
    assert "| 0.8810 (3 seeds) | met |" in imdb_accuracy and "| 280 s | met |" in imdb_time
    two = goal_lines([seed_file("imdb", 1, 0.9, busy="tests"), seed_file("imdb", 2, 0.9)])
    assert "| 0.9000 (2 seeds) | not judged: 2 of 3 seeds |" in two[0]
    assert "| 150 s † | not judged: not an idle machine |" in two[1]


def test_quick_files_never_reach_the_page(tmp_path: Path):
    common_file = '{"benchmark": "accuracy", "quick": true, "date": "20261201-000000"}'
    (tmp_path / "accuracy-imdb-seed1-quick.json").write_text(common_file)
    assert render.load_results(tmp_path) == []


def test_the_throughput_ratios_divide_the_reference_seconds_by_each_variants_in_the_same_round():
    def measured(seconds: float) -> dict:
        return {"epoch_seconds": [seconds * 2, seconds], "examples_per_second": 9600 / seconds}

    rounds = [
        {
            "runs": {
                throughput.REFERENCE: measured(30.0),
                throughput.PADDED: measured(20.0),
                throughput.CONFIGURED: measured(15.0),
            }
        },
        {
            "runs": {
                throughput.REFERENCE: measured(36.0),
                throughput.PADDED: measured(20.0),
                throughput.CONFIGURED: measured(12.0),
            }
        },
        {
            "runs": {
                throughput.REFERENCE: measured(32.0),
                throughput.PADDED: measured(20.0),
                throughput.CONFIGURED: measured(16.0),
            }
        },
    ]
    summary = throughput.summary(rounds)
    assert summary["ratios"]["a"] == {"min": 1.5, "median": 1.6, "max": 1.8}
    assert summary["ratios"]["b"] == {"min": 2.0, "median": 2.0, "max": 3.0}
    result = {
        "benchmark": "throughput",
        "date": "20261202-100000",
        "commit": "c" * 40,
        "machine": {**MACHINE, **VERSIONS},
        "config": "configs/imdb.yaml",
        "epochs_per_run": 2,
        "batches_per_epoch": 150,
        "rounds": rounds,
        "summary": summary,
    }
    text = render.render([result])
    assert "| (a) same padded batches: lstmcls's fused loop + XLA against Keras's layers | 1.60× | 1.50–1.80× |" in text
    assert "| 2.00× | 2.00–3.00× |" in text and "3 alternating rounds" in text
    assert "trains 2 epochs of 150 batches" in text
    whole = render.render([{**result, "batches_per_epoch": None}])  # the default: whole epochs of the split
    assert "trains 2 whole epochs of the training split" in whole


def test_a_row_names_its_pretrain_run_where_the_run_is_read():
    assert accuracy.pretrained_key("configs/imdb_lm.yaml") == "model.pretrained"  # a language model
    assert accuracy.pretrained_key("configs/imdb_w2v.yaml") == "model.embedding.pretrained"  # word vectors
    rows = accuracy.load_rows()
    assert rows["imdb_ulm"]["pretrain"] == "configs/imdb_lm.yaml" and rows["imdb"]["pretrain"] is None
