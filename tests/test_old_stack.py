"""Issue 31: a notebook opened on an older Keras (a hosted runtime such as Colab) still runs.

Every notebook's first code cell reads the installed versions with importlib.metadata, before
anything imports Keras, and installs the verified Keras where the runtime's is missing or older.
Here that is proven on an older stack: a throw-away virtual environment layered over the
project's (a .pth file puts the project's site-packages behind its own, as
--system-site-packages does over a system Python) gets keras==3.12.4, the version with which
07_06 stopped on a learner's runtime (`KeyError: 'Key hidden/kernel/histogram was not found in
Reservoir'`). Then:

- the install cell, in a kernel that already imported that Keras, refuses and says to restart;
- with a verified version older than the installed one, it installs nothing (never downgrades);
- 07_06, copied alone into an empty folder, runs top to bottom there: its first cell brings
  Keras to the verified version and no cell fails (except those tagged raises-exception).

It needs PyPI (keras==3.12.4 and the verified Keras are installed from it, or from pip's cache).
Without it the test is skipped, except in CI (CI=true), where it fails.
"""

import json
import os
import re
import shutil
import site
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import nbenv

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "07_06_tensorboard.ipynb"
OLD_KERAS = "3.12.4"


def install_cell(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "".join(next(c for c in cells if c["cell_type"] == "code")["source"])


def run(python, code, env, timeout=300):
    return subprocess.run([str(python), "-c", code], env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def old_stack(tmp_path_factory):
    """A venv with keras==3.12.4 in front of the project's packages; its python."""
    venv = tmp_path_factory.mktemp("old-stack") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    own = run(python, "import site; print(site.getsitepackages()[0])", os.environ).stdout.strip()
    (Path(own) / "zz_project.pth").write_text(site.getsitepackages()[0] + "\n")
    pip = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                          f"keras=={OLD_KERAS}"], capture_output=True, text=True, timeout=300)
    if pip.returncode != 0:
        why = f"cannot install keras=={OLD_KERAS} from PyPI:\n{pip.stderr[-2000:]}"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    got = run(python, "import importlib.metadata as md; print(md.version('keras'))", os.environ).stdout.strip()
    assert got == OLD_KERAS, f"the old stack has keras {got}"
    return python


def shell_run(cell, before=""):
    """Run a cell through IPython (the install cell uses %pip) and report its error, if any."""
    return textwrap.dedent(f"""
        from IPython.core.interactiveshell import InteractiveShell
        {before}
        shell = InteractiveShell.instance()
        result = shell.run_cell({cell!r})
        print("ERROR:", repr(result.error_in_exec))
    """)


def test_refuses_in_a_kernel_that_imported_keras(old_stack):
    out = run(old_stack, shell_run(install_cell(NOTEBOOK), before="import keras"), dict(os.environ))
    assert "RuntimeError" in out.stdout and "다시 시작" in out.stdout, out.stdout + out.stderr
    version = run(old_stack, "import importlib.metadata as md; print(md.version('keras'))", os.environ)
    assert version.stdout.strip() == OLD_KERAS, "nothing was installed"


def test_never_downgrades(old_stack):
    cell = install_cell(NOTEBOOK).replace('"keras": "3.15.1"', '"keras": "3.10.0"')
    assert '"keras": "3.10.0"' in cell
    out = run(old_stack, shell_run(cell), dict(os.environ))
    assert "ERROR: None" in out.stdout and f"keras {OLD_KERAS} (검증한 버전 3.10.0)" in out.stdout, \
        out.stdout + out.stderr


def test_notebook_runs_alone_on_the_old_stack(old_stack, tmp_path):
    verified = re.search(r'"keras": "([0-9.]+)"', install_cell(NOTEBOOK)).group(1)
    empty = tmp_path / "alone"
    empty.mkdir()
    target = empty / NOTEBOOK.name
    shutil.copy(NOTEBOOK, target)
    env = dict(os.environ, **nbenv.test_environment(tmp_path / "env"))
    code = textwrap.dedent(f"""
        import nbformat
        from jupyter_client.manager import KernelManager
        from nbclient import NotebookClient
        from nbval.kernel import CURRENT_ENV_KERNEL_NAME, NbvalKernelspecManager
        nb = nbformat.read({str(target)!r}, as_version=4)
        km = KernelManager(kernel_name=CURRENT_ENV_KERNEL_NAME, kernel_spec_manager=NbvalKernelspecManager())
        NotebookClient(nb, km=km, timeout=300, resources={{"metadata": {{"path": {str(empty)!r}}}}}).execute(cleanup_kc=True)
        nbformat.write(nb, {str(target)!r})
    """)
    out = run(old_stack, code, env, timeout=600)
    assert out.returncode == 0, f"07_06 failed on keras {OLD_KERAS}:\n{out.stderr[-4000:]}"
    cells = json.loads(target.read_text(encoding="utf-8"))["cells"]
    code_cells = [c for c in cells if c["cell_type"] == "code"]
    first = "".join("".join(o.get("text", "")) for o in code_cells[0]["outputs"])
    assert f"keras {verified} (검증한 버전 {verified})" in first, first
    errors = [c for c in code_cells if "raises-exception" not in c["metadata"].get("tags", [])
              and any(o["output_type"] == "error" for o in c["outputs"])]
    assert not errors
    version = run(old_stack, "import keras; print(keras.__version__)", os.environ).stdout.strip()
    assert version == verified
