"""Write an "Open in Colab" badge into each notebook's header and into the README's table of
contents, pointing at the notebook's own path in the public repository.

    make colab-badges REPO=owner/name [BRANCH=main]

Running it again replaces the badges (another owner/name or branch); nothing else changes, so
the notebooks' outputs stay as they are and need no re-execution.
"""

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BADGE = re.compile(r" ?\[!\[Colab에서 열기\]\([^)]*\)\]\(https://colab\.research\.google\.com/github/[^)]*\)")


def badge(repo: str, branch: str, name: str) -> str:
    url = f"https://colab.research.google.com/github/{repo}/blob/{branch}/notebooks/{name}"
    return f"[![Colab에서 열기]({IMAGE})]({url})"


def update_notebook(path: Path, repo: str, branch: str) -> None:
    nb = nbformat.read(path, as_version=4)
    header = nb.cells[0]
    lines = header.source.split("\n")
    for i, line in enumerate(lines):
        if BADGE.search(line) and not BADGE.sub("", line).strip():
            del lines[i:i + 2]  # a previous badge line and the empty line after it
            break
    title, rest = lines[0], lines[1:]
    header.source = "\n".join([title, "", badge(repo, branch, path.name)] + rest)
    nbformat.write(nb, path)


def update_readme(readme: Path, repo: str, branch: str) -> None:
    text = readme.read_text(encoding="utf-8")
    head, toc = text.split("## 목차", 1)
    toc, tail = toc.split("\n## ", 1)
    rows = []
    for row in toc.split("\n"):
        row = BADGE.sub("", row)
        match = re.match(r"(\| \[[^\]]*\]\(notebooks/([^)]+)\))(.*)", row)
        if match:
            row = f"{match.group(1)} {badge(repo, branch, match.group(2))}{match.group(3)}"
        rows.append(row)
    readme.write_text(head + "## 목차" + "\n".join(rows) + "\n## " + tail, encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", help="owner/name of the public GitHub repository")
    parser.add_argument("--branch", default="main")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", args.repo):
        parser.error(f"REPO must look like owner/name, not {args.repo!r}")
    for path in sorted((args.root / "notebooks").glob("*.ipynb")):
        update_notebook(path, args.repo, args.branch)
    update_readme(args.root / "README.md", args.repo, args.branch)
    print(f"Colab badges now point at github.com/{args.repo} ({args.branch})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
