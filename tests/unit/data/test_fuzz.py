"""Hostile input to the config loader and the CSV reader: the only outcomes are a valid object or a clean error."""

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstmcls.config import load_config, validate
from lstmcls.config.schema import Config
from lstmcls.data.readers import LabelledTexts, read_csv
from lstmcls.errors import ConfigError, DataError

KEYS = st.sampled_from(
    [
        "data",
        "model",
        "train",
        "vectorizer",
        "run",
        "source",
        "csv",
        "imdb",
        "units",
        "cell",
        "epochs",
        "train",
        "max_length",
        "pooling",
        "head",
        "embedding",
        "dim",
        "lstm",
        "x",
        "",
    ]
)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=4))
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def outcome(load) -> object:
    try:
        return load()
    except (ConfigError, DataError) as error:
        assert "\n" not in str(error) and str(error)
        return error


@FUZZ
@given(st.dictionaries(KEYS, VALUES, max_size=5))
def test_config_dicts(raw):
    assert isinstance(outcome(lambda: validate(raw)), Config | ConfigError)


@FUZZ
@given(st.text(max_size=200), st.lists(st.text(max_size=30), max_size=3))
def test_config_text_and_overrides(text, overrides):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.yaml"
        path.write_text(text, encoding="utf-8")
        assert isinstance(outcome(lambda: load_config(path, overrides)), Config | ConfigError)


CSV_PIECES = st.sampled_from(
    [
        b"text",
        b"label",
        b",",
        b";",
        b'"',
        b"\n",
        b"\r\n",
        b"pos",
        b" ",
        b"\xe9",
        b"\x00",
        b"\x1f\x8b",
        b"caf\xc3\xa9",
        b"<br />",
    ]
)


@FUZZ
@given(st.lists(CSV_PIECES | st.binary(max_size=8), max_size=40), st.sampled_from(["error", "skip"]))
def test_csv_reader_on_hostile_bytes(pieces, policy):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "d.csv"
        path.write_bytes(
            b"text,label\n" + b"".join(pieces) if pieces and pieces[0] != b"\x1f\x8b" else b"".join(pieces)
        )
        result = outcome(lambda: read_csv(path, "text", "label", on_bad_rows=policy))
        assert isinstance(result, LabelledTexts | DataError)
        if isinstance(result, LabelledTexts):
            assert result.texts and len(result.texts) == len(result.labels)
            assert all(text.strip() and label.strip() for text, label in zip(result.texts, result.labels))
