"""What a learner sees, in a real browser: `make lab` opened in headless Chromium, driven by
Playwright through JupyterLab's own menus and editor.

- `make lab` opens straight onto notebooks/, with no "official Jupyter news" pop-up;
- 07_01 opened from the file browser; its check-function cell is collapsed and every solution's
  <details> is closed;
- Edit > Clear Outputs of All Cells, then Run > Run All Cells: every code cell runs, in order
  (prompts [1]..[N] in a fresh kernel), and no error is shown but in cells tagged
  raises-exception (checked on the page and in the notebook JupyterLab saves);
- one exercise typed through the editor: a stored wrong answer makes the check print its 💡 hint,
  the hidden solution makes it print ✅.

The server runs on a copy of the repository's top level (so JupyterLab's autosave never touches
the committed notebooks), with the project's own venv, on a port the system picks. Screenshots go
to a folder that every failure message names ($KERAS_NOTEBOOKS_SCREENSHOTS, or a new temp folder).
The browser is Debian's chromium (Playwright's own browser download cannot be had everywhere):
.ci/run installs it, as it installs Graphviz."""

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = "07_01_workflows_sequential.ipynb"
CHROMIUM = os.environ.get("KERAS_NOTEBOOKS_CHROMIUM") or shutil.which("chromium") \
    or shutil.which("chromium-browser")
# as the workplace's notes advise for a headless Chromium on a closed network, run as root
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
URL = re.compile(r"(http://127\.0\.0\.1:\d+)/lab/tree/notebooks\?token=")
TOP_LEVEL = ["Makefile", "README.md", "requirements.txt", "requirements-backends.txt",
             "requirements-lock.txt", "notebooks"]
# the prompts of code cells whose input shows ("[3]:"); a collapsed input shows no prompt ("")
PROMPTS = ("[...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')]"
           ".map(e => e.textContent.trim()).filter(t => t !== '')")


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def _missing_browser():
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (make test installs it)"
    if not CHROMIUM:
        return "no chromium on PATH (Debian: apt-get install chromium; .ci/run does it)"
    return None


