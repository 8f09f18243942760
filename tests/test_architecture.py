"""The layout holds: layers import downwards only, no cycles, a light ``import gamedyn``, every
public module states ``__all__``, the CLI's ``--help`` works (the names the README and the docs
give: tests/test_docs.py),
and ``which`` means ARPACK's ``which`` everywhere eigenvalues are selected."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gamedyn
from gamedyn import vocabulary
from gamedyn.analysis import rank_spread
from gamedyn.games import Quadratic
from gamedyn.spectrum import (
    Arpack,
    KrylovSchur,
    eigenvalues,
    schur_complement_eigenvalues,
    top_eigenvalues,
)

PACKAGE = Path(gamedyn.__file__).parent
ROOT = PACKAGE.parent
MODULES = sorted(
    m.name for m in pkgutil.walk_packages([str(PACKAGE)], "gamedyn.") if ".__main__" not in m.name
)


def _module_imports(name: str) -> set[str]:
    """The gamedyn modules ``name`` imports at module level (not inside functions)."""
    path = Path(importlib.util.find_spec(name).origin)
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in tree.body:
        if isinstance(node, ast.If):  # `if TYPE_CHECKING:` blocks do not run
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("gamedyn"):
                for alias in node.names:  # `from . import games` imports the module games
                    submodule = f"{target}.{alias.name}"
                    found.add(submodule if submodule in MODULES else target)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("gamedyn")}
    return found - {name}


GRAPH = {name: _module_imports(name) for name in MODULES}


def test_there_is_no_import_cycle():
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for other in sorted(GRAPH.get(name, ())):
            if other not in GRAPH:
                continue
            if state.get(other) == 1:
                raise AssertionError(" -> ".join(path + [name, other]))
            if other not in state:
                visit(other, path + [name])
        state[name] = 2

    for name in MODULES:
        if name not in state:
            visit(name, [])


LAYERS = {  # a layer may import only the layers listed (and gamedyn's leaf modules)
    "gamedyn.linalg": set(),  # game-free: numpy, scipy and torch only
    "gamedyn.games": set(),
    "gamedyn.methods": set(),
    "gamedyn.backends": {"gamedyn.games", "gamedyn.methods", "gamedyn.linalg"},
    "gamedyn.spectrum": {"gamedyn.games", "gamedyn.methods", "gamedyn.backends", "gamedyn.linalg"},
    "gamedyn.nonnormal": {
        "gamedyn.games",
        "gamedyn.methods",
        "gamedyn.backends",
        "gamedyn.linalg",
        "gamedyn.spectrum",
    },
    "gamedyn.analysis": {
        "gamedyn.games",
        "gamedyn.methods",
        "gamedyn.backends",
        "gamedyn.linalg",
        "gamedyn.spectrum",
        "gamedyn.nonnormal",
    },
    "gamedyn.regions": {"gamedyn.games", "gamedyn.methods", "gamedyn.spectrum"},
    "gamedyn.stochastic": {
        "gamedyn.games",
        "gamedyn.methods",
        "gamedyn.backends",
        "gamedyn.linalg",
        "gamedyn.spectrum",
    },
    # the figures' numbers: above the library, below gamedyn.figures (which only draws)
    "gamedyn.experiments": {
        "gamedyn.games",
        "gamedyn.methods",
        "gamedyn.backends",
        "gamedyn.linalg",
        "gamedyn.spectrum",
        "gamedyn.nonnormal",
        "gamedyn.analysis",
        "gamedyn.regions",
        "gamedyn.stochastic",
        "gamedyn.examples",
        "gamedyn.checkpoints",
    },
}
LEAVES = {"gamedyn._validate", "gamedyn._atomic", "gamedyn._autograd", "gamedyn.vocabulary"}


@pytest.mark.parametrize("layer", LAYERS)
def test_layers_import_downwards_only(layer):
    allowed = LAYERS[layer] | {layer} | LEAVES
    for name in MODULES:
        if name == layer or name.startswith(layer + "."):
            for target in GRAPH[name]:
                top = ".".join(target.split(".")[:2])
                assert top in allowed or target in allowed, f"{name} imports {target}"


def test_linalg_is_game_free():
    """Every import in gamedyn.linalg, at module level or inside functions, is numpy, scipy,
    torch, the standard library or gamedyn's leaf modules: no game, method or backend."""
    allowed_third = {"numpy", "scipy", "torch"}
    for path in sorted((PACKAGE / "linalg").glob("*.py")):
        package = "gamedyn.linalg"
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                targets = [target]
                if target == "gamedyn":  # `from .. import _validate` imports gamedyn._validate
                    targets = [f"gamedyn.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for target in targets:
                top = target.split(".")[0]
                if top == "gamedyn":
                    assert target.startswith("gamedyn.linalg") or target in LEAVES, (
                        f"{path.name} imports {target}"
                    )
                else:
                    assert top in allowed_third or top in sys.stdlib_module_names, (
                        f"{path.name} imports {target}"
                    )


def test_the_library_never_imports_the_outer_layer():
    outer = ("gamedyn.cli", "gamedyn.figures", "gamedyn.plot")  # gamedyn.experiments is below
    for name in MODULES:
        if not name.startswith(outer):
            bad = [t for t in GRAPH[name] if t.startswith(outer)]
            assert not bad, f"{name} imports {bad}"


def _fresh_imports(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys; print(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


def test_import_gamedyn_loads_neither_sympy_nor_matplotlib():
    """``import gamedyn`` loads nothing heavy; its subpackages and names, loaded on first use,
    load neither sympy nor matplotlib."""
    assert "torch" not in _fresh_imports("import gamedyn")
    loaded = _fresh_imports("import gamedyn\nfor name in dir(gamedyn): getattr(gamedyn, name)")
    assert {"gamedyn.spectrum", "gamedyn.regions", "torch"} <= loaded
    assert not {m for m in loaded if m.split(".")[0] in ("sympy", "matplotlib")}
    assert "scipy.optimize" not in loaded


@pytest.mark.slow
def test_the_figures_numbers_need_no_matplotlib():
    loaded = _fresh_imports(
        "import gamedyn.figures; import gamedyn.experiments as e\n"
        "e.momentum_rows(); e.lookahead_panels(); e.bilinear_rates()"
    )
    assert not {m for m in loaded if m.split(".")[0] == "matplotlib"}


@pytest.mark.parametrize("name", MODULES)
def test_every_public_module_states_all(name):
    if any(part.startswith("_") for part in name.split(".")):
        return
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), name
    for public in module.__all__:
        assert hasattr(module, public), f"{name}.__all__ names {public!r}, which is missing"


def test_the_command_line_is_thin():
    """Each command parses, calls the library and saves: ``cli/`` stays under 700 lines, and its
    command modules are private (the command line is its surface, not their names)."""
    files = sorted((PACKAGE / "cli").glob("*.py"))
    assert sum(len(f.read_text().splitlines()) for f in files) < 700
    assert all(f.name.startswith("_") for f in files)


@pytest.mark.slow
@pytest.mark.parametrize("command", [[], ["figures"], ["spectrum"], ["path-angle"]])
def test_help_works_for_every_command(command):
    out = subprocess.run(
        [sys.executable, "-m", "gamedyn", *command, "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("usage: gamedyn") and "Traceback" not in out.stderr


@pytest.mark.slow
def test_python_m_gamedyn_examples_help():
    out = subprocess.run(
        [sys.executable, "-m", "gamedyn.examples", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0 and "mixture" in out.stdout


# --- which: ARPACK's meaning everywhere ---------------------------------------------------------

# J = blocks [[a, b], [−b, c]]: eigenvalues 0.1 ± 3i, 0.2 ± 1i and the reals 0.5, 0.7, 2, 3. By
# the signed imaginary part "LI" would take 0.1 + 3i and 0.2 + 1i; ARPACK takes the pair 0.1 ± 3i.
A_XX, A_YY, B = [0.1, 0.2, 0.5, 2.0], [0.1, 0.2, 0.7, 3.0], [3.0, 1.0, 0.0, 0.0]
SPECTRUM = Quadratic(np.diag(A_XX), np.diag(A_YY), np.diag(B), -np.diag(B))
LARGEST_PAIR = {0.1 + 3j, 0.1 - 3j}
REALS = {0.5, 0.7, 2.0, 3.0}


def _as_set(values) -> set[complex]:
    return {complex(round(w.real, 8), round(w.imag, 8)) for w in values}


def test_the_vocabulary_selects_by_absolute_imaginary_part():
    values = eigenvalues(SPECTRUM)
    assert _as_set(vocabulary.select(values, 2, "LI")) == LARGEST_PAIR
    assert _as_set(vocabulary.select(values, 4, "SI")) == REALS
    assert np.all(vocabulary.which_score([1 + 2j, 1 - 2j], "LI") == 2)


@pytest.mark.parametrize("solver", [KrylovSchur(), Arpack()], ids=["krylov-schur", "arpack"])
def test_top_eigenvalues_li_si(solver):
    top = top_eigenvalues(SPECTRUM, k=2, which="LI", solver=solver.replace(tol=1e-12))
    assert _as_set(top.values) == LARGEST_PAIR
    top = top_eigenvalues(SPECTRUM, k=4, which="SI", solver=solver.replace(tol=1e-12))
    assert _as_set(top.values) == REALS


def _schur_game(M: np.ndarray) -> Quadratic:
    """A game whose Schur complement ``J_xx − J_xy J_yy⁻¹ J_yx`` is ``M`` (``J_yy = I``)."""
    n = M.shape[0]
    return Quadratic(np.zeros((n, n)), np.eye(n), np.eye(n), -M)


@pytest.mark.parametrize("n", [6, 12])  # the dense path and the ARPACK path
def test_schur_complement_li_si(n):
    blocks = [np.array([[0.1, 3.0], [-3.0, 0.1]]), np.array([[0.2, 1.0], [-1.0, 0.2]])]
    reals = np.linspace(0.5, 1.5, n - 4)
    M = np.zeros((n, n))
    M[:2, :2], M[2:4, 2:4] = blocks
    M[4:, 4:] = np.diag(reals)
    q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((n, n)))
    game = _schur_game(q @ M @ q.T)
    assert _as_set(schur_complement_eigenvalues(game, 2, "LI", z=np.zeros(2 * n))) == LARGEST_PAIR
    si = schur_complement_eigenvalues(game, 2, "SI", z=np.zeros(2 * n))
    assert np.abs(si.imag).max() < 1e-8 and set(np.round(si.real, 8)) <= set(np.round(reals, 8))


def test_rank_spread_sorts_li_si_by_absolute_imaginary_part():
    rows = np.array([[0.1 + 3j, 0.1 - 3j, 0.5], [0.2 + 1j, 0.2 - 1j, 0.7]])
    mean, _ = rank_spread(rows, "LI")
    np.testing.assert_allclose(mean, [2.0, 2.0, 0.0])
    mean, _ = rank_spread(rows, "SI")
    np.testing.assert_allclose(mean, [0.0, 2.0, 2.0])
