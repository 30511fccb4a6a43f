"""Explanations on tiny trained runs: completeness, the planted token, attention, exact gate traces, renderers."""

import csv
import json
import logging
import random
import shutil
import struct
from html.parser import HTMLParser
from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

import lstmcls.interpret.gates
import lstmcls.interpret.types
from conftest import FILLER, WORDS, write_config, write_csv
from lstmcls.components import traceable_cells
from lstmcls.config import load_config
from lstmcls.data.splits import load_splits
from lstmcls.errors import ConfigError, DataError, RunError
from lstmcls.interpret import render_html, render_png, render_text
from lstmcls.interpret.attributions import aggregate, explain
from lstmcls.runs.run import Run
from lstmcls.training.runner import train

# The documented JSON fields (lstmcls/interpret/types.py module docstring).
EXPLANATION_FIELDS = ["text", "words", "tokens", "truncated", "label", "probabilities", "target"]
EXPLANATION_FIELDS += ["target_probability", "baseline_probability", "completeness_gap", "steps", "gates"]
TOKEN_FIELDS = ["text", "id", "oov", "word", "attribution", "attention"]
TRACE_FIELDS = ["layer", "direction", "cell", "gates", "cell_state", "hidden", "unit_importance", "max_deviation"]

# The planted task: a pos or neg word among filler fixes the label; texts without one are "none".
TEXTS = [
    "the movie was excellent and it",
    "awful the plot was story",
    "it was the film and the actor superb story",
    "hated the movie it was",
    "great the film",
    "the story and the actor was boring",
]
PLANTED = ["excellent", "awful", "superb", "hated", "great", "boring"]
LABELS = ["pos", "neg", "pos", "neg", "pos", "neg"]

PLANTED_MODELS = {
    f"{cell}-{pooling}": {"cell": cell, "pooling": pooling}
    for cell in ("lstm", "gru", "peephole_lstm")
    for pooling in ("last", "attention")
}
BINARY_MODELS = {  # trained on conftest's binary neg/pos data
    "bidirectional-lstm": {"cell": "lstm", "bidirectional": True, "merge_mode": "mul", "pooling": "mean"},
    "two-layer-gru": {"cell": "gru", "layers": 2, "bidirectional": True, "pooling": "max"},
    "simple_rnn": {"cell": "simple_rnn"},
    "lstm-dropout": {"cell": "lstm", "dropout": 0.5},  # pooling last, keep end, sigmoid: the IMDB runs' shape
}


