"""The offline MNIST set-up: a kernel started the way nbval starts it gets the real arrays from
`keras.datasets.mnist.load_data()` without touching the network, and a kernel without the local
copy gets Keras's own error quickly instead of hanging."""

import os
import textwrap
from pathlib import Path

import pytest
from nbval.kernel import CURRENT_ENV_KERNEL_NAME, RunningKernel

import nbenv

# Any attempt to open a network connection inside the kernel fails loudly.
NO_NETWORK = textwrap.dedent(
    """
    import socket
    def _refuse(*args, **kwargs):
        raise OSError("network access attempted in the offline test")
    socket.socket.connect = _refuse
    socket.create_connection = _refuse
    """
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


def test_mnist_loads_offline_in_a_kernel(kernel):
    out, error = run(kernel, "import sys; print('keras' in sys.modules)")
    assert (out, error) == ("False\n", None), "the set-up must not import keras itself"
    run(kernel, NO_NETWORK)
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


def test_without_a_local_copy_keras_fails_clearly(tmp_path, monkeypatch):
    env = nbenv.test_environment(tmp_path / "env", with_mnist=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    k = RunningKernel(CURRENT_ENV_KERNEL_NAME, cwd=str(tmp_path), startup_timeout=120)
    try:
        # No network here (and in CI): Keras's own download attempt must fail, not hang.
        _, error = run(k, "from keras.datasets import mnist\nmnist.load_data()", timeout=90)
    finally:
        k.stop()
    assert error is not None and "URL fetch failure" in error, error
    assert not (Path(env["KERAS_HOME"]) / "datasets" / "mnist.npz").exists()
