"""TF Serving's request and response shapes, the micro-batcher's grouping and the Prometheus text (no server)."""

import asyncio
import json
import threading

import numpy as np
import pytest

from lstmcls.serving.batching import MicroBatcher
from lstmcls.serving.metrics import Metrics
from lstmcls.serving.protocol import (
    COLUMNAR,
    ROW,
    RequestError,
    parse_explain,
    parse_predict,
    predict_response,
)


def body(value) -> bytes:
    return json.dumps(value).encode()


def test_row_and_columnar_requests_give_the_same_texts_in_their_format():
    for request in ({"instances": ["a b", "c"]}, {"instances": [{"texts": "a b"}, {"texts": "c"}]}):
        assert parse_predict(body(request)) == parse_predict(body({"instances": ["a b", "c"]}))
        assert parse_predict(body(request)).format == ROW
    for request in ({"inputs": ["a b", "c"]}, {"inputs": {"texts": ["a b", "c"]}}):
        parsed = parse_predict(body({**request, "signature_name": "serving_default"}))
        assert parsed.texts == ["a b", "c"] and parsed.format == COLUMNAR


def test_responses_take_tf_servings_row_and_columnar_shapes():
    outputs = {"probabilities": np.array([[0.25, 0.75], [0.5, 0.5]], np.float32), "label": np.array(["pos", "neg"])}
    assert predict_response(outputs, ROW) == {
        "predictions": [{"probabilities": [0.25, 0.75], "label": "pos"}, {"probabilities": [0.5, 0.5], "label": "neg"}]
    }
    assert predict_response(outputs, COLUMNAR) == {
        "outputs": {"probabilities": [[0.25, 0.75], [0.5, 0.5]], "label": ["pos", "neg"]}
    }


@pytest.mark.parametrize(
    "raw, fragment",
    [
        (b'{"instances": ["a"', "malformed JSON"),
        (b"\xff\xfe", "malformed JSON"),
        (b'["a"]', "must be a JSON object, not a list"),
        (b"{}", 'neither of "instances"'),
        (body({"instances": ["a"], "inputs": ["a"]}), 'both of "instances"'),
        (body({"instances": "a"}), '"instances" must be a list of texts, not a string'),
        (body({"instances": ["a", 3]}), "instance 2 is a number, not a string"),
        (body({"instances": [None]}), "instance 1 is null, not a string"),
        (body({"instances": [{"text": "a"}]}), "only input is 'texts'"),
        (body({"instances": []}), '"instances" is empty'),
        (body({"inputs": []}), '"inputs" is empty'),
        (body({"inputs": "a"}), '"inputs" must be a list'),
        (body({"instances": ["a", "  "]}), "text 2 is empty"),
        (body({"instances": ["a"], "signature_name": "other"}), "unknown signature_name 'other'"),
    ],
)
def test_bad_predict_bodies_are_refused_with_400_and_say_what_is_wrong(raw: bytes, fragment: str):
    with pytest.raises(RequestError) as refused:
        parse_predict(raw)
    assert refused.value.status == 400 and fragment in str(refused.value)


def test_explain_requests_are_checked():
    parsed = parse_explain(body({"text": "a good film", "steps": 10, "html": True, "target": "pos"}))
    assert (parsed.text, parsed.steps, parsed.html, parsed.target) == ("a good film", 10, True, "pos")
    assert parse_explain(body({"text": "x"})).steps == 50
    for request, fragment in [
        ({}, 'missing "text"'),
        ({"text": 5}, "the text is a number"),
        ({"text": "x", "steps": 0}, '"steps" must be a whole number'),
        ({"text": "x", "steps": True}, '"steps" must be a whole number'),
        ({"text": "x", "html": "yes"}, '"html" must be true or false'),
        ({"text": "x", "gates": True}, "unknown field 'gates'"),
    ]:
        with pytest.raises(RequestError) as refused:
            parse_explain(body(request))
        assert refused.value.status == 400 and fragment in str(refused.value), request


