"""The environment the notebooks run in under test: one place, used by the tests and by
tests/execute_notebooks.py, so committed outputs are made exactly as nbval re-makes them.

- IPYTHONDIR: a throw-away IPython profile whose start-up file lets Keras accept the offline
  MNIST copy (see offline_mnist_startup.py); nothing else in the kernel changes.
- KERAS_HOME: a throw-away Keras folder holding that copy as datasets/mnist.npz.
- TF_CPP_MIN_LOG_LEVEL=2: TensorFlow's C++ start-up lines (absl, cpu_feature_guard) stay out
  of the cells' stderr.
- PATH: the virtual environment's bin folder first, as `make lab` sets it.
- The matplotlib font cache is built once beforehand, so no first-run message reaches a cell.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
SHARED_MNIST = REPO.parent / "shared" / "datasets" / "mnist.npz"
STARTUP_FILE = Path(__file__).with_name("offline_mnist_startup.py")

TEST_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",
}


def make_profile(ipython_dir: Path) -> Path:
    startup = ipython_dir / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    shutil.copy(STARTUP_FILE, startup / "00-offline-mnist.py")
    return ipython_dir


def make_keras_home(keras_home: Path, with_mnist: bool = True) -> Path:
    datasets = keras_home / "datasets"
    datasets.mkdir(parents=True, exist_ok=True)
    if with_mnist:
        if not SHARED_MNIST.exists():
            raise FileNotFoundError(
                f"{SHARED_MNIST} is missing: the tests need ../shared/datasets beside the repo"
            )
        shutil.copy(SHARED_MNIST, datasets / "mnist.npz")
    return keras_home


def test_environment(workdir: Path, with_mnist: bool = True) -> dict:
    """The variables to add to os.environ before any kernel starts."""
    workdir = Path(workdir)
    env = dict(TEST_ENV)
    env["IPYTHONDIR"] = str(make_profile(workdir / "ipython"))
    env["KERAS_HOME"] = str(make_keras_home(workdir / "keras", with_mnist))
    # The venv's bin first on PATH, as `make lab` does, so `%tensorboard` finds `tensorboard`.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return env


def warm_matplotlib() -> None:
    subprocess.run(
        [sys.executable, "-c", "import matplotlib.pyplot"],
        check=True,
        capture_output=True,
    )
