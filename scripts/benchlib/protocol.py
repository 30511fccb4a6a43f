"""The protocol section of docs/benchmarks.md: how every figure on the page was produced, and how each accuracy row's
config was chosen (the `chosen` its result files carry, from benchmarks/rows.yaml)."""

from __future__ import annotations

HEADING = "## Protocol"
RULES = [
    "- **Choices on validation, test read once.** Every choice (config, epochs, frozen or fine-tuned vectors, "
    "thresholds, the linear baseline's C, anything tuned) is made on the validation split, carved from IMDB's "
    "25,000 training reviews (10 %, drawn with the seed). The test split (25,000 reviews) is read once per row and "
    "seed, by `lstmcls eval` after the run is complete and its config fixed. Nothing in the repository is chosen "
    "on it.",
    "- **Seeds.** Each row of `benchmarks/rows.yaml` is trained once per seed (`scripts/bench.py accuracy --seeds`, "
    "default 1 2 3); the seed sets the weights, the shuffling and the validation split. A row shows the mean ± "
    "standard deviation (minimum) of its seeds: read differences against that spread.",
    "- **Results are data.** Each row and seed is one JSON file in `benchmarks/results/` "
    "(`accuracy-<row>-seed<seed>.json`): the resolved config and its sha256, the commit (and whether the code "
    "differed from it), versions, machine, wall seconds split into load / vectorise / train / evaluate, each "
    "epoch's history, validation and test scores. This page is rendered from those files alone "
    "(`python scripts/bench.py --table`); a unit test fails when it differs from what they render. Every row shows "
    "its commits; one measured with older code than the newest file's (lstmcls, scripts, configs) is marked "
    "*older*, one measured with uncommitted changes *dirty*.",
    "- **Vectors.** `configs/imdb_best.yaml` fine-tunes its word2vec vectors: chosen on validation (fine-tuned "
    "0.9012, frozen 0.8904 on `configs/imdb.yaml`'s network, seed 42; rows `imdb_w2v_finetuned` and "
    "`imdb_w2v_frozen` measure it again for every seed). Frozen vectors had been chosen on test (commit 3784b39); "
    "that choice is reverted. Vectors are pretrained once per seed, on that seed's training reviews and the 50,000 "
    "unlabelled ones: its validation and the test reviews stay out of them, and the row's time includes it. The "
    "language model that row `imdb_ulm` starts from (`configs/imdb_lm.yaml`) is pretrained the same way.",
    "- **Determinism.** lstmcls seeds Python, NumPy and TensorFlow (`train.seed`) but does not turn on "
    "TensorFlow's op-determinism switch (Keras turns XLA off under it): a config and seed give the same weights "
    "again on one machine, not across machines or thread counts. The spread over seeds is the noise.",
    "- **Speed.** The throughput table times whole training epochs on both sides with the same callback "
    "(lstmcls's `EpochTimer`, training batches only), the reference being the same network, text pipeline and "
    "training in Keras's own layers (`scripts/plain_keras.py`).",
]


def protocol_section(accuracy: list[dict]) -> list[str]:
    """The rules, then each accuracy row and how its config was chosen (from its newest result file)."""
    lines = [HEADING, "", *RULES, ""]
    chosen: dict[str, tuple[str, str]] = {}
    for result in sorted(accuracy, key=lambda result: result["date"]):
        chosen[result["row"]] = (result["title"], result["chosen"])
    if not chosen:
        return [*lines, "No accuracy rows are measured yet (`python scripts/bench.py accuracy`)."]
    lines += ["How each row's config was chosen (`benchmarks/rows.yaml`, copied into its result files):", ""]
    lines += ["| row | how it was chosen |", "|---|---|"]
    lines += [f"| {title} (`{row}`) | {how} |" for row, (title, how) in sorted(chosen.items())]
    return lines