def write_planted(path: Path, rows: int, seed: int) -> Path:
    """Classes neg / none / pos in turn: filler words, plus one planted sentiment word unless "none".

    A class without a planted word gives integrated gradients a neutral reference: with only pos and neg,
    the padding baseline itself leans to one class and the planted word's share of F(x) - F(x') shrinks.
    """
    rng = random.Random(seed)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for i in range(rows):
            label = ["neg", "none", "pos"][i % 3]
            words = [rng.choice(FILLER) for _ in range(rng.randint(3, 10))]
            if label != "none":
                words.insert(rng.randint(0, len(words)), rng.choice(WORDS[label]))
            writer.writerow([" ".join(words), label])
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Trains each model on first use; the module shares the runs."""
    planted, binary = tmp_path_factory.mktemp("planted"), tmp_path_factory.mktemp("binary")
    write_planted(planted / "train.csv", 240, seed=0)
    write_planted(planted / "test.csv", 30, seed=1)
    write_csv(binary / "train.csv", ["neg", "pos"], rows=160, seed=0)
    write_csv(binary / "test.csv", ["neg", "pos"], rows=20, seed=1)
    trained = {}

    def get(name: str):
        if name not in trained:
            root = planted if name in PLANTED_MODELS else binary
            config = write_config(
                root / f"{name}.yaml",
                model={"attention_units": 8, **PLANTED_MODELS.get(name, BINARY_MODELS.get(name))},
                train={"epochs": 6, "batch_size": 16, "learning_rate": 0.03, "patience": None},
                run={"plots": False},
            )
            trained[name] = train(load_config(config), verbose=0).run
        return trained[name]

    return get


@pytest.fixture(scope="module")
def explained(runs):
    """The planted texts explained once per model, gates traced where the cell has them."""
    cache = {}

    def get(name: str):
        if name not in cache:
            cache[name] = explain(runs(name), TEXTS, gates=name != "simple_rnn")
        return cache[name]

    return get


# === Integrated gradients ===


@pytest.mark.parametrize("name", PLANTED_MODELS)
def test_the_planted_token_gets_the_largest_attribution(explained, name):
    for explanation, planted, label in zip(explained(name), PLANTED, LABELS):
        assert explanation.label == label, explanation.text
        top = max(explanation.tokens, key=lambda token: token.attribution)
        assert top.text == planted, f"{name}: {[(t.text, round(t.attribution, 3)) for t in explanation.tokens]}"


@pytest.mark.parametrize("name", PLANTED_MODELS)
def test_attributions_are_complete_at_the_default_steps(explained, name):
    for explanation in explained(name):
        assert explanation.steps == 50
        assert explanation.completeness_gap < 0.05
        total = sum(token.attribution for token in explanation.tokens)
        difference = explanation.target_probability - explanation.baseline_probability
        assert abs(total - difference) <= 0.05 * max(abs(difference), 1e-3)
        assert explanation.target_probability == pytest.approx(explanation.probabilities[explanation.target])


def latched(run: Run, path: Path, feedback: float) -> Run:
    """A copy of an LSTM run (8 units, 8-dim embeddings) set by hand to a latch: unit 0 keeps h_t ≈
    tanh(tanh(feedback·h_{t-1} + u)), bistable for feedback > 1, and the output reads its sign. Tokens drive
    u = +0.641, the padding embedding (baseline) u = -0.271: F flips from ≈0.05 to ≈0.95 at alpha ≈ 0.297. Near
    the flip h grows like feedback^t: smooth over 3 tokens; over 16, 1e-5 wide with feedback 2 (far below a 1/50
    grid, resolvable in float32) and between neighbouring float32 alphas with feedback 4 or 8."""
    copy = Run(Path(shutil.copytree(run.path, path)))
    model = copy.load_model()
    classifier = model.get_layer("classifier")
    lstm = next(layer for layer in classifier.layers if isinstance(layer, keras.layers.LSTM))
    table = np.zeros(classifier.get_layer("embedding").embeddings.shape, np.float32)
    table[0, :2], table[1:, :2] = (-0.2, -0.1), (0.5, 0.2)  # u = x_0 + 0.7071 x_1: never exactly 0 in float32
    kernel, recurrent, bias = np.zeros((8, 32)), np.zeros((8, 32)), np.full(32, -10.0)  # gates [i, f, c, o]
    kernel[:2, 16], recurrent[0, 16] = (1.0, 0.7071), feedback  # unit 0's candidate: drive, own last output
    bias[[0, 24]], bias[16:24] = 10.0, 0.0  # unit 0 takes the candidate, forgets, shows; other units stay 0
    classifier.get_layer("embedding").set_weights([table])
    lstm.set_weights([kernel, recurrent, bias])
    classifier.get_layer("probabilities").set_weights([np.eye(8, 1) * 4, np.zeros(1)])
    model.save(copy.file("model.keras"))
    return copy


@pytest.mark.parametrize("feedback", [2.0, 4.0])
def test_completeness_holds_where_f_jumps_between_path_points(runs, tmp_path, feedback):
    """A recurrent state that flips far between grid points on the longer texts of one call (IMDB runs: gaps
    over 100% whatever the steps): intervals are halved until the trapezoid matches F's change (feedback 2),
    or, down to neighbouring float32 alphas, scaled to it along the steep gradient at their ends (feedback 4)."""
    texts = [" ".join(FILLER[i % len(FILLER)] for i in range(n)) for n in (3, 16, 8, 25, 12)]  # 25: window cut
    explanations = explain(latched(runs("lstm-dropout"), tmp_path / "latch", feedback), texts)
    assert [len(e.tokens) for e in explanations] == [3, 16, 8, 16, 12] and explanations[3].truncated == 9
    for explanation in explanations:
        assert explanation.target == "pos" and explanation.steps == 50
        assert explanation.baseline_probability < 0.06 and explanation.target_probability > 0.94
        assert explanation.completeness_gap < 0.05
        total = sum(token.attribution for token in explanation.tokens)
        difference = explanation.target_probability - explanation.baseline_probability
        assert abs(total - difference) <= 0.05 * max(abs(difference), 1e-3)


def test_a_jump_float32_cannot_resolve_is_logged(runs, tmp_path, caplog):
    """Feedback 8: the gradient at neighbouring float32 alphas is flat on both sides of the flip."""
    run = latched(runs("lstm-dropout"), tmp_path / "latch", feedback=8.0)
    with caplog.at_level(logging.WARNING, logger="lstmcls"):
        short, long = explain(run, [" ".join(FILLER[:3]), " ".join(FILLER * 2)])
    assert short.completeness_gap < 0.05 < long.completeness_gap
    (record,) = [r for r in caplog.records if "completeness" in r.getMessage()]
    assert "for 1 text(s) (2;" in record.getMessage()
    assert "in 1 F jumps on the path within float32 precision" in record.getMessage()


def test_a_wide_completeness_gap_is_logged(runs, caplog):
    with caplog.at_level(logging.WARNING, logger="lstmcls"):
        explanations = explain(runs("gru-last"), TEXTS, steps=1)
    wide = [e for e in explanations if e.completeness_gap > 0.05]
    assert wide, "a single trapezoid step should miss completeness"
    (record,) = [r for r in caplog.records if "completeness" in r.getMessage()]
    assert f"for {len(wide)} text(s)" in record.getMessage() and "raise steps (now 1)" in record.getMessage()


def test_explaining_the_other_of_two_classes_flips_the_attributions(runs, explained):
    """p(neg) = 1 - p(pos) for a sigmoid output, so every attribution changes sign."""
    (own,) = explained("bidirectional-lstm")[:1]
    (other,) = explain(runs("bidirectional-lstm"), TEXTS[:1], target="neg")
    assert (own.target, other.target, other.label) == ("pos", "neg", "pos")
    np.testing.assert_allclose(
        [t.attribution for t in other.tokens], [-t.attribution for t in own.tokens], rtol=1e-3, atol=1e-5
    )


def test_aggregate_ranks_the_planted_words_first_per_class(runs):
    splits = load_splits(runs("gru-last").config())
    gold = [splits.label_names[i] for i in splits.test.labels]
    result = aggregate(runs("gru-last"), splits.test.texts, target_labels=gold, top=3, min_count=1)
    assert list(result.classes) == ["neg", "none", "pos"]
    assert result.texts == {name: gold.count(name) for name in splits.label_names}
    assert result.classes["pos"][0].token in WORDS["pos"]
    assert result.classes["neg"][0].token in WORDS["neg"]
    assert all(stat.count >= 1 and len(stats) <= 3 for stats in result.classes.values() for stat in stats)
    json.dumps(result.to_dict())
    table = render_text.aggregate_to_terminal(result)
    assert f"pos ({gold.count('pos')} texts)" in table and result.classes["pos"][0].token in table
    with pytest.raises(DataError, match="got 1 target labels for 2 texts"):
        aggregate(runs("gru-last"), TEXTS[:2], target_labels=["pos"])


# === Tokens ===


def test_tokens_are_what_the_model_saw_aligned_to_the_typed_words(explained, runs):
    (explanation,) = explain(runs("lstm-attention"), ["The film, well-made!<br />GREAT zzyzx"])
    assert [t.text for t in explanation.tokens] == ["the", "film", "well", "made", "great", "zzyzx"]
    assert explanation.words == ["The", "film,", "well-made!<br", "/>GREAT", "zzyzx"]
    assert [t.word for t in explanation.tokens] == [0, 1, 2, 2, 3, 4]
    assert [t.oov for t in explanation.tokens] == [False, False, True, True, False, True]
    assert explanation.tokens[-1].id == 1


def test_a_text_longer_than_the_window_keeps_its_end(runs):
    words = [f"w{i}" for i in range(20)] + ["great"]  # max_length 16, keep: end
    (explanation,) = explain(runs("lstm-last"), [" ".join(words)])
    assert len(explanation.tokens) == 16 and explanation.truncated == 5
    assert [t.word for t in explanation.tokens] == list(range(5, 21))


@pytest.mark.parametrize("name", [name for name in PLANTED_MODELS if name.endswith("-attention")])
def test_attention_weights_sum_to_one_over_the_tokens(explained, name):
    for explanation in explained(name):
        weights = np.array([token.attention for token in explanation.tokens])
        assert (weights >= 0).all()
        assert weights.sum() == pytest.approx(1.0, abs=1e-5)


def test_no_attention_without_attention_pooling(explained):
    assert all(token.attention is None for e in explained("gru-last") for token in e.tokens)


# === Gate traces ===


@pytest.mark.parametrize(
    ("name", "layers", "directions", "gates"),
    [
        ("lstm-last", 1, ["forward"], ["input", "forget", "output"]),
        ("gru-last", 1, ["forward"], ["update", "reset"]),
        ("peephole_lstm-last", 1, ["forward"], ["input", "forget", "output"]),
        ("bidirectional-lstm", 1, ["forward", "backward"], ["input", "forget", "output"]),
        ("two-layer-gru", 2, ["forward", "backward"], ["update", "reset"]),
    ],
)
def test_recomputed_gates_reproduce_the_layer_hidden_states(explained, name, layers, directions, gates):
    for explanation in explained(name):
        traces = explanation.gates
        assert [(t.layer, t.direction) for t in traces] == [(i, d) for i in range(layers) for d in directions]
        for trace in traces:
            assert trace.max_deviation <= 1e-5
            assert list(trace.gates) == gates
            assert trace.hidden.shape == (len(explanation.tokens), 8)
            assert all(((g >= 0) & (g <= 1)).all() for g in trace.gates.values())
            assert (trace.cell_state is None) == (trace.cell == "gru")
            assert trace.unit_importance.shape == (8,) and (trace.unit_importance >= 0).all()


def test_trace_matches_the_saved_model_own_sequence_output(runs, explained):
    """Independent of explain's own check: the LSTM layer's outputs read from the saved model."""
    classifier = runs("lstm-attention").load_model().get_layer("classifier")
    lstm = next(layer for layer in classifier.layers if isinstance(layer, keras.layers.LSTM))
    recurrent = keras.Model(classifier.input, lstm.output)
    explanation = explained("lstm-attention")[2]
    ids = np.zeros((1, 16), np.int64)  # max_length, zero padding on the right as the window gives it
    ids[0, : len(explanation.tokens)] = [token.id for token in explanation.tokens]
    outputs = recurrent(ids).numpy()[0, : len(explanation.tokens)]
    np.testing.assert_allclose(explanation.gates[0].hidden, outputs, atol=1e-5)


def test_a_trace_that_drifts_from_the_layer_is_refused(runs, monkeypatch):
    equations = lstmcls.interpret.gates.EQUATIONS["lstm"]

    def drifting(cell, x):
        gates, cells, hidden = equations(cell, x)
        return gates, cells, hidden + 1e-3

    monkeypatch.setitem(lstmcls.interpret.gates.EQUATIONS, "lstm", drifting)
    with pytest.raises(RunError, match="differs from the layer by"):
        explain(runs("lstm-last"), TEXTS[:1], gates=True)


# === Output formats ===


def test_to_dict_has_the_documented_json_fields(explained):
    (explanation,) = explained("bidirectional-lstm")[:1]
    data = json.loads(json.dumps(explanation.to_dict()))
    assert list(data) == EXPLANATION_FIELDS
    assert all(list(token) == TOKEN_FIELDS for token in data["tokens"])
    assert all(list(trace) == TRACE_FIELDS for trace in data["gates"])
    for field in EXPLANATION_FIELDS + TOKEN_FIELDS + TRACE_FIELDS:
        assert field in lstmcls.interpret.types.__doc__
    trace = data["gates"][1]
    assert trace["direction"] == "backward"
    assert np.array(trace["hidden"]).shape == (len(data["tokens"]), 8)
    assert np.array(trace["gates"]["forget"]).shape == (len(data["tokens"]), 8)
    assert isinstance(data["tokens"][0]["id"], int) and isinstance(data["completeness_gap"], float)


class _Page(HTMLParser):
    """Collects text and checks that every opened element is closed in order."""

    VOID = {"meta", "br"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.text: list[str] = []
        self.doctype = ""

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag, attrs) -> None:
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag) -> None:
        assert self.open.pop() == tag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_one_valid_page_with_the_tokens(explained):
    explanations = explained("gru-attention")
    page = _Page()
    page.feed(render_html.to_html(explanations))
    page.close()
    assert page.doctype.lower() == "doctype html" and not page.open
    text = " ".join(page.text)
    assert all(token.text in text for e in explanations for token in e.tokens)
    assert "attention weight" in text and "predicted pos" in text


def test_png_is_an_image_of_sensible_size(explained, tmp_path):
    path = render_png.to_png(explained("two-layer-gru")[2], tmp_path / "gates.png")
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == (width, height)
    assert 800 <= width <= 4000 and 500 <= height <= 4000


def test_terminal_output_plain_and_coloured(explained):
    explanations = explained("lstm-attention")[:2]
    plain = render_text.to_terminal(explanations, color=False)
    assert "\x1b[" not in plain and "attribution" in plain and "attention" in plain
    assert all(token.text in plain for e in explanations for token in e.tokens)
    coloured = render_text.to_terminal(explanations, color=True)
    assert "\x1b[30;48;2;" in coloured and "excellent" in coloured


# === Errors a user can fix ===


def test_gates_need_a_gated_cell(runs):
    with pytest.raises(RunError, match="gate traces support gru, lstm, peephole_lstm") as error:
        explain(runs("simple_rnn"), TEXTS[:1], gates=True)
    assert "\n" not in str(error.value) and "simple_rnn" in str(error.value)
    assert sorted(lstmcls.interpret.gates.EQUATIONS) == traceable_cells()  # every traceable cell has its equations


@pytest.mark.parametrize(
    ("texts", "target", "steps", "error", "message"),
    [
        (["great film"], "positive", 50, DataError, "unknown target label 'positive'; .* has labels neg, none, pos"),
        (["great film", "   "], None, 50, DataError, "text 2 is empty"),
        (["!!! ..."], None, 50, DataError, "text 1 has no tokens"),
        ([], None, 50, DataError, "no texts to explain"),
        (["great film"], None, 0, ConfigError, "steps must be at least 1"),
    ],
)
def test_bad_requests_say_what_to_fix_in_one_line(runs, texts, target, steps, error, message):
    with pytest.raises(error, match=message) as raised:
        explain(runs("lstm-last"), texts, target=target, steps=steps)
    assert "\n" not in str(raised.value)
