"""A short training run with the TensorBoard callback, read back through the real TensorBoard
server: the server is started on 127.0.0.1 with --port 0 (the system picks a free port, which is
read back from the server's own start-up line, so no other program can take it in between),
asked over its HTTP API for the runs, the `epoch_loss` scalars and the weight histograms, and
always stopped afterwards. Its stderr goes to a file that every failure message shows."""

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

STARTUP_LIMIT = 60  # seconds the server may take to answer
from tiny_tensorboard_run import WORDS, write_run


ADDRESS = re.compile(r"TensorBoard [\d.]+ at (http://127\.0\.0\.1:\d+)/")


def get_json(base, path, **params):
    url = f"{base}{path}"
    if params:
        url += "?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def training_run(tmp_path_factory):
    """Train a tiny word model for 3 epochs with the TensorBoard callback, then write its word
    embeddings for the projector the way notebook 07_06 does; return (logdir, history)."""
    logdir = tmp_path_factory.mktemp("tensorboard")
    return logdir, write_run(logdir)


@pytest.fixture(scope="module")
def server(training_run, tmp_path_factory):
    logdir, _ = training_run
    log_path = tmp_path_factory.mktemp("tensorboard-stderr") / "stderr.txt"
    log = open(log_path, "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir),
         "--host", "127.0.0.1", "--port", "0", "--reload_interval", "1"],
        stdout=subprocess.DEVNULL, stderr=log,
    )

    def stderr_tail():
        return log_path.read_text(errors="replace")[-2000:]

    try:
        start = time.monotonic()
        base = None
        while True:
            if process.poll() is not None:
                pytest.fail(f"tensorboard exited ({process.returncode}):\n{stderr_tail()}")
            if base is None:
                match = ADDRESS.search(log_path.read_text(errors="replace"))
                base = match.group(1) if match else None
            if base is not None:
                try:
                    if get_json(base, "/data/runs"):
                        break
                except (urllib.error.URLError, ConnectionError, OSError):
                    pass
            if time.monotonic() - start > STARTUP_LIMIT:
                pytest.fail(f"tensorboard did not answer within {STARTUP_LIMIT} s:\n{stderr_tail()}")
            time.sleep(0.25)
        print(f"\ntensorboard answered at {base} with runs after {time.monotonic() - start:.1f} s")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_runs_are_listed(server):
    runs = get_json(server, "/data/runs")
    assert set(runs) >= {"tiny/train", "tiny/validation"}


def test_epoch_loss_matches_history(server, training_run):
    _, history = training_run
    for run, key in [("tiny/train", "loss"), ("tiny/validation", "val_loss")]:
        series = get_json(server, "/data/plugin/scalars/scalars", run=run, tag="epoch_loss")
        steps = [step for _, step, _ in series]
        values = [value for _, _, value in series]
        assert steps == [0, 1, 2]
        assert values == pytest.approx(history[key], rel=1e-6)


def test_kernel_histograms_exist(server):
    tags = get_json(server, "/data/plugin/histograms/tags")
    assert "tiny/hidden/kernel/histogram" in tags["tiny/train"]
    assert "tiny/word_embedding/embeddings/histogram" in tags["tiny/train"]
    series = get_json(server, "/data/plugin/histograms/histograms",
                      run="tiny/train", tag="tiny/hidden/kernel/histogram")
    assert [step for _, step, _ in series] == [0, 1, 2]
    buckets = series[0][2]  # [left edge, right edge, count] per bucket
    assert sum(count for _, _, count in buckets) == pytest.approx(4 * 16)  # kernel (4, 16)


def test_projector_serves_the_labelled_embeddings(server):
    run = "tiny/train"
    deadline = time.monotonic() + STARTUP_LIMIT  # the plugin scans for configs in a thread
    while run not in get_json(server, "/data/plugin/projector/runs"):
        assert time.monotonic() < deadline, "the projector never listed the run"
        time.sleep(0.5)
    info = get_json(server, "/data/plugin/projector/info", run=run)
    (embedding,) = info["embeddings"]
    assert embedding["tensorName"] == "word_embedding"
    assert embedding["tensorShape"] == [len(WORDS), 4]
    query = urllib.parse.urlencode({"run": run, "name": "word_embedding"})
    with urllib.request.urlopen(f"{server}/data/plugin/projector/metadata?{query}") as r:
        assert r.read().decode().split() == WORDS