class CountingModel:
    """A model function that records the batches it is called with (its outputs are a function of the text)."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.lock = threading.Lock()

    def __call__(self, texts: list[str]) -> dict[str, np.ndarray]:
        with self.lock:
            self.calls.append(list(texts))
        return {"length": np.array([len(text) for text in texts]), "label": np.array(texts, dtype=object)}


def test_concurrent_requests_share_model_calls_and_get_back_exactly_their_own_rows():
    model = CountingModel()
    requests = [[f"text {i}-{j}" + "x" * i for j in range(1 + i % 3)] for i in range(12)]

    async def scenario():
        batcher = MicroBatcher(model, max_batch=100, max_wait_ms=200)
        batcher.start()
        answers = await asyncio.gather(*(batcher.predict(texts) for texts in requests))
        await batcher.stop()
        return answers

    answers = asyncio.run(scenario())
    for texts, answer in zip(requests, answers):
        assert list(answer["label"]) == texts and list(answer["length"]) == [len(text) for text in texts]
    assert len(model.calls) == 1 and len(model.calls[0]) == sum(map(len, requests))


def test_batches_stop_at_max_batch_never_split_a_request_and_one_turns_batching_off():
    async def scenario(max_batch: int) -> list[list[str]]:
        model = CountingModel()
        batcher = MicroBatcher(model, max_batch=max_batch, max_wait_ms=100)
        batcher.start()
        answers = await asyncio.gather(*(batcher.predict([f"{i}"] * (1 + i % 4)) for i in range(10)))
        await batcher.stop()
        assert [list(a["label"]) for a in answers] == [[f"{i}"] * (1 + i % 4) for i in range(10)]
        return model.calls

    calls = asyncio.run(scenario(max_batch=5))
    assert all(len(call) <= 5 for call in calls) and len(calls) < 10
    assert all(call.count(text) == 1 + int(text) % 4 for call in calls for text in call)  # requests stay whole
    assert len(asyncio.run(scenario(max_batch=1))) == 10  # one call per request, a 4-text request included


def test_a_failing_model_call_fails_its_requests_and_the_batcher_goes_on():
    def model(texts: list[str]) -> dict[str, np.ndarray]:
        if "boom" in texts:
            raise ValueError("boom")
        return {"label": np.array(texts, dtype=object)}

    async def scenario():
        batcher = MicroBatcher(model, max_batch=1, max_wait_ms=0)
        batcher.start()
        failed, fine = await asyncio.gather(
            batcher.predict(["boom"]), batcher.predict(["fine"]), return_exceptions=True
        )
        await batcher.stop()
        return failed, fine

    failed, fine = asyncio.run(scenario())
    assert isinstance(failed, ValueError) and list(fine["label"]) == ["fine"]


def test_metrics_are_prometheus_text_with_cumulative_buckets():
    metrics = Metrics()
    for status, seconds in [(200, 0.003), (200, 0.2), (400, 0.001)]:
        metrics.request_started("predict")
        metrics.observe_request("predict", status, seconds)
    metrics.request_started("explain")
    metrics.observe_batch(3)
    text = metrics.render()
    assert 'lstmcls_requests_total{endpoint="predict",code="200"} 2' in text
    assert 'lstmcls_requests_total{endpoint="predict",code="400"} 1' in text
    assert 'lstmcls_request_errors_total{endpoint="predict"} 1' in text
    assert 'lstmcls_requests_in_flight{endpoint="explain"} 1' in text
    assert 'lstmcls_requests_in_flight{endpoint="predict"} 0' in text
    assert 'lstmcls_request_seconds_bucket{endpoint="predict",le="0.001"} 1' in text
    assert 'lstmcls_request_seconds_bucket{endpoint="predict",le="0.005"} 2' in text
    assert 'lstmcls_request_seconds_bucket{endpoint="predict",le="+Inf"} 3' in text
    assert 'lstmcls_request_seconds_count{endpoint="predict"} 3' in text
    assert 'lstmcls_batch_texts_bucket{le="4"} 1' in text and "lstmcls_batch_texts_count 1" in text
