"""The environment the notebooks run in under test: one place, used by the tests and by
tests/execute_notebooks.py, so committed outputs are made exactly as nbval re-makes them.

MNIST comes from one of three places, decided once per run by `mnist_source()`:
- a local copy: the file named by $KERAS_NOTEBOOKS_MNIST, or ../shared/datasets/mnist.npz
  beside the repo (CI has it). It holds the genuine arrays but another sha256 than Keras's own
  file, so the set-up points KERAS_HOME at a throw-away folder holding the copy and IPYTHONDIR at
  a throw-away profile whose start-up file (offline_mnist_startup.py) lets Keras accept that one
  extra hash for that one file;
- Keras's own cache (~/.keras/datasets/mnist.npz, or $KERAS_HOME's): nothing is changed;
- the internet: nothing is changed, and Keras downloads and checks the file as for any reader.
With none of them, `mnist_source()` says so and the tests skip the notebooks that load MNIST.

Always set: TF_CPP_MIN_LOG_LEVEL=2 (TensorFlow's C++ start-up lines stay out of the cells'
stderr), and the virtual environment's bin folder first on PATH, as `make lab` sets it.
"""

import functools
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
MNIST_VARIABLE = "KERAS_NOTEBOOKS_MNIST"
SHARED_MNIST = REPO.parent / "shared" / "datasets" / "mnist.npz"
STARTUP_FILE = Path(__file__).with_name("offline_mnist_startup.py")
# `make roundoff` sets this: every seeded Keras draw changes, the data does not (roundoff_startup.py)
PERTURB_VARIABLE = "KERAS_NOTEBOOKS_PERTURB_SEEDS"
PERTURB_FILE = Path(__file__).with_name("roundoff_startup.py")
MNIST_HOST = ("storage.googleapis.com", 443)  # where keras.datasets.mnist downloads from

# Notebooks whose rework for this round's issues has not landed yet: they keep their earlier,
# tested form, and the new requirements (exercises, the backend matrix, the 600 KB limit) do
# not apply to them until it lands. Each entry says why; the list should be empty.
PENDING_REWORK = {}

TEST_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",
    # PyTorch's OpenMP threads spin while they wait for work. When anything else wants the CPU
    # (a second process on a 2-core runner), the spinning threads and the work fight for the same
    # cores and a notebook's torch run went from about 3 minutes to more than 16. Waiting
    # passively changes no result, only how idle threads wait.
    "OMP_WAIT_POLICY": "PASSIVE",
}


def local_mnist():
    """The local copy of mnist.npz the tests may use, or None."""
    named = os.environ.get(MNIST_VARIABLE)
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"${MNIST_VARIABLE} names {path}, which is not a file")
        return path
    return SHARED_MNIST if SHARED_MNIST.is_file() else None


def keras_cache():
    """Keras's own cached mnist.npz, if a reader's earlier run left one."""
    home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")).expanduser()
    path = home / "datasets" / "mnist.npz"
    return path if path.is_file() else None


def can_download(timeout: float = 5.0) -> bool:
    try:
        with socket.create_connection(MNIST_HOST, timeout=timeout):
            return True
    except OSError:
        return False


@functools.lru_cache(maxsize=None)
def mnist_source():
    """Once per process: (kind, detail): kind is "copy", "cache", "download" or None (no way to get MNIST)."""
    copy = local_mnist()
    if copy is not None:
        return "copy", str(copy)
    cache = keras_cache()
    if cache is not None:
        return "cache", str(cache)
    if can_download():
        return "download", f"https://{MNIST_HOST[0]}/"
    return None, (f"no local copy (${MNIST_VARIABLE} or ../shared/datasets/mnist.npz), "
                  f"no Keras cache and no connection to {MNIST_HOST[0]}")


def make_profile(ipython_dir: Path, mnist: bool = True, perturb: bool = False) -> Path:
    startup = ipython_dir / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    if mnist:
        shutil.copy(STARTUP_FILE, startup / "00-offline-mnist.py")
    if perturb:
        shutil.copy(PERTURB_FILE, startup / "01-perturb-seeds.py")
    return ipython_dir


def make_keras_home(keras_home: Path, copy=None) -> Path:
    datasets = keras_home / "datasets"
    datasets.mkdir(parents=True, exist_ok=True)
    if copy is not None:
        shutil.copy(copy, datasets / "mnist.npz")
    return keras_home


def test_environment(workdir: Path, copy="auto") -> dict:
    """The variables to add to os.environ before any kernel starts.

    copy: "auto" uses local_mnist(); a path uses that file; None installs nothing for MNIST."""
    workdir = Path(workdir)
    if copy == "auto":
        copy = local_mnist()
    env = dict(TEST_ENV)
    perturb = os.environ.get(PERTURB_VARIABLE) == "1"
    if copy is not None or perturb:
        env["IPYTHONDIR"] = str(make_profile(workdir / "ipython", copy is not None, perturb))
    if copy is not None:
        env["KERAS_HOME"] = str(make_keras_home(workdir / "keras", copy))
    # The venv's bin first on PATH, as `make lab` does, so `%tensorboard` finds `tensorboard`.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return env


def loads_mnist(notebook: Path) -> bool:
    return "mnist.load_data()" in notebook.read_text(encoding="utf-8")


def warm_matplotlib() -> None:
    subprocess.run(
        [sys.executable, "-c", "import matplotlib.pyplot"],
        check=True,
        capture_output=True,
    )
