"""`lstmcls explain` through the CLI: JSON fields, HTML and PNG files, the dataset ranking, bad input."""

import json
from pathlib import Path

from conftest import assert_clean_error, assert_png, cli, write_config, write_csv

EXPLANATION_FIELDS = {"text", "words", "tokens", "truncated", "label", "probabilities", "target"}
EXPLANATION_FIELDS |= {"target_probability", "baseline_probability", "completeness_gap", "steps", "gates"}
TOKEN_FIELDS = {"text", "id", "oov", "word", "attribution", "attention"}
TRACE_FIELDS = {"layer", "direction", "cell", "gates", "cell_state", "hidden", "unit_importance", "max_deviation"}


def test_json_html_and_png(trained: Path, tmp_path: Path):
    html, png = tmp_path / "why.html", tmp_path / "why.png"
    files = ["--html", str(html), "--png", str(png)]
    result = cli(
        "explain", "--run", str(trained), "--json", "--gates", *files, "a great superb film", "zzz awful boring"
    )
    assert result.exit_code == 0, result.output
    explanations = json.loads(result.stdout)
    assert len(explanations) == 2
    for explanation in explanations:
        assert set(explanation) == EXPLANATION_FIELDS and explanation["completeness_gap"] < 0.05
        assert all(set(token) == TOKEN_FIELDS for token in explanation["tokens"])
        (trace,) = explanation["gates"]
        assert set(trace) == TRACE_FIELDS and set(trace["gates"]) == {"input", "forget", "output"}
        assert trace["max_deviation"] < 1e-5
    assert [t["oov"] for t in explanations[1]["tokens"]] == [True, False, False]
    page = html.read_text()
    assert page.startswith("<!DOCTYPE html>") and "superb" in page and "</html>" in page
    assert_png(png)


def test_plain_table_and_dataset_ranking(trained: Path):
    table = cli("explain", "--run", str(trained), "superb film")
    assert table.exit_code == 0 and "superb" in table.stdout and "attribution" in table.stdout
    ranking = cli("explain", "--run", str(trained), "--data", str(trained.parent.parent / "train.csv"), "--top", "3")
    assert ranking.exit_code == 0, ranking.output
    found = json.loads(
        cli("explain", "--run", str(trained), "--data", str(trained.parent.parent / "train.csv"), "--json").stdout
    )
    assert set(found["classes"]) == {"neg", "pos"} and sum(found["texts"].values()) == 80


def test_bad_input(trained: Path, tmp_path: Path):
    assert_clean_error(cli("explain", "--run", str(trained), ""), "text 1 is empty")
    assert_clean_error(cli("explain", "--run", str(trained), "--target", "meh", "good"), "'meh'")
    write_csv(tmp_path / "train.csv", ["neg", "pos"], rows=40)
    config = write_config(tmp_path / "rnn.yaml", model={"cell": "simple_rnn"}, train={"epochs": 1}, data={"test": None})
    run = Path(json.loads(cli("train", str(config), "--json").stdout)["run"])
    assert_clean_error(cli("explain", "--run", str(run), "--gates", "good"), "simple_rnn")
