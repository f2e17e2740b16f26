"""Screenshots of the real TensorBoard for notebook 07_06: its own run, shown in the Scalars,
Histograms and Projector dashboards, saved as figs/tensorboard_ui_*.png (07_06 shows them).

    make tensorboard-shots        (or: .venv/bin/python tools/tensorboard_screenshots.py)

The logs are the ones 07_06 writes into logs/tensorboard/. When they are missing (logs/ is not
committed), 07_06 is executed first with tests/execute_notebooks.py, exactly as `make execute`
does (it saves the notebook with its outputs). Then `tensorboard --logdir logs/tensorboard` is
started on 127.0.0.1 (the system picks a free port, read back from the server's start-up line),
Debian's Chromium is driven headless by Playwright, and the server is always stopped.

tests/test_tensorboard_browser.py imports the functions below and opens the same three dashboards
on a run it trains itself."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "07_06_tensorboard.ipynb"
LOGDIR = REPO / "logs" / "tensorboard"
FIGS = REPO / "figs"
CHROMIUM = os.environ.get("KERAS_NOTEBOOKS_CHROMIUM") or shutil.which("chromium") \
    or shutil.which("chromium-browser")
# the flags tests/test_browser.py uses: headless Chromium as root on a closed network
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ADDRESS = re.compile(r"TensorBoard [\d.]+ at (http://127\.0\.0\.1:\d+)/")
STARTUP_LIMIT = 60  # seconds
VIEWPORT = {"width": 1200, "height": 720}


@contextmanager
def tensorboard_server(logdir, stderr_path=None, cwd=None):
    """Start `tensorboard --logdir logdir` on 127.0.0.1 and a free port; yield its base URL.
    The page shows logdir as given: pass a relative one (and cwd) to keep machine paths out."""
    stderr_path = Path(stderr_path or tempfile.mkstemp(prefix="tensorboard-", suffix=".txt")[1])
    with open(stderr_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir),
             "--host", "127.0.0.1", "--port", "0", "--reload_interval", "0"],
            stdout=subprocess.DEVNULL, stderr=log, cwd=cwd)
        try:
            start = time.monotonic()
            while True:
                text = stderr_path.read_text(errors="replace")
                match = ADDRESS.search(text)
                if match:
                    break
                if process.poll() is not None or time.monotonic() - start > STARTUP_LIMIT:
                    raise RuntimeError(f"tensorboard did not start (stderr in {stderr_path}):\n{text[-2000:]}")
                time.sleep(0.25)
            yield match.group(1)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def browser_page(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        page = browser.new_page(viewport=VIEWPORT)
        page.set_default_timeout(30_000)
        yield page
    finally:
        browser.close()


def open_scalars(page, base, runs, tags, wait_for_tag):
    """The Scalars dashboard, runs and tags filtered by regular expressions, smoothing off."""
    page.goto(f"{base}/#scalars&regexInput={runs}&tagFilter={tags}"
              "&_smoothingWeight=0&_ignoreYOutliers=false")
    page.get_by_text(f"tag: {wait_for_tag}", exact=True).first.wait_for()
    outliers = page.get_by_role("checkbox", name="Ignore outliers in chart scaling")
    if outliers.get_attribute("aria-checked") == "true":  # show every point of a 3-epoch curve
        outliers.click()
    page.wait_for_timeout(1500)  # let the charts finish drawing their lines


def open_histograms(page, base, runs, tags, wait_for_tag):
    """The Histograms dashboard (offset mode: one ridge per step), filtered like open_scalars."""
    page.goto(f"{base}/#histograms&regexInput={runs}&tagFilter={tags}")
    page.get_by_text(f"tag: {wait_for_tag}", exact=True).first.wait_for()
    page.wait_for_timeout(1500)


def open_projector(page, base, points, search=None):
    """The Projector dashboard, once it has loaded a tensor of `points` rows, in 2-D PCA; with
    search="word" that point is selected and its nearest neighbours are listed. Returns the
    projector's frame (it runs in an iframe inside TensorBoard's plugin iframe)."""
    page.goto(f"{base}/#projector")
    deadline = time.monotonic() + STARTUP_LIMIT
    while not (frames := [f for f in page.frames if "projector_binary" in f.url]):
        if time.monotonic() > deadline:
            raise RuntimeError("the projector's frame never loaded")
        page.wait_for_timeout(250)
    frame = frames[0]
    count = frame.locator(".numDataPoints")
    count.filter(has_text=re.compile(f"^{points}$")).first.wait_for(timeout=STARTUP_LIMIT * 1000)
    frame.locator("#z-checkbox").click()  # PCA on two components: a flat picture
    if search:
        box = frame.get_by_label("Search").filter(visible=True).first
        box.fill(search)
        box.press("Enter")
        frame.get_by_text("Nearest points in the original space").first.wait_for()
    page.wait_for_timeout(2000)  # the view fades in
    return frame


def _needs_run():
    needed = [LOGDIR / "mnist_mlp" / "train", LOGDIR / "mnist_mlp" / "validation",
              LOGDIR / "ticket_words" / "train" / "vectors.tsv"]
    return [p for p in needed if not p.exists()]


def main():
    if not CHROMIUM:
        sys.exit("no chromium on PATH (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    missing = _needs_run()
    if missing:
        print(f"07_06's logs are missing ({missing[0].relative_to(REPO)}): executing 07_06 first "
              "(as `make execute` does; it saves the notebook with its outputs)", flush=True)
        subprocess.run([sys.executable, str(REPO / "tests" / "execute_notebooks.py"), str(NOTEBOOK)],
                       cwd=REPO, check=True)
    points = len((LOGDIR / "ticket_words" / "train" / "vectors.tsv").read_text().splitlines())
    FIGS.mkdir(exist_ok=True)
    shots = {
        "tensorboard_ui_scalars.png": lambda page, base: open_scalars(
            page, base, "mnist_mlp", "epoch_(loss%7Caccuracy)", "epoch_loss"),
        "tensorboard_ui_histograms.png": lambda page, base: open_histograms(
            page, base, "mnist_mlp", "kernel", "hidden/kernel/histogram"),
        "tensorboard_ui_projector.png": lambda page, base: open_projector(page, base, points, search="refund"),
    }
    with tensorboard_server(LOGDIR.relative_to(REPO), cwd=REPO) as base, sync_playwright() as playwright:
        print(f"tensorboard at {base}", flush=True)
        with browser_page(playwright) as page:
            for name, show in shots.items():
                show(page, base)
                clip = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": 520} \
                    if "projector" not in name else None
                page.screenshot(path=str(FIGS / name), clip=clip)
                print(f"figs/{name}: {(FIGS / name).stat().st_size / 1000:.0f} KB", flush=True)


if __name__ == "__main__":
    main()
