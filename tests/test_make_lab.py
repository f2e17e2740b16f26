"""The README's main command works: `make lab` starts JupyterLab (as root too, where it adds
Jupyter's own --allow-root), the server answers on 127.0.0.1, serves a notebook through its REST
API, and runs that notebook's first code cell in a kernel it starts, giving the committed output.

The server is started headless on a port the system picks (--port=0, read back from the
server's log), with a token, and its whole process group is always stopped afterwards."""

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = "notebooks/07_01_workflows_sequential.ipynb"
STARTUP_LIMIT = 90
URL = re.compile(r"(http://127\.0\.0\.1:\d+)/lab/tree/notebooks\?token=")  # opens onto the notebooks


def request(base, path, token, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{base}{path}", data=data, method=method,
                                 headers={"Authorization": f"token {token}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as response:
        text = response.read().decode()
        return json.loads(text) if text else None


def execute(base, token, kernel_id, code, timeout=120):
    """Run code in the kernel over the server's websocket; return (stdout, error)."""
    import websocket

    ws = websocket.create_connection(
        f"{base.replace('http', 'ws')}/api/kernels/{kernel_id}/channels?token={token}",
        timeout=timeout)
    try:
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": "test", "session": uuid.uuid4().hex,
                       "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": code, "silent": False, "store_history": True,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
        }))
        stdout, error = [], None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id or msg["channel"] != "iopub":
                continue
            kind, content = msg["header"]["msg_type"], msg["content"]
            if kind == "stream" and content["name"] == "stdout":
                stdout.append(content["text"])
            elif kind == "error":
                error = f"{content['ename']}: {content['evalue']}"
            elif kind == "status" and content["execution_state"] == "idle":
                return "".join(stdout), error
        raise TimeoutError("the cell did not finish")
    finally:
        ws.close()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_lab_serves_and_runs_a_notebook(tmp_path):
    token = secrets.token_hex(16)
    log_path = tmp_path / "lab.log"
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    venv = Path(sys.executable).parent.parent
    flags = f"--no-browser --port=0 --ServerApp.token={token}"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "lab", f"VENV={venv}", f"LAB_FLAGS={flags}"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base, start = None, time.monotonic()
        while base is None:
            text = log_path.read_text(errors="replace")
            match = URL.search(text)
            if match:
                base = match.group(1)
            elif process.poll() is not None or time.monotonic() - start > STARTUP_LIMIT:
                pytest.fail(f"`make lab` did not start a server:\n{text[-3000:]}")
            else:
                time.sleep(0.5)
        if os.geteuid() == 0:
            assert "--allow-root" in log_path.read_text(), "as root, make lab passes --allow-root"

        model = request(base, f"/api/contents/{NOTEBOOK}", token)
        assert model["type"] == "notebook"
        cells = model["content"]["cells"]
        assert cells[0]["source"].startswith("# ")
        first = next(c for c in cells if c["cell_type"] == "code")
        committed = "".join(o.get("text", "") for o in first["outputs"]
                            if o.get("output_type") == "stream" and o.get("name") == "stdout")

        session = request(base, "/api/sessions", token, "POST",
                          {"path": NOTEBOOK, "type": "notebook", "kernel": {"name": "python3"}})
        try:
            stdout, error = execute(base, token, session["kernel"]["id"], first["source"])
        finally:
            request(base, f"/api/sessions/{session['id']}", token, "DELETE")
        assert error is None, error
        assert stdout == committed
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
