"""The solver as one object (gamedyn.spectrum.KrylovSchur, Arpack): validated when built, the
options of every solve, one operator per call."""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np
import pytest
import torch
from helpers import tiny_gan

from gamedyn.games import Bilinear
from gamedyn.methods import GDA, ExtraGradient
from gamedyn.spectrum import (
    Arpack,
    JacobianOperator,
    KrylovSchur,
    eigenvalues,
    solve_top,
    top_eigenvalues,
)
from gamedyn.spectrum import _operator as operator_module
from gamedyn.vocabulary import select


def test_top_eigenvalues_takes_at_most_eight_parameters():
    parameters = inspect.signature(top_eigenvalues).parameters
    assert len(parameters) <= 8
    assert list(parameters)[:6] == ["game", "k", "which", "method", "z", "solver"]
    assert parameters["k"].default == 6 and parameters["which"].default == "LM"
    assert parameters["solver"].default == KrylovSchur()


def test_defaults():
    s = KrylovSchur()
    assert (s.tol, s.ncv, s.max_restarts, s.mode, s.route, s.precision) == (
        1e-10,
        None,
        300,
        "auto",
        "auto",
        None,
    )
    a = Arpack()
    assert (a.tol, a.ncv, a.max_restarts, a.mode, a.precision) == (1e-10, None, None, "auto", None)
    assert not hasattr(a, "route")
    assert s.name == "krylov-schur" and a.name == "arpack"


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda: KrylovSchur(tol=0.0), ValueError, ("tol", "0.0")),
        (lambda: KrylovSchur(tol=float("nan")), ValueError, ("tol", "nan")),
        (lambda: KrylovSchur(tol="1e-8"), TypeError, ("tol", "'1e-8'")),
        (lambda: KrylovSchur(ncv=2), ValueError, ("ncv", "2")),
        (lambda: KrylovSchur(ncv=20.0), TypeError, ("ncv", "20.0")),
        (lambda: KrylovSchur(ncv=True), TypeError, ("ncv", "True")),
        (lambda: KrylovSchur(max_restarts=-1), ValueError, ("max_restarts", "-1")),
        (lambda: KrylovSchur(max_restarts=None), TypeError, ("max_restarts", "None")),
        (lambda: Arpack(max_restarts=0), ValueError, ("max_restarts", "0")),
        (lambda: KrylovSchur(mode="backward"), ValueError, ("mode", "'backward'")),
        (lambda: KrylovSchur(route="sideways"), ValueError, ("route", "'sideways'")),
        (lambda: KrylovSchur(precision="float16"), ValueError, ("precision", "'float16'")),
        (lambda: Arpack(precision=64), ValueError, ("precision", "64")),
        (lambda: KrylovSchur(solve_tol=-1.0), ValueError, ("solve_tol", "-1.0")),
        (lambda: KrylovSchur(solve_iterations=0), ValueError, ("solve_iterations", "0")),
        (lambda: Arpack(route="jacobian"), TypeError, ("route",)),
        (lambda: KrylovSchur(accelerate="chebyshev"), TypeError, ("accelerate",)),
        (lambda: KrylovSchur().replace(ncv=1), ValueError, ("ncv", "1")),
        (lambda: KrylovSchur().replace(betta=1), TypeError, ("betta",)),
    ],
)
def test_bad_fields_are_refused_when_built(make, error, words):
    with pytest.raises(error) as err:
        make()
    for word in words:
        assert word in str(err.value)


def test_a_solver_is_frozen_comparable_and_recorded():
    s = KrylovSchur(tol=1e-8, ncv=40)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.tol = 1e-3
    assert s == KrylovSchur(tol=1e-8, ncv=40) and s != KrylovSchur(tol=1e-8)
    assert s.replace(ncv=60) == KrylovSchur(tol=1e-8, ncv=60) and s.ncv == 40
    assert s.to_dict()["solver"] == "krylov-schur" and s.to_dict()["ncv"] == 40
    assert hash(s) == hash(KrylovSchur(tol=1e-8, ncv=40))


def test_strings_and_old_keywords_are_refused():
    game = Bilinear(np.diag([3.0, 2.0, 1.0]))
    with pytest.raises(TypeError, match="KrylovSchur"):
        top_eigenvalues(game, k=2, solver="arpack")
    with pytest.raises(TypeError, match="tol"):
        top_eigenvalues(game, k=2, tol=1e-8)
    with pytest.raises(TypeError, match="accelerate"):
        top_eigenvalues(game, k=2, accelerate="chebyshev")


def _count_operators(monkeypatch) -> list[JacobianOperator]:
    built: list[JacobianOperator] = []
    init = operator_module.JacobianOperator.__init__

    def counting(self, *args, **kwargs):
        init(self, *args, **kwargs)
        built.append(self)

    monkeypatch.setattr(operator_module.JacobianOperator, "__init__", counting)
    return built


@pytest.mark.parametrize(
    ("method", "route", "operators"),
    [
        (None, "auto", 1),  # the game Jacobian
        (ExtraGradient(0.1), "auto", 1),  # away from a stationary point: the operator route
        (GDA(0.1), "operator", 1),
        (GDA(0.1), "jacobian", 2),  # the operator (residuals) and J (the solve)
    ],
)
def test_one_operator_per_call(monkeypatch, method, route, operators):
    game = tiny_gan()
    built = _count_operators(monkeypatch)
    top = top_eigenvalues(game, 3, method=method, solver=KrylovSchur(route=route))
    assert len(built) == operators
    dense = eigenvalues(game, method=method)
    assert max(np.abs(dense - v).min() for v in top.values) <= 1e-8
    # the solve's and the residuals' products are the one operator's
    if operators == 1:
        assert built[0].count >= top.matvecs + 1


def test_precision_names_the_products_dtype():
    game = tiny_gan()
    plain = top_eigenvalues(game, 3)
    same = top_eigenvalues(game, 3, solver=KrylovSchur(precision="float64"))
    np.testing.assert_array_equal(plain.values, same.values)
    with pytest.raises(ValueError, match="precision='float32'.*float64"):
        top_eigenvalues(game, 3, solver=KrylovSchur(precision="float32"))
    with pytest.raises(ValueError, match="precision=.mixed. needs solver=KrylovSchur"):
        top_eigenvalues(game, 3, solver=Arpack(precision="mixed"))
    game32 = tiny_gan(dtype=torch.float32)
    r = top_eigenvalues(game32, 3, solver=KrylovSchur(tol=1e-5, precision="float32"))
    dense = eigenvalues(game)
    assert max(np.abs(dense - v).min() / abs(v) for v in r.values) <= 1e-3
    with pytest.raises(ValueError, match="precision='float64'.*float32"):
        top_eigenvalues(game32, 3, solver=KrylovSchur(precision="float64"))


def test_solve_top_checks_precision_against_the_operator():
    op = JacobianOperator(tiny_gan())
    with pytest.raises(ValueError, match="precision"):
        solve_top(op, 3, "LM", KrylovSchur(precision="float32"))
    assert op.count == 0  # refused before any product


@pytest.mark.parametrize("which", ["SR", "LR"])
def test_plain_top_k_away_from_lm_equals_dense_on_a_tiny_gan(which):
    """What the removed Chebyshev test compared against: plain Krylov–Schur, SR/LR top-4."""
    game = tiny_gan()
    r = top_eigenvalues(game, 4, which, solver=KrylovSchur(ncv=14))
    want = select(eigenvalues(game), 4, which)
    np.testing.assert_allclose(np.sort_complex(r.values), np.sort_complex(want), atol=1e-8)
