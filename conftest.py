"""Test set-up for the whole repository (see tests/nbenv.py for what it sets and why).

- MNIST: a local copy, Keras's cache or the internet (tests/nbenv.py). With none of them the
  run says so in its header line and skips the notebooks that load MNIST; every other test runs.
  In CI (CI=true) a missing MNIST is an error, never a silent skip.
- Hermetic: the notebooks save figures into figs/ (tracked) and write logs/ and data/ as they
  run. Whatever the run changes there is put back afterwards, so `git status` stays clean.
"""

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "tests"))

import nbenv  # noqa: E402

REPO = Path(__file__).resolve().parent
SCRATCH_DIRS = [REPO / "figs", REPO / "logs", REPO / "data"]
HERMETIC = True

_workdir = None
_mnist = (None, "")
_snapshot = None  # taken once the set-up succeeded
_seconds = {}  # notebook or test -> seconds (set-up + run + teardown)


def _take_snapshot():
    snapshot = {}
    for folder in SCRATCH_DIRS:
        for path in folder.rglob("*"):
            if path.is_file():
                # figures are tracked: keep their bytes; logs and data only need to be known
                snapshot[path] = path.read_bytes() if folder.name == "figs" else None
    return snapshot


def _restore(snapshot, owned=lambda path: True):
    for folder in SCRATCH_DIRS:
        for path in sorted(folder.rglob("*"), reverse=True):
            if path.is_file() and path not in snapshot and owned(path):
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    for path, data in snapshot.items():
        if not owned(path):
            continue
        if data is not None and (not path.exists() or path.read_bytes() != data):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


def pytest_configure(config):
    global _workdir, _mnist, _snapshot
    _mnist = nbenv.mnist_source()
    if _mnist[0] is None and os.environ.get("CI") == "true":
        raise pytest.UsageError(f"MNIST is needed in CI: {_mnist[1]}")
    _workdir = Path(tempfile.mkdtemp(prefix="keras-notebooks-tests-"))
    os.environ.update(nbenv.test_environment(_workdir, copy=_mnist[1] if _mnist[0] == "copy" else None))
    nbenv.warm_matplotlib()
    if HERMETIC:
        _snapshot = _take_snapshot()


def pytest_sessionstart(session):
    """With no MNIST, one line says so at the start, whatever the verbosity."""
    kind, detail = _mnist
    if kind is None:
        skipped = [p.name for p in sorted(nbenv.NOTEBOOKS.glob("*.ipynb")) if nbenv.loads_mnist(p)]
        line = (f"MNIST: NOT AVAILABLE ({detail}): skipping the {len(skipped)} notebooks that "
                f"load it; every other test runs. Set ${nbenv.MNIST_VARIABLE}=/path/to/mnist.npz "
                f"or connect to the internet to run them.")
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(line, yellow=True, bold=True)


def pytest_report_header(config):
    kind, detail = _mnist
    if kind is None:
        return None
    return {"copy": f"MNIST: local copy {detail} (its one extra sha256 accepted)",
            "cache": f"MNIST: Keras's own cache {detail}",
            "download": "MNIST: no local copy; Keras downloads and checks it as for any reader"}[kind]


def mnist_available():
    return _mnist[0] is not None


def pytest_ignore_collect(collection_path, config):
    path = Path(collection_path)
    if path.suffix == ".ipynb" and not mnist_available() and nbenv.loads_mnist(path):
        return True
    return None


_ran = set()  # the notebooks this session ran (nbval) or ran the exercises/backends of


def pytest_collection_modifyitems(session, config, items):
    stems = {p.stem for p in nbenv.NOTEBOOKS.glob("*.ipynb")}
    for item in items:
        _ran.update(stem for stem in stems if stem in item.nodeid)


def _owned(path, notebooks):
    """A scratch file belongs to a notebook that names it (a figure by its file name, logs/ and
    data/ by their first folder or file name). Several sessions may share one work tree (helpers
    each running their own notebook): a session that ran only some notebooks puts back only
    what those notebooks write, and leaves another session's fresh files alone."""
    for folder in SCRATCH_DIRS:
        if folder in path.parents:
            key = path.relative_to(folder).parts[0]
            forms = [f'"{key}"', f"'{key}'", f"/{key}", f"{key}/"] if folder.name != "figs" else [path.name]
            return any(form in text for text in notebooks for form in forms)
    return False


def pytest_unconfigure(config):
    if _snapshot is not None:
        every = {p.stem for p in nbenv.NOTEBOOKS.glob("*.ipynb")}
        if _ran >= every:
            _restore(_snapshot)
        elif _ran:
            texts = ["".join("".join(c["source"]) for c in json.loads(p.read_text(encoding="utf-8"))["cells"])
                     for p in nbenv.NOTEBOOKS.glob("*.ipynb") if p.stem in _ran]
            _restore(_snapshot, lambda path: _owned(path, texts))
    if _workdir is not None:
        shutil.rmtree(_workdir, ignore_errors=True)


def pytest_runtest_logreport(report):
    """Time per notebook (all its cells) and per other test, for the summary below."""
    path = report.nodeid.split("::")[0]
    key = path if path.endswith(".ipynb") else report.nodeid
    _seconds[key] = _seconds.get(key, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter):
    """Where the run's time went: every notebook and the slowest other tests (CI's budget)."""
    if not _seconds:
        return
    notebooks = {k: v for k, v in _seconds.items() if k.endswith(".ipynb")}
    others = sorted(((v, k) for k, v in _seconds.items() if k not in notebooks), reverse=True)
    terminalreporter.section("time per notebook (strict nbval) and the slowest other tests")
    for key in sorted(notebooks):
        terminalreporter.write_line(f"{notebooks[key]:7.1f} s  {key}")
    for seconds, key in others[:30]:
        terminalreporter.write_line(f"{seconds:7.1f} s  {key}")
    total_nb = sum(notebooks.values())
    terminalreporter.write_line(f"total: {sum(_seconds.values()):.0f} s "
                                f"(notebooks under nbval {total_nb:.0f} s, other tests "
                                f"{sum(v for v, _ in others):.0f} s)")
