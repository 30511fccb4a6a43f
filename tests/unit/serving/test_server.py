"""`lstmcls serve`'s application on a real uvicorn server on a free localhost port, called with a real HTTP client.

One server over the session's trained run serves the whole module (uvicorn in a thread of this process);
predictions are checked against the library's `predict` on the same run. The page at `/` is driven in a real
headless browser (Debian's Chromium and its driver, which `.ci/run` installs); those tests skip with the reason
when neither is installed here.
"""

import re
import shutil
import threading
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from conftest import FILLER, WORDS
from lstmcls.errors import RunError
from lstmcls.inference.prediction import predict
from lstmcls.runs import EXPORT, open_run
from lstmcls.serving.app import ServeOptions
from lstmcls.serving.model import load_served
from lstmcls.serving.server import Server

TEXTS = [
    " ".join([FILLER[i % len(FILLER)], WORDS[label][i % 6], FILLER[(i * 5) % len(FILLER)], "the plot"][: 2 + i % 3])
    for i, label in enumerate(["pos", "neg", "meh"] * 8)
]
LIMIT = 4000  # bytes of request body


def serve_in_thread(model, **options) -> tuple[Server, threading.Thread]:
    server = Server(model, ServeOptions(port=0, **options))
    return server, server.start_in_thread()


@pytest.fixture(scope="module")
def served(trained: Path):
    """The trained run behind HTTP (as `lstmcls serve --run RUN --name tiny`), and what `predict` says."""
    model = load_served(trained, None)
    server, thread = serve_in_thread(model, name="tiny", max_wait_ms=100, max_body_bytes=LIMIT)
    expected = {p.text: p for p in predict(open_run(trained), TEXTS)}
    with httpx.Client(base_url=server.url, timeout=120) as client:
        yield SimpleNamespace(client=client, url=server.url, expected=expected, run=trained, model=model)
    server.stop()
    thread.join(60)


def assert_predicted(texts: list[str], labels: list[str], probabilities: list[list[float]], expected: dict) -> None:
    for text, label, row in zip(texts, labels, probabilities, strict=True):
        want = expected[text]
        assert label == want.label, text
        assert row == pytest.approx(list(want.probabilities.values()), abs=1e-5), text


def test_predictions_equal_lstmcls_predict_in_row_and_columnar_formats(served):
    for path in ("/v1/models/tiny:predict", "/v1/models/tiny/versions/1:predict"):
        answer = served.client.post(path, json={"instances": TEXTS})
        assert answer.status_code == 200, answer.text
        rows = answer.json()["predictions"]
        assert all(set(row) == {"probabilities", "label"} for row in rows)
        assert_predicted(TEXTS, [r["label"] for r in rows], [r["probabilities"] for r in rows], served.expected)
    named = served.client.post("/v1/models/tiny:predict", json={"instances": [{"texts": t} for t in TEXTS[:3]]})
    assert (
        named.json()["predictions"]
        == served.client.post("/v1/models/tiny:predict", json={"instances": TEXTS[:3]}).json()["predictions"]
    )
    columnar = served.client.post("/v1/models/tiny:predict", json={"inputs": {"texts": TEXTS}})
    assert columnar.status_code == 200 and set(columnar.json()) == {"outputs"}
    outputs = columnar.json()["outputs"]
    assert_predicted(TEXTS, outputs["label"], outputs["probabilities"], served.expected)


def test_status_and_metadata_answer_as_tf_serving_does(served):
    status = served.client.get("/v1/models/tiny").json()
    assert status == {
        "model_version_status": [
            {"version": "1", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}
        ]
    }
    assert served.client.get("/v1/models/tiny/versions/1").json() == status
    metadata = served.client.get("/v1/models/tiny/metadata").json()
    assert metadata["model_spec"] == {"name": "tiny", "signature_name": "", "version": "1"}
    signature = metadata["metadata"]["signature_def"]["signature_def"]["serving_default"]
    assert signature["method_name"] == "tensorflow/serving/predict"
    texts = signature["inputs"]["texts"]
    assert texts["dtype"] == "DT_STRING" and texts["tensor_shape"]["dim"] == [{"size": "-1", "name": ""}]
    dims = [d["size"] for d in signature["outputs"]["probabilities"]["tensor_shape"]["dim"]]
    assert dims == ["-1", "2"] and signature["outputs"]["label"]["dtype"] == "DT_STRING"
    assert served.client.get("/healthz").json() == {"status": "ok"}
    page = served.client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Try the model tiny" in page.text and 'const MODEL = "tiny", LABELS = ["neg", "pos"];' in page.text


