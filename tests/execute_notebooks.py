"""Execute notebooks top to bottom in a fresh kernel, in the tests' environment, and save them
with their outputs, the way they are committed.

    .venv/bin/python tests/execute_notebooks.py notebooks/07_01_*.ipynb

Streams are merged and progress-bar redraws collapsed with nbval's own function, so the
committed text is what nbval compares (and what a reader sees on GitHub).
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbval.kernel import CURRENT_ENV_KERNEL_NAME, NbvalKernelspecManager
from nbval.plugin import coalesce_streams

import nbenv


def execute(path: Path, timeout: int = 600, allow_errors: bool = False) -> float:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    # The kernel nbval starts with --nbval-current-env: this interpreter (the venv's), not
    # whatever the "python3" kernelspec of the machine points at.
    km = KernelManager(kernel_name=CURRENT_ENV_KERNEL_NAME,
                       kernel_spec_manager=NbvalKernelspecManager())
    client = NotebookClient(
        nb,
        km=km,
        timeout=timeout,
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute(cleanup_kc=True)  # the client does not own km: shut the kernel down itself
    seconds = time.perf_counter() - start
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
            for output in cell.outputs:
                output.get("metadata", {}).pop("execution", None)
        cell.get("metadata", {}).pop("execution", None)
    nbformat.write(nb, path)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--allow-errors", action="store_true",
                        help="keep going past failing cells (for debugging; never commit that)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="keras-notebooks-exec-"))
    try:
        os.environ.update(nbenv.test_environment(workdir))
        # nbval's kernels inherit PYTEST_CURRENT_TEST, and ipykernel then does not forward what
        # libraries write straight to the process's file descriptors (TensorFlow's C++ log lines,
        # such as "oneDNN custom operations are on" on CPUs with AVX-512). Run the kernel the same
        # way, so the committed outputs are exactly what nbval compares.
        os.environ.setdefault("PYTEST_CURRENT_TEST", "tests/execute_notebooks.py (make execute)")
        nbenv.warm_matplotlib()
        for path in args.notebooks:
            seconds = execute(path.resolve(), allow_errors=args.allow_errors)
            print(f"{path}: {seconds:.1f} s", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
