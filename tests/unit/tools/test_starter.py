"""`lstmcls init` chooses the config from the data: short and long texts, many classes, unequal classes, each
choice commented; every starter config loads."""

import csv
import random
from pathlib import Path

import yaml

from conftest import FILLER, cli
from lstmcls.config import load_config
from lstmcls.tools.starter import Profile, choices


def write_texts(path: Path, words: tuple[int, int], labels: list[str], rows: int, weights: list[float] | None = None):
    rng = random.Random(0)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for _ in range(rows):
            length = rng.randint(*words)
            writer.writerow([" ".join(rng.choice(FILLER) for _ in range(length)), rng.choices(labels, weights)[0]])
    return path


def starter(tmp_path: Path, name: str, *args) -> tuple[str, dict]:
    data = write_texts(tmp_path / f"{name}.csv", *args)
    result = cli("init", str(data), "--out", str(tmp_path / f"{name}.yaml"))
    assert result.exit_code == 0, result.output
    text = (tmp_path / f"{name}.yaml").read_text()
    load_config(tmp_path / f"{name}.yaml")  # every starter config is a valid config
    return text, yaml.safe_load(text)


def comment_above(text: str, key: str) -> str:
    """The comment lines right above the first line that sets `key`."""
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{key}:"))
    above = []
    while index > 0 and lines[index - 1].strip().startswith("#"):
        index -= 1
        above.insert(0, lines[index].strip("# "))
    return " ".join(above)


def test_short_and_long_texts_get_different_commented_architectures(tmp_path: Path):
    short_text, short = starter(tmp_path, "short", (3, 12), ["a", "b", "c"], 300)
    long_text, long = starter(tmp_path, "long", (150, 400), ["a", "b"], 300)
    assert short["vectorizer"]["max_length"] <= 16 and long["vectorizer"]["max_length"] >= 320
    assert "keep" not in short["vectorizer"] and long["vectorizer"]["keep"] == "end"
    assert short["model"]["embedding"]["dropout"] > long["model"]["embedding"]["dropout"]
    assert "short texts" in comment_above(short_text, "dropout") and "short texts" not in long_text
    assert "kept whole" in comment_above(short_text, "max_length") and "95 %" in comment_above(long_text, "max_length")
    assert "GRU" in comment_above(long_text, "cell") and long["model"]["fuse_pooling"] is True
    assert "    # subwords: {}" in short_text.splitlines() and "subwords" not in long_text  # one key away, not set
    assert (
        "character n-grams" in comment_above(short_text, "# subwords") and "subwords" not in short["model"]["embedding"]
    )


def test_unequal_classes_get_a_comment_on_weighing_them_not_weights(tmp_path: Path):
    """Weighing classes trades accuracy for the small classes' recall (it cost TREC-50 4 points): `init` says how,
    and leaves the choice to the user."""
    labels = [f"class{i}" for i in range(30)]
    text, config = starter(tmp_path, "many", (3, 10), labels, 900, [10.0] + [1.0] * 29)
    assert "30 classes" in text.splitlines()[0]
    assert "class_weight" not in config["train"] and config["train"]["monitor"] == "val_accuracy"
    assert "train.class_weight: balanced" in comment_above(text, "monitor")
    _, equal = starter(tmp_path, "equal", (3, 10), labels[:3], 300)
    assert "monitor" not in equal["train"]


def test_words_seen_once_are_left_to_the_out_of_vocabulary_vector():
    texts = ["alpha beta", "alpha gamma", "beta delta", "epsilon zeta"]  # alpha and beta recur
    profile = Profile.of(texts, ["a", "b", "a", "b"])
    assert profile.recurring_words == 2 and profile.imbalance == 1.0 and profile.short
    (tokens,) = [choice for choice in choices(profile) if choice.key == "vectorizer.max_tokens"]
    assert tokens.value == 500 and "2 words occur in two texts or more" in tokens.why