def test_explain_gives_token_attributions_and_the_explain_page(served):
    text = TEXTS[0]
    answer = served.client.post("/v1/models/tiny:explain", json={"text": text, "steps": 16, "html": True})
    assert answer.status_code == 200, answer.text
    explanation = answer.json()
    assert explanation["label"] == served.expected[text].label
    assert [token["text"] for token in explanation["tokens"]] == text.split()
    assert all(isinstance(token["attribution"], float) for token in explanation["tokens"])
    assert explanation["html"].startswith("<!DOCTYPE html>") and "background:rgb" in explanation["html"]
    refused = served.client.post("/v1/models/tiny:explain", json={"text": text, "target": "meh"})
    assert refused.status_code == 400 and "unknown target label 'meh'" in refused.json()["error"]


def batches(served) -> int:
    return int(re.search(r"^lstmcls_batch_texts_count (\d+)$", served.client.get("/metrics").text, re.M).group(1))


def test_concurrent_clients_get_correct_unmixed_answers_from_shared_model_calls(served):
    before, failures = batches(served), []

    def client(number: int) -> None:
        with httpx.Client(base_url=served.url, timeout=120) as own:
            for round_ in range(3):
                texts = [TEXTS[(number * 7 + round_ * 3 + k) % len(TEXTS)] for k in range(1 + (number + round_) % 3)]
                rows = own.post("/v1/models/tiny:predict", json={"instances": texts}).json()["predictions"]
                try:
                    assert_predicted(
                        texts, [r["label"] for r in rows], [r["probabilities"] for r in rows], served.expected
                    )
                except AssertionError as exc:
                    failures.append(exc)

    threads = [threading.Thread(target=client, args=(number,)) for number in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[0]
    assert batches(served) - before < 16 * 3  # some model calls answered several requests


BAD = [
    ("post", "/v1/models/tiny:predict", b'{"instances": [', 400, "malformed JSON"),
    ("post", "/v1/models/tiny:predict", b'{"texts": ["a"]}', 400, 'neither of "instances"'),
    ("post", "/v1/models/tiny:predict", b'{"instances": ["a", 7]}', 400, "instance 2 is a number, not a string"),
    ("post", "/v1/models/tiny:predict", b'{"instances": []}', 400, '"instances" is empty'),
    ("post", "/v1/models/tiny:predict", b'{"instances": ["' + b"a " * LIMIT + b'"]}', 413, f"over {LIMIT} bytes"),
    (
        "post",
        "/v1/models/other:predict",
        b'{"instances": ["a"]}',
        404,
        "model 'other' not found; this server serves 'tiny'",
    ),
    ("post", "/v1/models/tiny/versions/2:predict", b'{"instances": ["a"]}', 404, "version '2'"),
    ("post", "/v1/models/tiny:classify", b'{"instances": ["a"]}', 404, "no such method 'classify'"),
    ("get", "/v1/models/other/metadata", None, 404, "model 'other' not found"),
    ("get", "/nowhere", None, 404, "Not Found"),
    ("post", "/v1/models/tiny:explain", b'{"text": "a", "steps": -1}', 400, '"steps" must be a whole number'),
]


@pytest.mark.parametrize("method, path, content, status, fragment", BAD)
def test_bad_requests_get_a_4xx_json_error_naming_the_problem_and_the_server_goes_on(
    served, method, path, content, status, fragment
):
    answer = served.client.request(method.upper(), path, content=content)
    assert answer.status_code == status and fragment in answer.json()["error"], answer.text
    assert served.client.post("/v1/models/tiny:predict", json={"instances": TEXTS[:1]}).status_code == 200


def test_a_streamed_body_over_the_limit_is_refused_while_it_arrives(served):
    chunks = (b'{"instances": ["' if i == 0 else b"word " * 100 for i in range(20))  # no Content-Length: chunked
    answer = served.client.post("/v1/models/tiny:predict", content=chunks)
    assert answer.status_code == 413 and "over 4000 bytes" in answer.json()["error"]


def test_metrics_count_requests_errors_and_latency(served):
    def value(name: str) -> float:
        found = re.search(rf"^{re.escape(name)} (\S+)$", served.client.get("/metrics").text, re.M)
        return float(found.group(1)) if found else 0.0

    ok, errors = (
        'lstmcls_requests_total{endpoint="predict",code="200"}',
        'lstmcls_request_errors_total{endpoint="predict"}',
    )
    latency = 'lstmcls_request_seconds_count{endpoint="predict"}'
    before = value(ok), value(errors), value(latency)
    served.client.post("/v1/models/tiny:predict", json={"instances": TEXTS[:2]})
    served.client.post("/v1/models/tiny:predict", json={"instances": [1]})
    assert (value(ok), value(errors), value(latency)) == (before[0] + 1, before[1] + 1, before[2] + 2)
    assert served.client.get("/metrics").headers["content-type"].startswith("text/plain; version=0.0.4")


def test_an_export_outside_a_run_predicts_the_same_but_cannot_explain(served, tmp_path: Path):
    shutil.copytree(served.run / EXPORT, tmp_path / "export")
    model = load_served(None, tmp_path / "export")
    assert model.labels is None and model.run is None
    server, thread = serve_in_thread(model)
    try:
        with httpx.Client(base_url=server.url, timeout=120) as client:
            rows = client.post("/v1/models/model:predict", json={"instances": TEXTS}).json()["predictions"]
            assert_predicted(TEXTS, [r["label"] for r in rows], [r["probabilities"] for r in rows], served.expected)
            refused = client.post("/v1/models/model:explain", json={"text": TEXTS[0]})
            assert refused.status_code == 501 and "serve with --run RUN" in refused.json()["error"]
    finally:
        server.stop()
        thread.join(60)


def test_a_directory_that_is_not_an_lstmcls_export_is_refused(served, tmp_path: Path):
    import tensorflow as tf

    with pytest.raises(RunError, match="not an lstmcls export \\(no saved_model.pb"):
        load_served(None, tmp_path)
    with pytest.raises(RunError, match="not both"):
        load_served(served.run, tmp_path)
    module = tf.Module()
    module.double = tf.function(lambda x: {"y": 2 * x}, input_signature=[tf.TensorSpec([None], tf.float32)])
    tf.saved_model.save(module, str(tmp_path / "other"), signatures=module.double)
    with pytest.raises(RunError, match="a SavedModel but not an lstmcls export: its serving_default must take 'texts'"):
        load_served(None, tmp_path / "other")


# === The page, in a headless browser ===

BROWSER = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
DRIVER = shutil.which("chromedriver")
needs_browser = pytest.mark.skipif(
    BROWSER is None or DRIVER is None,
    reason="no headless browser: install Chromium and its driver (apt-get install chromium chromium-driver)",
)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


@needs_browser
def test_a_person_types_a_text_and_sees_the_label_probabilities_and_coloured_words(served, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    text = f"the {WORDS['pos'][0]} {FILLER[1]} was {WORDS['pos'][1]}"
    (expected,) = predict(open_run(served.run), [text])
    browser.get(served.url + "/")
    assert "tiny" in browser.title
    browser.find_element(By.ID, "text").send_keys(text)
    browser.find_element(By.ID, "submit").click()
    WebDriverWait(browser, 120).until(
        lambda b: b.find_element(By.TAG_NAME, "body").get_attribute("data-state") == "done"
    )
    assert browser.find_element(By.ID, "error").text == "" and browser.find_element(By.ID, "note").text == ""
    assert browser.find_element(By.ID, "label").text == expected.label
    rows = [row.text.split() for row in browser.find_elements(By.CSS_SELECTOR, "#probabilities tr")]
    assert rows == [[name, f"{p:.4f}"] for name, p in expected.probabilities.items()]
    frame = browser.find_element(By.ID, "explanation")
    assert frame.is_displayed() and frame.size["height"] > 100
    browser.switch_to.frame(frame)
    try:
        words = browser.find_elements(By.CSS_SELECTOR, ".text span")
        assert [word.text for word in words] == text.split()
        colours = {word.value_of_css_property("background-color") for word in words}
        assert len(colours) > 1 and any(c not in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)") for c in colours)
    finally:
        browser.switch_to.default_content()


@needs_browser
def test_a_refused_text_shows_the_servers_error_on_the_page(served, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(served.url + "/")
    browser.find_element(By.ID, "text").send_keys("   ")
    browser.find_element(By.ID, "submit").click()
    WebDriverWait(browser, 60).until(
        lambda b: b.find_element(By.TAG_NAME, "body").get_attribute("data-state") == "done"
    )
    assert "text 1 is empty" in browser.find_element(By.ID, "error").text
    assert browser.find_element(By.ID, "label").text == ""
