"""Test set-up for the whole repository (see tests/nbenv.py for what it sets and why)."""

import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "tests"))

import nbenv  # noqa: E402

_workdir = None


def pytest_configure(config):
    global _workdir
    _workdir = Path(tempfile.mkdtemp(prefix="keras-notebooks-tests-"))
    os.environ.update(nbenv.test_environment(_workdir))
    nbenv.warm_matplotlib()


def pytest_unconfigure(config):
    if _workdir is not None:
        shutil.rmtree(_workdir, ignore_errors=True)
