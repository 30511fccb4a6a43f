"""Two `lstmcls` worker processes under multi_worker: one run trained in sync, streamed shards divided between them,
Ctrl-C on either stops both, both resume the chief's run."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import cli, write_config, write_csv

FINGERPRINT = re.compile(r"final weights: sha256 ([0-9a-f]{16})")
EPOCH_EXAMPLES = re.compile(r"epoch (\d+): trained on (\d+) examples across 2 replica")


def free_ports(count: int) -> list[int]:
    """Ports the OS reports free (all held open until every one is picked, so they differ)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@contextmanager
def workers(tmp_path: Path, *args: str, name: str) -> Iterator[list[tuple[subprocess.Popen, Path]]]:
    """Two `lstmcls` workers on 127.0.0.1 (CPU only, TF_CONFIG each), logging to files; killed if still running."""
    ports = free_ports(2)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    started: list[tuple[subprocess.Popen, Path]] = []
    try:
        for index in range(2):
            env = {
                **os.environ,
                "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}),
                "CUDA_VISIBLE_DEVICES": "",
                "TMPDIR": str(scratch_dir(tmp_path)),  # where the worker that is not the chief trains
            }
            log = tmp_path / f"{name}-worker{index}.log"
            with open(log, "w") as out:
                command = [sys.executable, "-m", "lstmcls", *args]
                started.append((subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env), log))
        yield started
    finally:
        for process, _ in started:
            if process.poll() is None:
                process.kill()
                process.wait()


def finish(started: list[tuple[subprocess.Popen, Path]], timeout: float) -> tuple[list[int], list[str]]:
    """Wait for every worker (at most `timeout` seconds in all); their exit codes and logs."""
    deadline = time.monotonic() + timeout
    for process, _ in started:
        process.wait(timeout=max(1.0, deadline - time.monotonic()))
    return [process.returncode for process, _ in started], [log.read_text() for _, log in started]


def scratch_dir(tmp_path: Path) -> Path:
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return tmp_path / "tmp"


def test_two_workers_train_one_run_in_sync(tiny: Path, tmp_path: Path):
    started_at = time.monotonic()
    with workers(tmp_path, "train", str(tiny), "--set", "distribute.strategy=multi_worker", name="train") as started:
        codes, (chief, other) = finish(started, timeout=300)
    print(f"two workers: {time.monotonic() - started_at:.1f} s")
    assert codes == [0, 0], chief + other
    assert "strategy: multi_worker, 2 replicas (worker 0 of 2, chief)" in chief
    assert "strategy: multi_worker, 2 replicas (worker 1 of 2)" in other
    assert FINGERPRINT.search(chief).group(1) == FINGERPRINT.search(other).group(1)

    (run,) = (tmp_path / "runs").iterdir()  # exactly one run: the chief's
    meta = json.loads((run / "run.json").read_text())
    assert meta["status"] == "complete"
    assert meta["distribute"] == {"strategy": "multi_worker", "replicas": 2, "workers": 2}
    assert f"run: {run}" in chief and str(run) not in other
    assert not any(scratch_dir(tmp_path).iterdir())  # the other worker's scratch run is gone
    history = (run / "history.csv").read_text().splitlines()
    assert history[0].startswith("epoch") and len(history) == 4

    assert cli("export", "--run", str(run)).exit_code == 0
    import tensorflow as tf

    serve = tf.saved_model.load(str(run / "export")).signatures["serving_default"]
    labels = serve(texts=tf.constant(["good great film", "awful boring film"]))["label"].numpy()
    assert [label.decode() for label in labels] == ["pos", "neg"]


def test_two_workers_streaming_four_shards_train_on_every_row_once_per_epoch(tmp_path: Path):
    for shard, rows in enumerate((40, 50, 60, 70)):  # uneven: worker 0 reads 100 rows, worker 1 120
        write_csv(tmp_path / f"train-{shard}.csv", ["neg", "pos"], rows=rows, seed=shard)
    write_csv(tmp_path / "test.csv", ["neg", "pos"], rows=20, seed=9)
    config = write_config(
        tmp_path / "streamed.yaml",
        data={"train": str(tmp_path / "train-*.csv"), "streaming": True},
        train={"epochs": 2},
    )
    args = ("train", str(config), "--set", "distribute.strategy=multi_worker")
    with workers(tmp_path, *args, name="streamed") as started:
        codes, (chief, other) = finish(started, timeout=300)
    assert codes == [0, 0], chief + other
    assert FINGERPRINT.search(chief).group(1) == FINGERPRINT.search(other).group(1)
    (run,) = (tmp_path / "runs").iterdir()
    rows = json.loads((run / "metrics.json").read_text())["examples"]["train"]
    assert 150 < rows < 220  # 220 rows, less those carved to validation
    for log in (chief, other):  # each epoch, the replicas' examples add up to the training rows: each row once
        assert EPOCH_EXAMPLES.findall(log) == [("1", str(rows)), ("2", str(rows))], log


def test_ctrl_c_on_one_worker_stops_both_and_both_resume_the_chief_run(tmp_path: Path):
    write_csv(tmp_path / "train.csv", ["neg", "pos"], rows=500)
    write_csv(tmp_path / "test.csv", ["neg", "pos"], rows=20, seed=1)
    config = write_config(
        tmp_path / "slow.yaml",
        vectorizer={"max_tokens": 60, "max_length": 64},
        model={"units": 32},
        train={"epochs": 3, "batch_size": 8, "patience": None},
    )
    args = ("train", str(config), "--set", "distribute.strategy=multi_worker")
    with workers(tmp_path, *args, name="first") as started:
        history = wait_for_history(tmp_path, epochs=1, chief=started[0][0])
        started[1][0].send_signal(signal.SIGINT)  # the worker that is not the chief: both must stop
        codes, (chief, other) = finish(started, timeout=120)
    assert codes == [130, 130], chief + other
    run = history.parent
    assert f"lstmcls train --resume {run}" in chief and "Traceback" not in chief + other
    assert json.loads((run / "run.json").read_text())["status"] == "interrupted"
    assert 1 <= len(history.read_text().splitlines()) - 1 < 3

    with workers(tmp_path, "train", "--resume", str(run), name="resumed") as started:
        codes, (chief, other) = finish(started, timeout=300)
    assert codes == [0, 0], chief + other
    assert FINGERPRINT.search(chief).group(1) == FINGERPRINT.search(other).group(1)
    assert [path.name for path in (tmp_path / "runs").iterdir()] == [run.name]
    assert json.loads((run / "run.json").read_text())["status"] == "complete"
    assert [line.split(",")[0] for line in history.read_text().splitlines()[1:]] == ["0", "1", "2"]
    assert not any(scratch_dir(tmp_path).iterdir())


def wait_for_history(root: Path, epochs: int, chief: subprocess.Popen, timeout: float = 240) -> Path:
    """The chief's history.csv once it holds `epochs` epochs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for history in (root / "runs").glob("*/history.csv"):
            if len(history.read_text().splitlines()) > epochs:
                return history
        assert chief.poll() is None, "the chief ended early"
        time.sleep(0.1)
    raise AssertionError("training did not reach the epoch in time")
