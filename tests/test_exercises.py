"""Every notebook's exercises, run the way tests/run_exercises.py describes: each hidden solution
makes its check print success, and each plausible wrong answer makes it print a hint (never
success, never an exception). nbval separately compares the committed, unsolved state."""

from pathlib import Path

import pytest

import nbenv
from run_exercises import run

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_solutions_pass_and_wrong_answers_get_hints(notebook):
    if notebook.name in nbenv.PENDING_REWORK:
        pytest.skip(nbenv.PENDING_REWORK[notebook.name])
    if nbenv.loads_mnist(notebook) and nbenv.mnist_source()[0] is None:
        pytest.skip("MNIST is not available (see the run's header line)")
    rows = run(notebook)
    failures = [f"{what}: {detail}" for what, ok, detail in rows if not ok]
    assert rows and not failures, "\n".join(failures)
