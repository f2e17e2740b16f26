"""Run a notebook's exercises with their hidden solutions and with plausible wrong answers.

    .venv/bin/python tests/run_exercises.py notebooks/07_04_builtin_training_metrics.ipynb

The layout every notebook follows (tests/test_hygiene.py checks it):
- a markdown cell starting with `## 연습 문제`, after it an optional code cell tagged
  `exercise-setup` (the check functions), then per exercise: a markdown cell `### 연습 문제 N.`,
  a code cell tagged `exercise` (the learner's code, with `...` to fill in; its metadata
  `wrong_answers` lists whole replacement sources), a code cell tagged `exercise-check`, and a
  markdown cell tagged `solution` whose one fenced python block replaces the exercise cell.
  A wrong answer is either a source string, or {"source": ..., "hint": [...]}: then the hint
  the check prints must contain each of those strings (the cause it names, not just any hint).
  An optional metadata list `right_answers` holds other correct solutions (source strings):
  each must make the check print success, as the hidden solution does.
- Code cells above the section that the exercises need are tagged `exercise-deps`.

One kernel per notebook runs the exercise-deps cells, then the section; at each exercise it
runs every wrong answer followed by the check (which must print a hint and raise nothing), then
the solution followed by the check (which must print success), then goes on. Wrong answers run
before the solution, so no definition of the solution can rescue them.
"""

import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

SECTION = "## 연습 문제"
SUCCESS = "✅ 정답"
HINT = "💡 힌트:"
SOLUTION_BLOCK = re.compile(r"<details>.*?```python\n(.*?)```.*?</details>", re.S)


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def source(cell):
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


@dataclass
class Exercise:
    title: str
    cell: dict
    check: dict
    solution: str
    wrong_answers: list = field(default_factory=list)
    right_answers: list = field(default_factory=list)


def section_start(nb):
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "markdown" and source(cell).startswith(SECTION):
            return i
    return None


def solution_of(cell):
    blocks = SOLUTION_BLOCK.findall(source(cell))
    return blocks[0] if len(blocks) == 1 else None


def layout(nb):
    """(deps, setup, exercises, problems): the exercise section read from a notebook."""
    problems = []
    start = section_start(nb)
    if start is None:
        return [], [], [], [f"no markdown cell starts with '{SECTION}'"]
    cells = nb["cells"]
    deps = [c for c in cells[:start] if c["cell_type"] == "code" and "exercise-deps" in tags(c)]
    setup, exercises = [], []
    i = start + 1
    while i < len(cells):
        cell = cells[i]
        if cell["cell_type"] == "code" and "exercise-setup" in tags(cell) and not exercises:
            setup.append(cell)
            i += 1
        elif cell["cell_type"] == "markdown" and source(cell).startswith("### 연습 문제"):
            title = source(cell).splitlines()[0]
            group = cells[i + 1:i + 4]
            kinds = [(c["cell_type"], [t for t in tags(c) if t in
                      ("exercise", "exercise-check", "solution")]) for c in group]
            if kinds != [("code", ["exercise"]), ("code", ["exercise-check"]),
                         ("markdown", ["solution"])]:
                problems.append(f"{title}: expected exercise, exercise-check, solution cells, got {kinds}")
                i += 1
                continue
            ex, check, sol = group
            solution = solution_of(sol)
            wrong = [w if isinstance(w, dict) else {"source": w, "hint": []}
                     for w in ex.get("metadata", {}).get("wrong_answers", [])]
            if solution is None:
                problems.append(f"{title}: the solution cell needs one ```python block inside <details>")
            if "..." not in source(ex):
                problems.append(f"{title}: the exercise cell has no `...` to fill in")
            if not wrong or not all(isinstance(w.get("source"), str) and w["source"].strip()
                                    and isinstance(w.get("hint", []), list) for w in wrong):
                problems.append(f"{title}: the exercise cell's metadata needs wrong_answers")
            right = ex.get("metadata", {}).get("right_answers", [])
            if not all(isinstance(r, str) and r.strip() for r in right):
                problems.append(f"{title}: right_answers must be source strings")
            exercises.append(Exercise(title, ex, check, solution or "", list(wrong), list(right)))
            i += 4
        else:
            i += 1
    if not 2 <= len(exercises) <= 3:
        problems.append(f"{len(exercises)} exercises (expected 2 or 3)")
    return deps, setup, exercises, problems


