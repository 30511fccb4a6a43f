"""Config loading: defaults, validation messages with the key path, overrides, YAML and file errors."""

from pathlib import Path

import pytest

from conftest import assert_clean_error, cli
from lstmcls.config import load_config
from lstmcls.config.schema import Config
from lstmcls.config.sources import CsvSource, ImdbSource
from lstmcls.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return path


def error_of(tmp_path: Path, text: str, overrides: tuple[str, ...] = ()) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), overrides)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_defaults_are_imdb_lstm():
    config = load_config()
    assert isinstance(config.data, ImdbSource)
    assert config.model.cell == "lstm" and config.vectorizer.keep == "end"


def test_name_defaults_to_file_stem_and_paths_become_absolute(tmp_path):
    config = load_config(write(tmp_path, "data: {source: csv, train: x.csv}\n"))
    assert config.run.name == "c"
    assert isinstance(config.data, CsvSource) and config.data.train.is_absolute()


def test_unknown_key_suggests_the_near_miss(tmp_path):
    message = error_of(tmp_path, "model:\n  unit: 3\n")
    assert "model.unit" in message and "did you mean 'units'" in message


def test_unknown_key_inside_a_source_block(tmp_path):
    message = error_of(tmp_path, "data: {source: csv, train: a.csv, text_colum: t}\n")
    assert "data.text_colum" in message and "did you mean 'text_column'" in message


def test_unknown_source_and_cell_list_the_known_names(tmp_path):
    assert "did you mean 'csv'" in error_of(tmp_path, "data: {source: cvs}\n")
    message = error_of(tmp_path, "model: {cell: lstn}\n")
    assert "model.cell" in message and "did you mean 'lstm'" in message


def test_wrong_type_names_key_and_value(tmp_path):
    message = error_of(tmp_path, "train: {epochs: many}\n")
    assert "train.epochs" in message and "'many'" in message


def test_out_of_range_names_the_bound(tmp_path):
    message = error_of(tmp_path, "model: {dropout: 1.5}\n")
    assert "model.dropout" in message and "less than 1" in message


def test_missing_required_key(tmp_path):
    assert "data.train: required" in error_of(tmp_path, "data: {source: csv}\n")


def test_invalid_yaml_gives_line_and_column(tmp_path):
    message = error_of(tmp_path, "model:\n  units: [1, 2\n")
    assert "invalid YAML at line" in message and "column" in message


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_overrides_parse_yaml_scalars_and_validate(tmp_path):
    config = load_config(write(tmp_path, ""), ["model.units=128", "model.bidirectional=true", "train.clipnorm=null"])
    assert config.model.units == 128 and config.model.bidirectional is True and config.train.clipnorm is None
    assert "model.unitz" in error_of(tmp_path, "", ("model.unitz=3",))
    assert "expected KEY=VALUE" in error_of(tmp_path, "", ("model.units",))
    assert "is a value" in error_of(tmp_path, "model: {units: 4}\n", ("model.units.x=3",))


def test_resolved_config_round_trips(tmp_path):
    config = load_config(write(tmp_path, "model: {units: 5}\n"))
    again = load_config(write(tmp_path, config.to_yaml()))
    assert again == config and isinstance(again, Config)


def test_subwords_are_off_by_default_and_a_bad_ngram_range_is_one_line(tmp_path):
    assert load_config().model.embedding.subwords is None
    assert load_config(overrides=["model.embedding.subwords={}"]).model.embedding.subwords.ngrams == (3, 6)
    for ngrams in ("[6, 3]", "[0, 2]", "[2, 40]"):
        message = error_of(tmp_path, f"model: {{embedding: {{subwords: {{ngrams: {ngrams}}}}}}}\n")
        assert "model.embedding.subwords.ngrams" in message and "e.g. [3, 6]" in message
    config = write(tmp_path, "data: {source: csv, train: x.csv}\n")
    result = cli("train", str(config), "--set", "model.embedding.subwords.ngrams=[5,2]")
    assert_clean_error(result, "model.embedding.subwords.ngrams", "shortest <= longest")
