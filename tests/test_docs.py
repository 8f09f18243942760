"""The README as the front page and the documentation's sources: the README is short, starts with
the two commands, and every link in it resolves; every ``gamedyn.x.y`` the README and the docs
name exists; the public API list names existing public objects and the generated reference
documents every one of them. (The site itself is built and checked in a browser by
``docs/check_site.py``, run by ``.ci/run``.)"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text()
PAGES = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)
COMMANDS = """\
# 1. install and run the main job: regenerate figures/ from the built-in examples
pip install torch==2.13.0 && pip install -e . && gamedyn figures

# 2. install and pass the tests
pip install torch==2.13.0 && python -m pip install -e '.[test]' && python -m pytest -q
"""


def _slug(heading: str) -> str:
    """GitHub's and MyST's anchor of a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    return {_slug(m) for m in re.findall(r"^#+ (.+)$", path.read_text(), flags=re.M)}


def _links(text: str) -> list[str]:
    """The targets of the Markdown links and images of ``text`` (code spans excluded)."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    return re.findall(r"\]\(([^)\s]+)\)", text)


def test_readme_is_a_front_page_of_at_most_200_lines():
    assert len(README.splitlines()) <= 200
    assert README.startswith("# gamedyn\n")
    # the two commands come first, exactly
    first_block = README.split("```bash\n", 1)[1].split("```", 1)[0]
    assert first_block == COMMANDS


@pytest.mark.parametrize("source", [ROOT / "README.md", *PAGES], ids=lambda p: p.name)
def test_every_relative_link_resolves(source):
    for link in _links(source.read_text()):
        if re.match(r"[a-z]+://", link) or link.startswith("mailto:"):
            continue
        target, _, anchor = link.partition("#")
        path = (source.parent / target).resolve() if target else source
        assert path.exists(), f"{source.name} links to {link}, which does not exist"
        if anchor and path.suffix == ".md":
            assert anchor in _anchors(path), f"{source.name}: no heading #{anchor} in {target}"


def _exists(dotted: str) -> bool:
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):  # the longest importable prefix, then attributes
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attribute in parts[i:]:
            if not hasattr(obj, attribute):
                return False
            obj = getattr(obj, attribute)
        return True
    return False


def _dotted_names(text: str) -> set[str]:
    return set(re.findall(r"`(gamedyn(?:\.[A-Za-z_][A-Za-z0-9_]*)+)", text))


def test_every_dotted_name_in_the_readme_and_the_docs_exists():
    names = _dotted_names(README)
    for page in PAGES:
        names |= _dotted_names(page.read_text())
    assert len(names) > 30
    # the monitoring page is written from the monitor's contract: checked once it has landed
    monitoring = _dotted_names((DOCS / "guide" / "monitoring.md").read_text())
    landed = _exists("gamedyn.monitor")
    missing = []
    for dotted in sorted(names):
        if dotted in monitoring and not landed:
            continue
        if not _exists(dotted):
            missing.append(dotted)
    assert not missing, f"named in the README or docs/, but do not exist: {missing}"


sys.path.insert(0, str(DOCS))
import api_pages  # noqa: E402

SECTIONS = api_pages.read(DOCS / "public_api.txt")
LISTED = [name for _, names in SECTIONS for name in names]


def test_the_public_api_list_names_public_objects_once():
    assert len(LISTED) == len(set(LISTED)), "a name is listed twice"
    for dotted in LISTED:
        module_name, name = dotted.rsplit(".", 1)
        module = importlib.import_module(module_name)
        assert name in getattr(module, "__all__", ()), f"{dotted} is not in {module_name}.__all__"
        assert not any(part.startswith("_") for part in dotted.split(".")), dotted


def test_the_generated_reference_documents_every_listed_name(tmp_path):
    pytest.importorskip("sphinx", reason="the docs extra: pip install -e '.[docs]'")
    written = api_pages.write(DOCS / "public_api.txt", tmp_path)
    text = "\n".join(p.read_text() for p in written)
    for dotted in LISTED:
        assert re.search(rf"^\.\. (auto\w+|py:data):: {re.escape(dotted)}$", text, re.M), dotted
    assert len(written) == len(SECTIONS) + 1


def test_every_listed_name_has_a_docstring():
    pytest.importorskip("sphinx", reason="the docs extra: pip install -e '.[docs]'")
    import inspect

    undocumented = []
    for dotted in LISTED:
        obj = api_pages.resolve(dotted)
        if inspect.isclass(obj) or inspect.isroutine(obj) or inspect.ismodule(obj):
            documented = bool((obj.__doc__ or "").strip())
        else:  # a constant: the docstring written under its assignment
            documented = bool(api_pages._attribute_doc(dotted))
        if not documented:
            undocumented.append(dotted)
    assert not undocumented, f"listed in docs/public_api.txt without a docstring: {undocumented}"


def test_the_gallery_page_is_up_to_date(tmp_path):
    import gallery_page

    fresh = gallery_page.write(ROOT, tmp_path / "gallery.md").read_text()
    assert (DOCS / "gallery.md").read_text() == fresh, (
        "docs/gallery.md is stale: regenerate it with `python docs/gallery_page.py`"
    )


def test_every_test_and_benchmark_file_the_docs_name_exists():
    text = README + "".join(page.read_text() for page in PAGES)
    named = set(re.findall(r"\b((?:tests|benchmarks)/[A-Za-z_]+\.py)\b", text))
    assert named, "the docs name the tests and benchmarks that check their numbers"
    assert not [f for f in sorted(named) if not (ROOT / f).exists()]