def _start_lab(root: Path, work: Path, token: str):
    log_path = work / "lab.log"
    venv = Path(sys.executable).parent.parent
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(work / "config"), JUPYTER_RUNTIME_DIR=str(work / "runtime"),
               JUPYTER_DATA_DIR=str(work / "data"))
    flags = f"--no-browser --port=0 --ServerApp.token={token}"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(["make", "--no-print-directory", "lab", f"VENV={venv}", f"LAB_FLAGS={flags}"],
                                   cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    start = time.monotonic()
    while True:
        text = log_path.read_text(errors="replace")
        match = URL.search(text)
        if match:
            return process, match.group(1), log_path
        if process.poll() is not None or time.monotonic() - start > 90:
            _stop(process)
            pytest.fail(f"`make lab` did not start a server opening onto notebooks/:\n{text[-3000:]}")
        time.sleep(0.5)


def _stop(process):
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=20)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture
def shots():
    folder = Path(os.environ.get("KERAS_NOTEBOOKS_SCREENSHOTS")
                  or tempfile.mkdtemp(prefix="keras-notebooks-browser-"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_jupyterlab_runs_a_notebook_and_grades_an_exercise(tmp_path, shots):
    missing = _missing_browser()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the browser test cannot run in CI: {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    nb = json.loads((REPO / "notebooks" / NOTEBOOK).read_text(encoding="utf-8"))
    cells = nb["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    code_count = len(code)
    shown_prompts = [f"[{k}]:" for k, c in enumerate(code, 1)
                     if not c["metadata"].get("jupyter", {}).get("source_hidden")]
    failing = [i for i, c in enumerate(cells) if "raises-exception" in tags(c)]
    setup = [i for i, c in enumerate(cells) if "exercise-setup" in tags(c)]
    exercise = [i for i, c in enumerate(cells) if "exercise" in tags(c)][-1]
    wrong = cells[exercise]["metadata"]["wrong_answers"][0]
    wrong = wrong if isinstance(wrong, dict) else {"source": wrong, "hint": []}
    solution = re.search(r"```python\n(.*?)```", "".join(cells[exercise + 2]["source"]), re.S).group(1)

    root = tmp_path / "repo"
    root.mkdir()
    for name in TOP_LEVEL:  # copy2 keeps the times, so make sees the venv as up to date
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, root / name)
    token = secrets.token_hex(16)
    process, base, log_path = _start_lab(root, tmp_path, token)
    where = f"(screenshots in {shots}, server log in {log_path})"
    step = "start"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            notebook = page.locator(".jp-NotebookPanel .jp-Notebook").first
            dom_cells = page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell")

            def cell_text(i):
                return dom_cells.nth(i).locator(".jp-OutputArea").inner_text()

            def show(i):
                """Scroll cell i to the top of the notebook and let the browser paint it."""
                dom_cells.nth(i).evaluate("e => e.scrollIntoView({block: 'start'})")
                page.wait_for_timeout(800)

            def menu(top, item):
                page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{top}$")).first.click()
                page.locator(".lm-Menu-itemLabel", has_text=item).first.click()

            def run_in_editor(i, code):
                """Type code into cell i through the editor, run it and the check cell below."""
                dom_cells.nth(i).scroll_into_view_if_needed()
                dom_cells.nth(i).locator(".cm-content").click()
                page.keyboard.press("Control+a")
                page.keyboard.insert_text(code)
                typed = dom_cells.nth(i).locator(".cm-content").inner_text()
                assert typed.split() == code.split(), f"the editor holds {typed!r}"
                before = page.evaluate(PROMPTS)
                page.keyboard.press("Shift+Enter")  # runs the exercise cell, selects the check
                page.keyboard.press("Shift+Enter")  # runs the check cell
                page.wait_for_function(
                    f"() => {{ const p = {PROMPTS}; const b = {json.dumps(before)};"
                    " return p.filter((t, k) => t !== b[k] && /^\\[\\d+\\]:$/.test(t)).length >= 2; }")
                return cell_text(i + 1)

            try:
                step = "open JupyterLab"
                page.goto(f"{base}/?token={token}")
                listing = page.locator(".jp-DirListing-item", has_text=NOTEBOOK)
                listing.wait_for()
                assert page.url.endswith("/lab/tree/notebooks"), page.url
                page.wait_for_timeout(2000)  # the news question, if it came, comes at start-up
                page.screenshot(path=str(shots / "01-lab-opened.png"))
                assert page.get_by_text("official Jupyter news").count() == 0, "the news pop-up is shown"

                step = f"open {NOTEBOOK}"
                listing.dblclick()
                notebook.wait_for()
                page.locator(".jp-StatusBar-TextItem", has_text="Idle").first.wait_for(timeout=120_000)
                page.wait_for_function("n => document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell')"
                                       ".length === n", arg=len(cells))

                step = "the check functions are collapsed, the solutions closed"
                for i in setup:
                    assert dom_cells.nth(i).locator(".jp-InputPlaceholder").count() == 1, f"cell {i} is not collapsed"
                    assert not dom_cells.nth(i).locator(".cm-content").is_visible(), f"cell {i}'s code shows"
                details = notebook.locator("details")
                assert details.count() >= 2
                for k in range(details.count()):
                    assert details.nth(k).get_attribute("open") is None, "a solution is open"
                    assert not details.nth(k).locator("pre").first.is_visible(), "a solution's code shows"

                step = "clear outputs, run all"
                menu("Edit", "Clear Outputs of All Cells")
                page.wait_for_function(f"() => {PROMPTS}.every(t => t === '[ ]:')")
                assert notebook.locator(".jp-OutputArea-output").count() == 0
                menu("Run", "Run All Cells")
                page.wait_for_function(f"() => {PROMPTS}.every(t => /^\\[\\d+\\]:$/.test(t))", timeout=150_000)
                prompts = page.evaluate(PROMPTS)
                assert prompts == shown_prompts, prompts
                show(0)
                page.screenshot(path=str(shots / "02-07_01-after-run-all.png"))
                shown = [i for i in range(len(cells)) if cells[i]["cell_type"] == "code"
                         and "Traceback" in cell_text(i)]
                assert shown == failing, f"errors shown in cells {shown}; expected only in {failing}"

                step = "save, and read what JupyterLab saved"
                page.keyboard.press("Control+s")
                saved_path = root / "notebooks" / NOTEBOOK
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    saved = json.loads(saved_path.read_text(encoding="utf-8"))
                    counts = [c.get("execution_count") for c in saved["cells"] if c["cell_type"] == "code"]
                    if counts == list(range(1, code_count + 1)):
                        break
                    time.sleep(0.5)
                assert counts == list(range(1, code_count + 1)), counts
                errors = [i for i, c in enumerate(saved["cells"]) if c["cell_type"] == "code"
                          and any(o.get("output_type") == "error" for o in c.get("outputs", []))]
                assert errors == failing, f"saved error outputs in cells {errors}"

                step = "the exercise: the collapsed setup cell, then a wrong answer"
                show(setup[0] - 1)
                page.screenshot(path=str(shots / "03-exercise-section.png"))
                hint = run_in_editor(exercise, wrong["source"])
                show(exercise - 1)
                page.screenshot(path=str(shots / "04-exercise-wrong-answer.png"))
                assert "💡 힌트" in hint and "✅" not in hint, hint
                for part in wrong.get("hint", []):
                    assert part in hint, f"the hint should name {part!r}: {hint}"

                step = "the exercise: the solution"
                done = run_in_editor(exercise, solution)
                show(exercise - 1)
                page.screenshot(path=str(shots / "05-exercise-solved.png"))
                assert "✅ 정답" in done and "💡" not in done, done
            except Exception:
                page.screenshot(path=str(shots / "failure.png"))
                raise
            finally:
                browser.close()
    except Exception as error:
        raise AssertionError(f"browser test failed at '{step}' {where}: {error}") from error
    finally:
        _stop(process)
