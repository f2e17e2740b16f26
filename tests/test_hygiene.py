"""Mechanical checks on every committed notebook and on the README's table of contents.
No kernel runs here; nbval (pytest --nbval) re-executes the notebooks separately."""

import json
import re
from pathlib import Path

import pytest

from nbenv import PENDING_REWORK
from run_exercises import HINT, layout, tags

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
README = REPO / "README.md"
MACHINE_PATHS = ("/root/", "/home/", "/work/", "/tmp/")
LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")
COLAB = re.compile(r"https://colab\.research\.google\.com/github/([\w.-]+/[\w.-]+)/blob/([\w.-]+)/([^)\s]+)")
MAX_BYTES = 600_000
DATA_FILE = re.compile(r"""["']([\w./-]+\.(?:png|jpg|csv|tsv|txt|npz|npy|keras|h5|json|pbtxt))["']""")
STRING = re.compile(r"""[fr]?["']([^"'\n]+)["']""")
WRITERS = (
    "savefig", ".save(", "save_weights", "np.save", "to_csv", "write_text", "write_bytes",
    "ModelCheckpoint", "CSVLogger", "TensorBoard", "plot_model", '"w"', "'w'", "export(",
)
# Files that a writer makes under a fixed name of its own, not one the notebook spells out.
PRODUCTS = {"TensorBoard(": [r"projector_config\.pbtxt", r"events\.out\.tfevents\..*"]}
# Names a notebook must not import: this repository's own Python modules.
LOCAL_MODULES = {p.stem for p in REPO.rglob("*.py")
                 if not any(part.startswith(".") for part in p.relative_to(REPO).parts)} | {"tests"}


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def readme_order():
    """The notebooks that the README's table of contents links to, in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## 목차", 1)[1].split("\n## ", 1)[0]
    names = []
    for _, target in LINK.findall(section):
        name = target.split("#")[0]
        if name.startswith("notebooks/") and name.endswith(".ipynb") and name not in names:
            names.append(name)
    return names


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found"


def test_readme_lists_exactly_the_notebooks_in_order():
    assert readme_order() == [f"notebooks/{p.name}" for p in NOTEBOOKS]


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def notebook(request):
    return request.param


def test_executed_top_to_bottom(notebook):
    counts = [c.get("execution_count") for c in code_cells(load(notebook))]
    assert counts == list(range(1, len(counts) + 1)), "run it top to bottom in a fresh kernel"


def test_committed_with_outputs_and_no_errors(notebook):
    cells = code_cells(load(notebook))
    assert any(c.get("outputs") for c in cells), "committed without outputs"
    for c in cells:
        source = "".join(c["source"])
        for out in c.get("outputs", []):
            if out.get("output_type") == "error":
                assert "raises-exception" in tags(c), f"error output in: {source[:80]}"


def test_test_markers_are_tags_not_comments(notebook):
    """A `# NBVAL_...` line is copied by a learner with the code; a cell tag is not."""
    for c in code_cells(load(notebook)):
        assert not re.search(r"#\s*NBVAL_", "".join(c["source"])), "use the cell tag instead"


def test_small_enough_to_read(notebook):
    if notebook.name in PENDING_REWORK:
        pytest.skip(PENDING_REWORK[notebook.name])
    assert notebook.stat().st_size < MAX_BYTES, "figure dpi or long logs: keep it under 600 KB"


def test_no_machine_paths(notebook):
    text = json.dumps(load(notebook)["cells"], ensure_ascii=False)
    for leak in MACHINE_PATHS:
        assert leak not in text, f"the machine path {leak} shows in the notebook"


def test_header_and_navigation(notebook):
    nb = load(notebook)
    order = [p.name for p in NOTEBOOKS]
    i = order.index(notebook.name)
    first = "".join(nb["cells"][0]["source"])
    last = "".join(nb["cells"][-1]["source"])
    assert nb["cells"][0]["cell_type"] == "markdown" and first.startswith("# "), "title first"
    assert "**다루는 절**" in first, "the book sections it covers"
    assert "**이 노트북에서 배우는 것**" in first, "what the notebook teaches"
    for cell in (first, last):
        targets = [t.split("#")[0] for _, t in LINK.findall(cell)]
        assert "../README.md" in targets, "a link to the table of contents"
        if i > 0:
            assert order[i - 1] in targets, "a link to the previous notebook"
        if i + 1 < len(order):
            assert order[i + 1] in targets, "a link to the next notebook"


def test_relative_links_resolve(notebook):
    for cell in load(notebook)["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for _, target in LINK.findall("".join(cell["source"])):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue
            path = (notebook.parent / target.split("#")[0]).resolve()
            assert path.exists(), f"broken link {target}"


def test_self_contained(notebook):
    """It imports nothing from this repository and reads only files it made itself.

    A file name in the code must match a string written in an earlier cell (or the same cell)
    that writes files: one with a known writer call, or a call to a function the notebook
    defined with one. f-string fields match anything (f"plot_at_epoch_{epoch}.png")."""
    writers = list(WRITERS)
    written = []
    for cell in code_cells(load(notebook)):
        source = "".join(cell["source"])
        for name in re.findall(r"^\s*(?:from|import)\s+([\w.]+)", source, re.M):
            assert name.split(".")[0] not in LOCAL_MODULES, f"imports the repo's {name}"
        assert "sys.path" not in source, "changes sys.path"
        assert "shared/" not in source, "reads the shared folder"
        if any(w in source for w in writers):
            writers += [f"{fn}(" for fn in re.findall(r"^def (\w+)\(", source, re.M)]
            written += [p for w, ps in PRODUCTS.items() if w in source for p in ps]
            for text in STRING.findall(source):
                parts = re.split(r"\{[^}]*\}", text)
                written.append(".*".join(re.escape(part) for part in parts))
        for name in DATA_FILE.findall(source):
            assert any(re.fullmatch(p, name) for p in written), f"reads {name} before making it"


def test_ignored_outputs_are_few(notebook):
    """nbval-ignore-output is for training logs and timings, not for whole notebooks."""
    cells = code_cells(load(notebook))
    ignored = [c for c in cells if "nbval-ignore-output" in tags(c)]
    assert len(ignored) <= len(cells) // 2


def test_exercises_have_their_three_parts(notebook):
    """2-3 exercises at the end: a cell to edit (with `...` and wrong answers for the test), a
    check cell, a hidden solution; committed unsolved, so every check shows a hint."""
    if notebook.name in PENDING_REWORK:
        pytest.skip(PENDING_REWORK[notebook.name])
    nb = load(notebook)
    _, _, exercises, problems = layout(nb)
    assert not problems, problems
    for ex in exercises:
        shown = "".join("".join(o.get("text", "")) for o in ex.check.get("outputs", []))
        assert HINT in shown, f"{ex.title}: the committed check should show the unsolved hint"
    last_nav = len(nb["cells"]) - 1
    assert all(nb["cells"].index(ex.check) < last_nav for ex in exercises)


def colab_targets(text):
    return [(repo, branch, path) for repo, branch, path in COLAB.findall(text)]


def test_colab_badges_point_at_their_own_notebook(notebook):
    text = "".join("".join(c["source"]) for c in load(notebook)["cells"] if c["cell_type"] == "markdown")
    for _, _, path in colab_targets(text):
        assert path == f"notebooks/{notebook.name}", f"a Colab badge points at {path}"


def test_readme_colab_badges_point_at_their_rows_notebook():
    section = README.read_text(encoding="utf-8").split("## 목차", 1)[1].split("\n## ", 1)[0]
    for row in section.splitlines():
        own = [t for _, t in LINK.findall(row) if t.startswith("notebooks/")]
        for _, _, path in colab_targets(row):
            assert own and path == own[0], f"README badge for {own} points at {path}"


# ---- The learner's screen (issue 25): machinery out of sight, a short version cell, one term per concept

FORM_TITLE = "#@title "
FOLDED_SENTENCE = "바로 아래의 접힌 셀은 확인 셀이 쓰는 채점 함수를 정의한다."


def test_check_functions_are_folded(notebook):
    """The exercise-setup cell (the check functions, whose hints would give the answers away) is
    collapsed in JupyterLab (jupyter.source_hidden) and a titled form in Colab (cellView form with
    a #@title first line), and the markdown above it tells the learner what it is."""
    cells = load(notebook)["cells"]
    setups = [i for i, c in enumerate(cells) if "exercise-setup" in tags(c)]
    assert setups, "no exercise-setup cell"
    for i in setups:
        cell = cells[i]
        assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True, "not collapsed"
        assert cell["metadata"].get("cellView") == "form", "not a Colab form"
        assert "".join(cell["source"]).startswith(FORM_TITLE), "first line: #@title ..."
        above = "".join(cells[i - 1]["source"])
        assert cells[i - 1]["cell_type"] == "markdown" and FOLDED_SENTENCE in above, \
            "the markdown above says what the folded cell does"


def test_folded_cells_are_folded_everywhere(notebook):
    """Any cell folded in JupyterLab is a titled form in Colab too, and the reverse."""
    for cell in load(notebook)["cells"]:
        if cell["cell_type"] != "code":
            continue
        hidden = cell["metadata"].get("jupyter", {}).get("source_hidden") is True
        form = cell["metadata"].get("cellView") == "form"
        titled = "".join(cell["source"]).startswith(FORM_TITLE)
        assert hidden == form == titled, f"folded in one place only: {''.join(cell['source'])[:60]!r}"


def test_install_cell_comes_first(notebook):
    """Issue 31: the first code cell brings the verified Keras (and KerasTuner) where the runtime's
    is missing or older, reading versions with importlib.metadata before anything imports Keras;
    it never downgrades, and refuses to install into a kernel that already imported Keras."""
    first = "".join(code_cells(load(notebook))[0]["source"])
    assert "import importlib.metadata as md" in first and "md.distributions(name=name)" in first and "< Version(tested)" in first
    assert not re.search(r"^\s*(import keras|from keras)", first, re.M), "no Keras import before the check"
    assert '"keras" in sys.modules' in first and "%pip install" in first
    assert not re.search(r"^\s*def ", first, re.M), "no helper functions in the install cell"
    assert len(first.strip().splitlines()) <= 18, "keep the install cell short"
    verified = dict(re.findall(r'"([a-z-]+)": "([0-9.]+)"', first.split("verified = ", 1)[1].split("\n", 1)[0]))
    second = "".join(code_cells(load(notebook))[1]["source"])
    assert f"케라스 {verified['keras']}" in second, "the install cell and the version line name one Keras"
    if "keras_tuner" in second:
        assert f"KerasTuner {verified['keras-tuner']}" in second


def test_version_line_is_one_short_cell(notebook):
    version_cell = "".join(code_cells(load(notebook))[1]["source"])
    assert "이 노트북의 출력을 만든 버전" in version_cell and "백엔드: " in version_cell, "the version line"
    assert not re.search(r"^\s*def ", version_cell, re.M), "no helper functions in the version cell"
    assert len(version_cell.strip().splitlines()) <= 14, "keep the version cell short"


def glossary():
    """(term, [variants]) from the README's 용어 table."""
    section = README.read_text(encoding="utf-8").split("## 용어", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and line.startswith("|") and not set(cells[0]) <= set("-") \
                and cells[0] != "이 모음의 용어":
            rows.append((cells[0], [v.strip() for v in cells[2].split(",") if v.strip()]))
    return rows


def test_glossary_is_read():
    terms = dict(glossary())
    assert terms.get("메서드") == ["메소드"] and len(terms) >= 10


def test_one_term_per_concept(notebook):
    """Markdown, code (comments and strings) and printed text use the glossary's terms only."""
    found = []
    for k, cell in enumerate(load(notebook)["cells"]):
        texts = ["".join(cell["source"])]
        for out in cell.get("outputs", []):
            texts.append("".join(out.get("text", "")))
            texts.append("".join(out.get("data", {}).get("text/plain", "")))
        text = "\n".join(texts)
        for term, variants in glossary():
            for variant in variants:
                if variant in text:
                    found.append(f"cell {k}: '{variant}' (write '{term}')")
    assert not found, "; ".join(found)
