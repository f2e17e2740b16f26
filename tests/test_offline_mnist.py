"""The MNIST set-up: with a local copy, a kernel started the way nbval starts it gets the real
arrays from `keras.datasets.mnist.load_data()` without touching the network, and only that one
extra hash for that one file is accepted; without a copy the set-up changes nothing, and with
neither a copy nor a network Keras's own error comes at once instead of a hang."""

import os
import textwrap
from pathlib import Path

import pytest
from nbval.kernel import CURRENT_ENV_KERNEL_NAME, RunningKernel

import nbenv

# Any attempt to open a network connection inside the kernel fails loudly; the last line proves
# the block took effect (a connected machine would otherwise reach the host).
NO_NETWORK = textwrap.dedent(
    """
    import socket
    def _refuse(*args, **kwargs):
        raise OSError("network access attempted in the offline test")
    socket.socket.connect = _refuse
    socket.create_connection = _refuse
    try:
        socket.create_connection(("storage.googleapis.com", 443), timeout=5)
        print("network reachable")
    except OSError as e:
        print("blocked:", e)
    """
)
BLOCKED = "blocked: network access attempted in the offline test\n"
needs_copy = pytest.mark.skipif(
    nbenv.local_mnist() is None,
    reason=f"no local MNIST copy (${nbenv.MNIST_VARIABLE} or ../shared/datasets/mnist.npz)",
)


def run(kernel, code, timeout=120):
    """Execute code in the kernel; return (stdout text, error name or None)."""
    msg_id = kernel.execute_cell_input(code, allow_stdin=False)
    stdout, error = [], None
    while True:
        msg = kernel.get_message(stream="iopub", timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream" and content["name"] == "stdout":
            stdout.append(content["text"])
        elif kind == "error":
            error = f"{content['ename']}: {content['evalue']}"
        elif kind == "status" and content["execution_state"] == "idle":
            return "".join(stdout), error


@pytest.fixture
def kernel(tmp_path):
    k = RunningKernel(CURRENT_ENV_KERNEL_NAME, cwd=str(tmp_path), startup_timeout=120)
    try:
        yield k
    finally:
        k.stop()


@needs_copy
def test_mnist_loads_offline_in_a_kernel(kernel):
    out, error = run(kernel, "import sys; print('keras' in sys.modules)")
    assert (out, error) == ("False\n", None), "the set-up must not import keras itself"
    assert run(kernel, NO_NETWORK) == (BLOCKED, None)
    out, error = run(
        kernel,
        "from keras.datasets import mnist\n"
        "(x_train, y_train), (x_test, y_test) = mnist.load_data()\n"
        "print(x_train.shape, x_train.dtype, y_train.shape, y_train.dtype)\n"
        "print(x_test.shape, x_test.dtype, y_test.shape, y_test.dtype)\n"
        "print(int(y_train[:10].sum()), int(x_train.sum()))\n",
    )
    assert error is None, error
    lines = out.splitlines()
    assert lines[0] == "(60000, 28, 28) uint8 (60000,) uint8"
    assert lines[1] == "(10000, 28, 28) uint8 (10000,) uint8"
    # The first ten training labels of MNIST are 5 0 4 1 9 2 1 3 1 4.
    assert lines[2].split()[0] == "30"


@needs_copy
def test_only_that_hash_for_that_file_is_accepted(kernel):
    out, error = run(
        kernel,
        textwrap.dedent(
            """
            import os, shutil
            from keras.src.utils import file_utils
            mnist = os.path.join(os.environ["KERAS_HOME"], "datasets", "mnist.npz")
            keras_hash = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
            other = os.path.join(os.getcwd(), "other.npz")
            shutil.copy(mnist, other)
            print(file_utils.validate_file(mnist, keras_hash))
            print(file_utils.validate_file(other, keras_hash))
            print(file_utils.validate_file(mnist, "0" * 64))
            """
        ),
    )
    assert error is None, error
    assert out.split() == ["True", "False", "False"]


def test_without_a_copy_the_set_up_changes_nothing(tmp_path):
    env = nbenv.test_environment(tmp_path, copy=None)
    assert "KERAS_HOME" not in env and "IPYTHONDIR" not in env
    assert not (tmp_path / "ipython").exists() and not (tmp_path / "keras").exists()


def test_without_a_copy_or_a_network_keras_fails_clearly(tmp_path, monkeypatch):
    """As a reader's kernel with no copy: no patch, an empty Keras folder, and the network
    blocked inside the kernel (so this holds on connected and offline machines alike)."""
    env = nbenv.test_environment(tmp_path / "env", copy=None)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("IPYTHONDIR", raising=False)
    keras_home = tmp_path / "empty-keras-home"
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    k = RunningKernel(CURRENT_ENV_KERNEL_NAME, cwd=str(tmp_path), startup_timeout=120)
    try:
        assert run(k, NO_NETWORK) == (BLOCKED, None)
        out, error = run(k, "from keras.src.utils import file_utils\n"
                            "print(hasattr(file_utils.validate_file, '__wrapped__'))")
        assert (out, error) == ("False\n", None), "no patch may be installed without a copy"
        _, error = run(k, "from keras.datasets import mnist\nmnist.load_data()", timeout=90)
    finally:
        k.stop()
    assert error is not None and "URL fetch failure" in error, error
    assert not (keras_home / "datasets" / "mnist.npz").exists()


def test_startup_files_leave_no_public_names():
    """IPython runs start-up files in the notebook's own namespace: a name they bind (say `os`)
    would let a notebook that forgot `import os` pass here and fail for a learner."""
    import ast

    for path in (nbenv.STARTUP_FILE, nbenv.PERTURB_FILE):
        public = []
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.asname or a.name.split(".")[0] for a in node.names]
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names = [node.name]
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
            else:
                continue
            public += [n for n in names if not n.startswith("_")]
        assert not public, f"{path.name} binds {public} in the notebook's namespace"
