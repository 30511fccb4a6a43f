"""TensorFlow Serving's REST shapes for an lstmcls export, and lstmcls's own `:explain` request.

The signature has one input (`texts`, a batch of strings) and two outputs, so, as TF Serving does:

- row format: `{"instances": ["text", ...]}` (or `[{"texts": "text"}, ...]`) answers
  `{"predictions": [{"probabilities": [...], "label": "..."}, ...]}`, one object per instance;
- columnar format: `{"inputs": ["text", ...]}` (or `{"inputs": {"texts": [...]}}`) answers
  `{"outputs": {"probabilities": [[...], ...], "label": [...]}}`;
- a multi-label model answers `labels` (each text's label set, a list, most probable first) instead of `label`;
- errors answer `{"error": "..."}` with a 4xx status (TF Serving's own error shape).

A bad request raises `RequestError`, whose message names the problem and the fix.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from lstmcls.errors import DataError
from lstmcls.serving.model import INPUT, SIGNATURE

ROW, COLUMNAR = "row", "columnar"
MAX_STEPS = 1000  # integrated-gradients steps one :explain may ask for


class RequestError(Exception):
    """A request the server refuses: its HTTP status and a message that says what to fix."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class PredictRequest:
    texts: list[str]
    format: str  # ROW or COLUMNAR: the response takes the request's format


@dataclass(frozen=True)
class ExplainRequest:
    text: str
    target: str | None
    steps: int
    html: bool  # also the explanation drawn as `lstmcls explain --html` draws it


def parse_predict(body: bytes) -> PredictRequest:
    """The texts of a `:predict` body, in row or columnar format."""
    request = _json_object(body, '{"instances": ["a text", ...]}')
    _check_signature(request)
    if ("instances" in request) == ("inputs" in request):
        which = "both" if "instances" in request else "neither"
        raise RequestError(400, f'the body has {which} of "instances" (row format) and "inputs" (columnar); send one')
    if "instances" in request:
        instances = request["instances"]
        if not isinstance(instances, list):
            raise RequestError(400, f'"instances" must be a list of texts, not {_kind(instances)}')
        texts = [_text(_unwrap(instance, number), number) for number, instance in enumerate(instances, start=1)]
        return PredictRequest(_checked(texts, "instances"), ROW)
    inputs = _unwrap(request["inputs"], None)
    if not isinstance(inputs, list):
        raise RequestError(400, f'"inputs" must be a list of texts (or {{"{INPUT}": [...]}}), not {_kind(inputs)}')
    texts = [_text(value, number) for number, value in enumerate(inputs, start=1)]
    return PredictRequest(_checked(texts, "inputs"), COLUMNAR)


def predict_response(outputs: dict[str, np.ndarray], format: str) -> dict[str, Any]:
    """The model's outputs for one request as TF Serving shapes them in `format`."""
    probabilities = outputs["probabilities"].tolist()
    key = "labels" if "labels" in outputs else "label"
    labels = [list(label) if key == "labels" else str(label) for label in outputs[key]]
    if format == COLUMNAR:
        return {"outputs": {"probabilities": probabilities, key: labels}}
    return {"predictions": [{"probabilities": p, key: label} for p, label in zip(probabilities, labels)]}


def parse_explain(body: bytes) -> ExplainRequest:
    """`{"text": "...", "target": "pos"?, "steps": 50?, "html": false?}`: one text to explain."""
    request = _json_object(body, '{"text": "a text to explain"}')
    unknown = set(request) - {"text", "target", "steps", "html"}
    if unknown:
        raise RequestError(400, f"unknown field {sorted(unknown)[0]!r}; :explain takes text, target, steps and html")
    if "text" not in request:
        raise RequestError(400, 'missing "text": send {"text": "a text to explain"}')
    text = _text(request["text"], None)
    _checked([text], "text")
    target, steps, html = request.get("target"), request.get("steps", 50), request.get("html", False)
    if target is not None and not isinstance(target, str):
        raise RequestError(400, f'"target" must be a class name, not {_kind(target)}')
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise RequestError(400, f'"steps" must be a whole number from 1 to {MAX_STEPS} (got {steps!r}); 50 is usual')
    if not isinstance(html, bool):
        raise RequestError(400, f'"html" must be true or false, not {_kind(html)}')
    return ExplainRequest(text, target, steps, html)


def _json_object(body: bytes, example: str) -> dict[str, Any]:
    try:
        request = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RequestError(400, f"malformed JSON in the request body ({exc}); send {example}") from None
    if not isinstance(request, dict):
        raise RequestError(400, f"the request body must be a JSON object, not {_kind(request)}; send {example}")
    return request


def _check_signature(request: dict[str, Any]) -> None:
    name = request.get("signature_name", SIGNATURE)
    if name != SIGNATURE:
        raise RequestError(400, f"unknown signature_name {name!r}; this model has {SIGNATURE!r}")


def _unwrap(value: Any, number: int | None) -> Any:
    """A row `{"texts": value}` or a columnar `{"texts": [...]}` is the value itself (a one-input signature)."""
    if not isinstance(value, dict):
        return value
    if set(value) != {INPUT}:
        where = f"instance {number}" if number else '"inputs"'
        raise RequestError(400, f"{where} names inputs {sorted(value)}; this model's only input is {INPUT!r}")
    return value[INPUT]


def _text(value: Any, number: int | None) -> str:
    if not isinstance(value, str):
        where = f"instance {number}" if number else "the text"
        raise RequestError(400, f"{where} is {_kind(value)}, not a string; each instance is one text")
    return value


def _checked(texts: list[str], field: str) -> list[str]:
    from lstmcls.inference.prediction import check_texts  # here: it loads Keras, which a refused start never needs

    if not texts:
        raise RequestError(400, f'"{field}" is empty; send at least one text')
    try:
        check_texts(texts)
    except DataError as exc:
        raise RequestError(400, str(exc)) from None
    return texts


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")
