"""The notebooks: each teaches (learning goals, prerequisites, exercises with collapsed solutions),
runs top to bottom in small mode without an error or a library warning, and is committed with
the outputs of that run (so that it renders where the repository is browsed).

``python notebooks/execute.py`` re-executes them (small mode) and writes the outputs back.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
TEACHING = [p for p in NOTEBOOKS if re.match(r"0[1-7]_", p.name)]
WARNING = re.compile(r"\w*Warning\b")


def stderr_text(notebook) -> list[str]:
    """The stderr streams of every code cell (where Python's warnings are printed)."""
    return [
        o.text
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "stream" and o.name == "stderr"
    ]


def errors(notebook) -> list[str]:
    return [
        f"{o.ename}: {o.evalue}"
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_without_errors_or_warnings(path, tmp_path, monkeypatch):
    monkeypatch.setenv("GAMEDYN_SMALL", "1")
    # the kernel's own inline backend, as when the notebook is read: with Agg, plt.show() warns
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.chdir(tmp_path)  # anything a notebook writes lands here
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    assert not errors(notebook)
    warned = [text for text in stderr_text(notebook) if WARNING.search(text)]
    assert not warned, warned


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_executed_without_errors_or_warnings(path):
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    if path in TEACHING:  # the tutorials are committed executed; others may be too
        assert all(c.execution_count is not None for c in code), f"{path.name}: not executed"
    assert not errors(notebook)
    assert not [t for t in stderr_text(notebook) if WARNING.search(t)]
    assert path.stat().st_size < 600_000, f"{path.name}: outputs too large (lower the dpi)"


@pytest.mark.parametrize("path", TEACHING, ids=lambda p: p.stem)
def test_notebook_teaches(path):
    notebook = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "**Learning goals.**" in text and "**Prerequisites.**" in text, path.name
    start = next(i for i, c in enumerate(notebook.cells) if "## Exercises" in c.source)
    after = notebook.cells[start:]
    solutions = [c for c in after if "solution" in c.metadata.get("tags", [])]
    collapsed = [c for c in after if c.cell_type == "markdown" and "<details>" in c.source]
    assert 2 <= len(solutions) <= 4, path.name
    assert len(collapsed) == len(solutions)
    assert all("hide-input" in c.metadata["tags"] for c in solutions)


def test_there_are_notebooks():
    assert {p.stem for p in NOTEBOOKS} >= {"02_dirac_gan"}
