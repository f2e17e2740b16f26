"""The real TensorBoard in a real browser: a short training run with the TensorBoard callback
(plus the projector TSV files, written the way notebook 07_06 writes them), served by
`tensorboard` on 127.0.0.1 and a free port, opened in headless Chromium through Playwright with
the same functions that make 07_06's screenshots (tools/tensorboard_screenshots.py):

- the Scalars dashboard shows the run's `epoch_loss` and `epoch_accuracy` charts for
  tiny/train and tiny/validation;
- the Histograms dashboard shows the `tiny/hidden/kernel/histogram` chart of tiny/train (a
  Sequential model's weight paths start with its name);
- the Projector dashboard loads the `word_embedding` tensor (all its points) with its word
  labels, and searching a word lists its nearest neighbours.

As in tests/test_browser.py, a missing Chromium or Playwright skips the test, except in CI
(CI=true), where it fails. Screenshots of each dashboard go to $KERAS_NOTEBOOKS_SCREENSHOTS (or
a new temp folder), named in every failure message with the server's stderr."""

import importlib.util
import os
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SPEC = importlib.util.spec_from_file_location("tensorboard_screenshots", REPO / "tools" / "tensorboard_screenshots.py")
shots_tool = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(shots_tool)

from tiny_tensorboard_run import WORDS, write_run  # noqa: F401


def _missing_browser():
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (make test installs it)"
    if not shots_tool.CHROMIUM:
        return "no chromium on PATH (Debian: apt-get install chromium; .ci/run does it)"
    return None


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    """Train a tiny word model for 3 epochs with the TensorBoard callback (weight histograms
    on), then write its word embeddings for the projector as notebook 07_06 does."""
    logdir = tmp_path_factory.mktemp("tensorboard-browser")
    write_run(logdir)
    return logdir


def test_dashboards_show_the_run(logdir, tmp_path):
    missing = _missing_browser()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the TensorBoard browser test cannot run in CI: {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("KERAS_NOTEBOOKS_SCREENSHOTS")
                 or tempfile.mkdtemp(prefix="keras-notebooks-tensorboard-"))
    shots.mkdir(parents=True, exist_ok=True)
    stderr = tmp_path / "tensorboard-stderr.txt"
    step = "start tensorboard"
    start = time.monotonic()
    try:
        with shots_tool.tensorboard_server(logdir, stderr_path=stderr) as base, \
                sync_playwright() as playwright, shots_tool.browser_page(playwright) as page:
            try:
                step = "Scalars: the run's epoch_loss and epoch_accuracy"
                shots_tool.open_scalars(page, base, "tiny", "epoch_(loss%7Caccuracy)", "epoch_loss")
                page.screenshot(path=str(shots / "tensorboard-scalars.png"))
                for tag in ["epoch_loss", "epoch_accuracy"]:
                    assert page.get_by_text(f"tag: {tag}", exact=True).first.is_visible(), f"no {tag} chart"
                for run in ["tiny/train", "tiny/validation"]:
                    assert page.get_by_text(run, exact=True).first.is_visible(), f"run {run} not listed"

                step = "Histograms: the hidden layer's kernel"
                shots_tool.open_histograms(page, base, "tiny", "kernel", "tiny/hidden/kernel/histogram")
                page.screenshot(path=str(shots / "tensorboard-histograms.png"))
                assert page.get_by_text("tag: tiny/hidden/kernel/histogram", exact=True).first.is_visible()

                step = "Projector: the word_embedding tensor with its labels"
                frame = shots_tool.open_projector(page, base, len(WORDS), search="refund")
                page.screenshot(path=str(shots / "tensorboard-projector.png"))
                fields = frame.locator("input").evaluate_all("inputs => inputs.map(i => i.value)")
                assert "word_embedding" in fields, f"the tensor chooser shows {fields}"
                assert frame.locator(".numDataPoints").first.inner_text().strip() == str(len(WORDS))
                neighbours = frame.get_by_text("Nearest points in the original space").first
                assert neighbours.is_visible(), "searching 'refund' listed no neighbours"
                listed = [w for w in WORDS if w != "refund"
                          and frame.get_by_text(w, exact=True).filter(visible=True).count()]
                assert len(listed) >= 5, f"the neighbours listed are {listed}: no word labels"
            except Exception:
                page.screenshot(path=str(shots / "failure.png"))
                raise
    except Exception as error:
        log = stderr.read_text(errors="replace")[-2000:] if stderr.exists() else ""
        raise AssertionError(f"TensorBoard browser test failed at '{step}' (screenshots in {shots}): "
                             f"{error}\ntensorboard stderr:\n{log}") from error
    print(f"\nthree dashboards checked in {time.monotonic() - start:.1f} s (screenshots in {shots})")
