"""`make colab-badges REPO=owner/name` writes badges that point at each notebook's own path,
and running it again with another repository replaces them instead of adding more."""

import json
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

import colab_badges  # noqa: E402
from test_hygiene import colab_targets  # noqa: E402


def test_badges_point_at_their_own_notebooks_and_replace_earlier_ones(tmp_path):
    shutil.copytree(REPO / "notebooks", tmp_path / "notebooks")
    shutil.copy(REPO / "README.md", tmp_path / "README.md")
    for repo in ("first/try", "owner/keras-notebooks"):
        assert colab_badges.main([repo, "--root", str(tmp_path)]) == 0
    notebooks = sorted((tmp_path / "notebooks").glob("*.ipynb"))
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        header = "".join(nb["cells"][0]["source"])
        assert colab_targets(header) == [("owner/keras-notebooks", "main", f"notebooks/{path.name}")]
        original = json.loads((REPO / "notebooks" / path.name).read_text(encoding="utf-8"))
        assert [c.get("outputs") for c in nb["cells"]] == [c.get("outputs") for c in original["cells"]]
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    targets = colab_targets(readme)
    assert [t[2] for t in targets] == [f"notebooks/{p.name}" for p in notebooks]
    assert {t[0] for t in targets} == {"owner/keras-notebooks"}
