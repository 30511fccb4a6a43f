"""The docs: a short README that links every page under docs/, and a config page whose key table is the one the
schema generates."""

import re
import sys
from pathlib import Path

from conftest import ROOT

DOCS = ROOT / "docs"
sys.path.insert(0, str(ROOT / "scripts"))

import config_table  # noqa: E402

GENERATED = {"benchmarks.md"}  # written by scripts/bench.py; README links it, but it need not link back
LINK = re.compile(r"\]\(([^)\s]+)\)|\bsrc=\"([^\"]+)\"")


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _links(text: str) -> list[str]:
    """Link and image targets of a Markdown text, outside code blocks."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return [a or b for a, b in LINK.findall(text)]


def _anchors(text: str) -> set[str]:
    """GitHub's anchors for the headings of a Markdown text."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    headings = re.findall(r"^#+ +(.+?) *$", text, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def test_config_doc_table_is_current():
    doc = _read(DOCS / "config.md")
    assert config_table.table() in doc, "regenerate it: python scripts/config_table.py --write"
    assert config_table.with_table(doc) == doc
    for key in config_table.config_keys():
        assert f"`{key}`" in doc, key


def test_config_table_is_replaced_in_place():
    table = "| key | default | meaning |\n| --- | --- | --- |\n| `old.key` | `1` | gone |\n"
    stale = f"# Config\n\nbefore\n\n{table}\nafter\n"
    fresh = config_table.with_table(stale)
    assert fresh == f"# Config\n\nbefore\n\n{config_table.table()}\n\nafter\n"
    assert config_table.with_table(fresh) == fresh


def test_readme_opens_with_the_two_commands():
    head = _read(ROOT / "README.md")[:600]
    assert "make train" in head and "make test" in head


def test_readme_is_short():
    lines = _read(ROOT / "README.md").count("\n")
    assert lines <= 200, f"README.md has {lines} lines; reference material belongs under docs/"


def test_readme_links_every_docs_page():
    linked = {target.split("#")[0] for target in _links(_read(ROOT / "README.md")) if target.startswith("docs/")}
    for target in linked:
        assert (ROOT / target).is_file(), f"README links {target}, which does not exist"
    pages = {f"docs/{page.name}" for page in DOCS.glob("*.md") if page.name not in GENERATED}
    assert pages <= linked, f"README does not link {sorted(pages - linked)}"


def test_relative_links_resolve():
    """Every relative link and image in README.md and docs/*.md names a file that exists, and an anchor that
    one of its headings makes."""
    for page in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        for target in _links(_read(page)):
            if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            assert linked.is_file(), f"{page.relative_to(ROOT)} links {target}, which does not exist"
            if anchor and linked.suffix == ".md":
                assert anchor in _anchors(_read(linked)), f"{page.relative_to(ROOT)} links {target}: no such heading"
