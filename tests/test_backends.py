"""The backend matrix: every notebook that does not import TensorFlow itself is executed top to
bottom under KERAS_BACKEND=jax and KERAS_BACKEND=torch as well. Every cell must run without an
error, so every assert in it holds there too. Outputs are compared only on the TensorFlow run
(nbval); here the notebook runs in a scratch copy of the repository's layout, so the figures
and logs it writes never touch the repository.

A notebook that cannot run on a backend because of a Keras or backend limit is listed in
LIMITS with the sentence the notebook shows the learner; the test then expects it to fail.

Two runs go at once, each in its own process and kernel: on JAX and PyTorch these small models
spend most of a step in Python and keep only about 1.2-1.5 of the 2 cores busy, so the next run
starts while the current one is checked. Run alone, one (notebook, backend) pair is:

    .venv/bin/python tests/test_backends.py notebooks/07_01_workflows_sequential.ipynb jax DIR
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbval.kernel import CURRENT_ENV_KERNEL_NAME, NbvalKernelspecManager

import nbenv

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
BACKENDS = ["jax", "torch"]
NAMES = {"tensorflow": "TF", "jax": "JAX", "torch": "파이토치"}
TF_ONLY = re.compile(r"^\s*(?:import tensorflow|from tensorflow)", re.M)
OWN_BACKEND = re.compile(r"""os\.environ\[["']KERAS_BACKEND["']\]\s*=\s*["'](\w+)["']""")
# (notebook, backend) -> why it cannot run there (a Keras or backend limit), as the notebook says
LIMITS = {}


def code(path: Path) -> str:
    nb = nbformat.read(str(path), as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def backends_of(path: Path) -> list:
    """The backends a notebook is proven on: its own, if it picks one; TensorFlow only, if it
    imports TensorFlow; otherwise all three."""
    source = code(path)
    if path.name in nbenv.PENDING_REWORK:
        return ["tensorflow"]
    own = OWN_BACKEND.search(source)
    if own:
        return [own.group(1)]
    if TF_ONLY.search(source):
        return ["tensorflow"]
    return ["tensorflow"] + BACKENDS


NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
MATRIX = [
    pytest.param(p, b, id=f"{p.stem}-{b}",
                 marks=[pytest.mark.xfail(strict=True, reason=LIMITS[(p.name, b)])]
                 if (p.name, b) in LIMITS else [])
    for p in NOTEBOOKS if "jax" in backends_of(p) and "torch" in backends_of(p)
    for b in BACKENDS
]


def execute(notebook: Path, backend: str, workdir: Path) -> None:
    """Execute a scratch copy of the notebook under the backend (in this process: the child of
    a test). Raises nbclient's CellExecutionError on the first failing cell."""
    folder = workdir / "notebooks"
    folder.mkdir(parents=True)
    shutil.copy(notebook, folder / notebook.name)
    nb = nbformat.read(str(folder / notebook.name), as_version=4)
    km = KernelManager(kernel_name=CURRENT_ENV_KERNEL_NAME,
                       kernel_spec_manager=NbvalKernelspecManager())
    client = NotebookClient(nb, km=km, timeout=600, allow_errors=False,
                            resources={"metadata": {"path": str(folder)}})
    os.environ["KERAS_BACKEND"] = backend  # the kernel inherits it
    client.execute(cleanup_kc=True)  # the client does not own km: shut the kernel down itself
    shown = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                      for o in c.outputs if o.get("output_type") == "stream")
    assert f"백엔드: {backend}" in shown, "the set-up cell prints the backend it runs on"


_RUNS = {}  # index in MATRIX -> (process, its scratch folder)


def _start(index: int) -> None:
    if index in _RUNS:
        return
    notebook, backend = MATRIX[index].values
    if nbenv.loads_mnist(notebook) and nbenv.mnist_source()[0] is None:
        _RUNS[index] = (None, None)
        return
    workdir = Path(tempfile.mkdtemp(prefix=f"backend-{backend}-"))
    with open(workdir / "run.log", "w") as log:  # a file, not a pipe: nothing can block on it
        process = subprocess.Popen(
            [sys.executable, __file__, str(notebook), backend, str(workdir / "run")],
            stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, KERAS_BACKEND=backend))
    _RUNS[index] = (process, workdir)


def _selected(session) -> list:
    """Indices in MATRIX of the matrix tests this session runs, in order."""
    chosen = [(item.callspec.params["notebook"], item.callspec.params["backend"])
              for item in session.items if getattr(item, "originalname", None) == "test_runs_on_backend"]
    return [i for i, p in enumerate(MATRIX) if tuple(p.values) in chosen]


@pytest.mark.parametrize("notebook, backend", MATRIX)
def test_runs_on_backend(notebook, backend, request):
    order = _selected(request.session)
    index = next(i for i in order if tuple(MATRIX[i].values) == (notebook, backend))
    _start(index)
    following = order[order.index(index) + 1:]
    if following:
        _start(following[0])  # the next pair runs while this one is waited for
    process, workdir = _RUNS[index]
    if process is None:
        pytest.skip("MNIST is not available (see the run's header line)")
    try:
        try:
            process.wait(timeout=1800)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output = (workdir / "run.log").read_text(errors="replace")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    assert process.returncode == 0, f"{notebook.name} on {backend} (exit {process.returncode}):\n{output[-8000:]}"


def test_readme_says_where_each_notebook_is_proven():
    toc = README.read_text(encoding="utf-8").split("## 목차", 1)[1].split("\n## ", 1)[0]
    for path in NOTEBOOKS:
        row = next(r for r in toc.splitlines() if f"(notebooks/{path.name})" in r)
        cells = [c.strip() for c in row.strip("|").split("|")]
        proven = [b for b in backends_of(path) if (path.name, b) not in LIMITS]
        assert cells[-1] == ", ".join(NAMES[b] for b in proven), f"README row of {path.name}"


if __name__ == "__main__":
    execute(Path(sys.argv[1]).resolve(), sys.argv[2], Path(sys.argv[3]))
