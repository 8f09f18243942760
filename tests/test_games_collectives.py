"""The differentiable sum over ranks (gamedyn.games._collectives) in one process (world size 1,
where it is the identity): every torch.func transform passes through it and gives the plain
derivatives, with the all-reduces counted; what PyTorch's own collectives do under the same
transforms (the reason it exists). Two processes: tests/test_games_distributed.py."""

from __future__ import annotations

import pytest
import torch
import torch.distributed as dist
import torch.distributed._functional_collectives as funcol
import torch.distributed.nn.functional as dist_nn
from torch.func import jacfwd, jacrev, jvp, linearize, vjp, vmap

from gamedyn.games._collectives import Collectives, require_process_group

A = torch.tensor([[1.0, 2.0, 0.5], [-1.0, 0.3, 2.0], [0.2, -0.7, 1.5]], dtype=torch.float64)


def _plain(z):
    return torch.tanh(A @ z) + 0.1 * z**3


def _wrapped(comm):
    return lambda z: comm.sum(_plain(comm.replicate(z)))


def _reverse(f, z):
    """``u ↦ J u`` as the vjp of the pullback (JacobianOperator's reverse mode)."""
    pullback = vjp(f, z)[1]
    return vjp(lambda w: pullback(w)[0], torch.zeros_like(z))[1]


def test_every_transform_passes_through_and_counts_its_all_reduces(process_group):
    comm = Collectives()
    f = _wrapped(comm)
    z = torch.tensor([0.3, -0.2, 0.5], dtype=torch.float64)
    u = torch.tensor([1.0, 2.0, -1.0], dtype=torch.float64)
    U = torch.randn(4, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    J = jacfwd(_plain)(z)
    torch.testing.assert_close(jacfwd(f)(z), J, rtol=0, atol=1e-15)
    torch.testing.assert_close(jacrev(f)(z), J, rtol=0, atol=1e-15)
    with pytest.raises(RuntimeError, match="cannot be traced"):  # it would replay wrong sums
        linearize(f, z)
    # reverse mode: one all-reduce per product, J u and Jᵀ u alike
    Ju, pullback = _reverse(f, z), vjp(f, z)[1]
    comm.reset()
    torch.testing.assert_close(Ju(u)[0], J @ u, rtol=0, atol=1e-15)
    torch.testing.assert_close(pullback(u)[0], J.T @ u, rtol=0, atol=1e-15)
    assert (comm.calls, comm.floats) == (2, 6)
    # forward mode: the field's value and the tangent
    comm.reset()
    torch.testing.assert_close(jvp(f, (z,), (u,))[1], J @ u, rtol=0, atol=1e-15)
    assert comm.calls == 2
    # vmap: four columns in one all-reduce of 4 × 3 floats
    comm.reset()
    torch.testing.assert_close(vmap(lambda c: Ju(c)[0])(U), U @ J.T, rtol=0, atol=1e-15)
    assert (comm.calls, comm.floats) == (1, 12)

    # a step that calls vjp of the field (consensus), under jacfwd and reverse mode
    def consensus(z):
        v = f(z)
        return z - 0.1 * (v + vjp(f, z)[1](v)[0])

    def consensus_plain(z):
        v = _plain(z)
        return z - 0.1 * (v + vjp(_plain, z)[1](v)[0])

    expected = jacfwd(consensus_plain)(z)
    torch.testing.assert_close(jacfwd(consensus)(z), expected, rtol=0, atol=1e-15)
    torch.testing.assert_close(_reverse(consensus, z)(u)[0], expected @ u, rtol=0, atol=1e-15)

    # a step that calls jvp of the field (CGD)
    def cgd_like(z):
        return z - 0.1 * jvp(f, (z,), (f(z),))[1]

    def cgd_like_plain(z):
        return z - 0.1 * jvp(_plain, (z,), (_plain(z),))[1]

    torch.testing.assert_close(jacfwd(cgd_like)(z), jacfwd(cgd_like_plain)(z), rtol=0, atol=1e-15)
    # plain autograd, double backward
    zz = z.clone().requires_grad_()
    (g,) = torch.autograd.grad(f(zz), zz, u, create_graph=True)
    (h,) = torch.autograd.grad(g @ u, zz)
    zp = z.clone().requires_grad_()
    (gp,) = torch.autograd.grad(_plain(zp), zp, u, create_graph=True)
    (hp,) = torch.autograd.grad(gp @ u, zp)
    torch.testing.assert_close(h, hp, rtol=0, atol=1e-15)


def test_checks_and_gathers(process_group):
    comm = Collectives()
    assert (comm.rank, comm.world_size, comm.backend) == (0, 1, "gloo")
    assert comm.same_everywhere(torch.tensor([1.0, float("inf")]))
    assert comm.same_everywhere(torch.tensor([1 + 2j]))
    assert comm.gather({"a": 1}) == [{"a": 1}]
    assert comm.maximum(3) == 3 and comm.maximum(None) is None
    assert "rank 0 of 1" in repr(comm)


def test_a_missing_process_group_is_a_clear_error():
    assert not dist.is_initialized()
    with pytest.raises(RuntimeError, match="initialised torch.distributed process group.*torchrun"):
        Collectives()
    with pytest.raises(RuntimeError, match="the thing needs"):
        require_process_group("the thing")


@pytest.mark.filterwarnings("ignore:torch.distributed.nn.functional.all_reduce:FutureWarning")
def test_pytorchs_own_all_reduces_are_wrong_or_refused_under_torch_func(process_group):
    """Why gamedyn.games._collectives exists (PyTorch 2.13; fails when PyTorch fixes it, so we
    learn). Under vmap, two processes see the sum or the unreduced input depending on timing
    (the batching fallback does not wait): test_games_distributed.py."""
    x = torch.tensor([1.0, 2.0], dtype=torch.float64)

    def functional(t):
        return funcol.wait_tensor(funcol.all_reduce(t, "sum", dist.group.WORLD))

    # the functional collective: a zero tangent under jvp (the right one is the input's)
    assert torch.equal(jvp(functional, (x,), (x,))[1], torch.zeros(2, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="setup_context"):  # vjp refused
        vjp(functional, x)[1](x)
    # torch.distributed.nn.functional.all_reduce: refused by every torch.func transform
    for transform in (
        lambda: jvp(dist_nn.all_reduce, (x,), (x,)),
        lambda: vjp(dist_nn.all_reduce, x),
    ):
        with pytest.raises(RuntimeError, match="setup_context"):
            transform()