def _text(outputs):
    parts = []
    for out in outputs:
        if out.get("output_type") == "stream":
            parts.append("".join(out.get("text", "")))
        elif out.get("output_type") in ("execute_result", "display_data"):
            parts.append("".join(out.get("data", {}).get("text/plain", "")))
    return "".join(parts)


def _error(outputs):
    for out in outputs:
        if out.get("output_type") == "error":
            return f"{out.get('ename')}: {out.get('evalue')}"
    return None


def run(path: Path, timeout: int = 300):
    """Run the exercises of one notebook; return a list of (what, ok, detail) rows."""
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbval.kernel import CURRENT_ENV_KERNEL_NAME, NbvalKernelspecManager

    nb = nbformat.read(str(path), as_version=4)
    deps, setup, exercises, problems = layout(nb)
    rows = [("layout", False, p) for p in problems]
    if problems:
        return rows
    work = nbformat.v4.new_notebook()
    # the kernel nbval uses (--nbval-current-env): this interpreter, not a "python3" kernelspec
    km = KernelManager(kernel_name=CURRENT_ENV_KERNEL_NAME,
                       kernel_spec_manager=NbvalKernelspecManager())
    client = NotebookClient(work, km=km, timeout=timeout, allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})

    def execute(code):
        cell = nbformat.v4.new_code_cell(code)
        work.cells.append(cell)
        client.execute_cell(cell, len(work.cells) - 1)
        return cell.outputs

    with client.setup_kernel(cleanup_kc=True):  # shut the kernel down at the end (km is ours)
        for cell in deps + setup:
            error = _error(execute(source(cell)))
            if error:
                rows.append((f"set-up cell {source(cell)[:40]!r}", False, error))
                return rows
        for ex in exercises:
            for k, wrong in enumerate(ex.wrong_answers, 1):
                execute(wrong["source"])  # it may raise in its own cell, as a learner's would
                outputs = execute(source(ex.check))
                text, error = _text(outputs), _error(outputs)
                missing = [h for h in wrong.get("hint", []) if h not in text]
                ok = error is None and HINT in text and SUCCESS not in text and not missing
                detail = error or text.strip()
                if missing and not error:
                    detail = f"the hint should name {missing}; it says: {detail}"
                rows.append((f"{ex.title} / wrong answer {k}", ok, detail))
            for k, right in enumerate(ex.right_answers, 1):
                error = _error(execute(right))
                outputs = execute(source(ex.check))
                text, error = _text(outputs), error or _error(outputs)
                ok = error is None and SUCCESS in text and HINT not in text
                rows.append((f"{ex.title} / other right answer {k}", ok, error or text.strip()))
            error = _error(execute(ex.solution))
            outputs = execute(source(ex.check))
            text = _text(outputs)
            error = error or _error(outputs)
            ok = error is None and SUCCESS in text and HINT not in text
            rows.append((f"{ex.title} / solution", ok, error or text.strip()))
    return rows


def main() -> int:
    sys.path.insert(0, str(Path(__file__).parent))
    import nbenv

    workdir = Path(tempfile.mkdtemp(prefix="keras-notebooks-exercises-"))
    failed = 0
    try:
        os.environ.update(nbenv.test_environment(workdir))
        for arg in sys.argv[1:]:
            print(arg)
            for what, ok, detail in run(Path(arg).resolve()):
                failed += not ok
                print(f"  {'ok  ' if ok else 'FAIL'} {what}: {detail[:300]}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
