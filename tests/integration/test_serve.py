"""`lstmcls serve` as a real process: SIGTERM or Ctrl-C during a burst answers every request in flight and exits
0; a port in use or a directory that is no export is one line and exit code 2 at start."""

import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from conftest import start
from lstmcls.inference.prediction import predict
from lstmcls.runs import open_run

TEXTS = ["the movie was great", "awful plot and it was boring", "the actor was fine", "loved it", "worst film"]


def started(*args: str) -> tuple[subprocess.Popen, str]:
    """`lstmcls serve ARGS --port 0` and the URL it says it serves at."""
    process = start("serve", *args, "--port", "0")
    line = process.stderr.readline()
    found = re.search(r"at (http://\S+)/ ", line)
    if found is None:
        process.kill()
        pytest.fail(f"lstmcls serve did not start: {line}{process.stderr.read()}")
    return process, found.group(1)


def burst(url: str, answers: list, failures: list, requests: int) -> list[threading.Thread]:
    """`requests` clients, each posting one text on its own connection, started at once."""

    def client(number: int) -> None:
        text = TEXTS[number % len(TEXTS)]
        try:
            response = httpx.post(f"{url}/v1/models/model:predict", json={"instances": [text]}, timeout=60)
        except httpx.TransportError as exc:  # refused or cut before the server took it: never answered
            failures.append(exc)
            return
        answers.append((text, response.status_code, response.json()))

    threads = [threading.Thread(target=client, args=(number,)) for number in range(requests)]
    for thread in threads:
        thread.start()
    return threads


def wait_until_in_flight(url: str, requests: int, seconds: float = 30) -> None:
    """Until the server holds `requests` predict requests unanswered (its /metrics gauge): on busy cores, clients
    started together may take a while to connect, and one that connects after the stop is refused, not lost."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = re.search(
            r'^lstmcls_requests_in_flight\{endpoint="predict"\} (\d+)$', httpx.get(f"{url}/metrics").text, re.M
        )
        if found and int(found.group(1)) >= requests:
            return
        time.sleep(0.05)
    pytest.fail(f"{requests} requests were not in flight together within {seconds:.0f} s")


@pytest.fixture(scope="module")
def expected(trained: Path) -> dict:
    return {p.text: p for p in predict(open_run(trained), TEXTS)}


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_stop_during_a_burst_answers_every_request_in_flight_then_exits_0(
    trained: Path, expected: dict, stop: signal.Signals
):
    # Requests wait up to 5 s for others to share a model call: the stop lands once all 8 are in flight.
    process, url = started("--run", str(trained), "--max-wait-ms", "5000")
    try:
        in_flight, late, lost = [], [], []
        threads = burst(url, in_flight, lost, 8)
        wait_until_in_flight(url, 8)
        process.send_signal(stop)
        threads += burst(url, late, [], 8)  # during shutdown: answered in full or refused, never half
        for thread in threads:
            thread.join(60)
        assert process.wait(timeout=60) == 0, process.stderr.read()
    finally:
        process.kill()
    assert not lost and len(in_flight) == 8
    for text, status, body in in_flight + late:
        assert status == 200, body
        (row,) = body["predictions"]
        assert row["label"] == expected[text].label
        assert row["probabilities"] == pytest.approx(list(expected[text].probabilities.values()), abs=1e-5)
    assert "Traceback" not in process.stderr.read()


def test_a_port_in_use_is_one_line_and_exit_2(trained: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        process = start("serve", "--run", str(trained), "--port", port)
        _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2, stderr
    (line,) = stderr.strip().splitlines()
    assert line == f"error: cannot listen on 127.0.0.1:{port}: Address already in use; pick another --port " + (
        "(or stop what uses it)"
    )


def test_a_directory_that_is_no_export_is_one_line_and_exit_2(tmp_path: Path):
    process = start("serve", "--model", str(tmp_path))
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2, stderr
    (line,) = stderr.strip().splitlines()
    assert line.startswith(f"error: {tmp_path} is not an lstmcls export") and "lstmcls export" in line
