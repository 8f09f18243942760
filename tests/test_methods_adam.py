"""The Adam family (gamedyn.methods, gamedyn.methods) on a TorchGame equals the same
optimisers run with torch.optim — or, where torch.optim has none, the published update rule
written out independently here — step by step, to 1e-12 in float64."""

from __future__ import annotations

import copy
import math

import pytest
import torch
from helpers import tiny_batch, tiny_players

import gamedyn
from gamedyn.backends import TorchOps
from gamedyn.games import TorchGame, discriminator_loss, generator_loss
from gamedyn.methods import (
    Adam,
    ExtraAdam,
    Lookahead,
    Momentum,
    OptimisticAdam,
    PastExtraAdam,
    RMSProp,
    build,
)

LOSS = "non-saturating"
STEPS = 6
TOL = 1e-12


class Reference:
    """The GAN trained by hand: float64 copies of the players, gradients by autograd on the
    fixed batch, optimisers from torch.optim (or written here)."""

    def __init__(self, players, batch):
        self.G, self.D = (copy.deepcopy(p).double() for p in players)
        self.real, self.latent = (b.double() for b in batch)

    def params(self, who):
        return list((self.G if who == "x" else self.D).parameters())

    def flat(self):
        return torch.cat([p.detach().reshape(-1) for p in self.params("x") + self.params("y")])

    def grads(self):
        """Both players' gradients at the current parameters (nothing is stepped)."""
        fake = self.G(self.latent)
        l_d = discriminator_loss(LOSS, self.D(self.real), self.D(fake.detach()))
        l_g = generator_loss(LOSS, self.D(fake))
        g_d = torch.autograd.grad(l_d, self.params("y"))
        g_g = torch.autograd.grad(l_g, self.params("x"))
        return {"x": g_g, "y": g_d}

    def set_grads(self, who, grads):
        for p, g in zip(self.params(who), grads, strict=True):
            p.grad = g.clone()


@pytest.fixture(scope="module")
def gan():
    players, batch = tiny_players(seed=3), tiny_batch(seed=4)
    return players, batch, TorchGame(*players, LOSS, *batch)


def _run(method, game, steps=STEPS):
    ops, state = TorchOps(game), method.init(game.z0)
    out = []
    for _ in range(steps):
        state = method.step(ops, state)
        out.append(method.output(state).clone())
    return out, state


def _assert_same(ours, theirs):
    for t, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert float((a - b).abs().max()) < TOL, f"step {t + 1}: {float((a - b).abs().max())}"


def _torch_adam(ref, who, lr, betas, **options):
    return torch.optim.Adam(ref.params(who), lr=lr, betas=betas, **options)


def _alternating_sequence(n_critic, first):
    return ["y"] * n_critic + ["x"] if first == "y" else ["x"] + ["y"] * n_critic


# --- Adam: simultaneous and alternating --------------------------------------------------------


@pytest.mark.parametrize("n_critic", [1, 5])
@pytest.mark.parametrize("first", ["y", "x"])
def test_alternating_adam_is_torch_adam(gan, n_critic, first):
    players, batch, game = gan
    ref = Reference(players, batch)
    lr, betas = {"x": 1e-2, "y": 3e-2}, {"x": (0.5, 0.999), "y": (0.0, 0.9)}
    opt = {w: _torch_adam(ref, w, lr[w], betas[w]) for w in "xy"}
    theirs = []
    for _ in range(STEPS):
        for who in _alternating_sequence(n_critic, first):
            ref.set_grads(who, ref.grads()[who])
            opt[who].step()
        theirs.append(ref.flat())
    method = Adam(
        (lr["x"], lr["y"]),
        betas=(betas["x"], betas["y"]),
        alternating=True,
        n_critic=n_critic,
        first=first,
    )
    ours, state = _run(method, game)
    _assert_same(ours, theirs)
    assert state[-2:] == (STEPS, STEPS * n_critic)  # each player's Adam step count


def test_simultaneous_adam_is_torch_adam_and_run_reports_the_iterates(gan):
    players, batch, game = gan
    ref = Reference(players, batch)
    opt = {w: _torch_adam(ref, w, 2e-2, (0.9, 0.999)) for w in "xy"}
    theirs = [ref.flat()]
    for _ in range(STEPS):
        grads = ref.grads()
        for who in "xy":
            ref.set_grads(who, grads[who])
            opt[who].step()
        theirs.append(ref.flat())
    trajectory = gamedyn.run(Adam(2e-2), game, game.z0, STEPS)
    _assert_same(torch.as_tensor(trajectory), theirs)


@pytest.mark.parametrize("decoupled", [False, True])
def test_weight_decay_is_torch_adam_and_adamw(gan, decoupled):
    players, batch, game = gan
    ref = Reference(players, batch)
    cls = torch.optim.AdamW if decoupled else torch.optim.Adam
    opt = {w: cls(ref.params(w), lr=1e-2, betas=(0.5, 0.99), weight_decay=0.3) for w in "xy"}
    theirs = []
    for _ in range(STEPS):
        for who in "yx":
            ref.set_grads(who, ref.grads()[who])
            opt[who].step()
        theirs.append(ref.flat())
    method = Adam(
        1e-2, (0.5, 0.99), weight_decay=0.3, decoupled_weight_decay=decoupled, alternating=True
    )
    _assert_same(_run(method, game)[0], theirs)


# --- ExtraAdam, PastExtraAdam, OptimisticAdam ------------------------------------------------


def test_extra_adam_is_two_torch_adam_steps_with_a_restore(gan):
    """Gidel et al.'s ExtraAdam updates the moments at the extrapolation and at the update: with
    torch.optim.Adam, step to the look-ahead point, take the gradient there, restore, step."""
    players, batch, game = gan
    ref = Reference(players, batch)
    lr = {"x": 1e-2, "y": 2e-2}
    opt = {w: _torch_adam(ref, w, lr[w], (0.5, 0.9)) for w in "xy"}
    theirs = []
    for _ in range(STEPS):
        saved = {w: [p.detach().clone() for p in ref.params(w)] for w in "xy"}
        grads = ref.grads()
        for who in "xy":
            ref.set_grads(who, grads[who])
            opt[who].step()
        grads = ref.grads()  # at the look-ahead point
        for who in "xy":
            with torch.no_grad():
                for p, s in zip(ref.params(who), saved[who], strict=True):
                    p.copy_(s)
            ref.set_grads(who, grads[who])
            opt[who].step()
        theirs.append(ref.flat())
    ours, state = _run(ExtraAdam((lr["x"], lr["y"]), betas=(0.5, 0.9)), game)
    _assert_same(ours, theirs)
    assert state[-2:] == (2 * STEPS, 2 * STEPS)


class PublishedAdam:
    """The Adam update of the Variational-Inequality-GAN optimisers (``ExtraAdam.update``,
    ``OptimisticAdam.step``), written out: ``ε`` added to ``√v`` before the bias correction,
    ``step_size = lr √(1 − β₂ᵗ)/(1 − β₁ᵗ)``; returns the displacement."""

    def __init__(self, params, lr, betas, eps=1e-8):
        self.lr, (self.b1, self.b2), self.eps = lr, betas, eps
        self.state = [
            {"step": 0, "m": torch.zeros_like(p), "v": torch.zeros_like(p)} for p in params
        ]

    def update(self, i, grad):
        s = self.state[i]
        s["step"] += 1
        s["m"] = self.b1 * s["m"] + (1 - self.b1) * grad
        s["v"] = self.b2 * s["v"] + (1 - self.b2) * grad * grad
        denom = s["v"].sqrt() + self.eps
        bc1, bc2 = 1 - self.b1 ** s["step"], 1 - self.b2 ** s["step"]
        step_size = self.lr * math.sqrt(bc2) / bc1
        return -step_size * s["m"] / denom, s, denom, bc1, bc2


def test_extra_adam_legacy_is_the_published_extra_adam(gan):
    players, batch, game = gan
    ref = Reference(players, batch)
    opt = {w: PublishedAdam(ref.params(w), 1e-2, (0.5, 0.9)) for w in "xy"}
    theirs = []
    for _ in range(STEPS):
        saved = {w: [p.detach().clone() for p in ref.params(w)] for w in "xy"}
        for phase in ("extrapolation", "step"):
            grads = ref.grads()
            for who in "xy":
                with torch.no_grad():
                    for i, p in enumerate(ref.params(who)):
                        u = opt[who].update(i, grads[who][i])[0]
                        base = p if phase == "extrapolation" else saved[who][i]
                        p.copy_(base + u)
        theirs.append(ref.flat())
    ours, _ = _run(ExtraAdam(1e-2, betas=(0.5, 0.9), eps_mode="legacy"), game)
    _assert_same(ours, theirs)


def test_optimistic_adam_legacy_is_the_published_optimistic_adam(gan):
    """``p ← p − 2 step_size m/denom``, then (from step 2) ``p ← p + lr m̂_prev/denom_prev``,
    with ``m̂_prev = m/(1 − β₁ᵗ)`` and ``denom_prev = denom/√(1 − β₂ᵗ)`` stored."""
    players, batch, game = gan
    ref = Reference(players, batch)
    lr, betas = 1e-2, (0.5, 0.9)
    opt = {w: PublishedAdam(ref.params(w), lr, betas) for w in "xy"}
    previous = {w: [None] * len(ref.params(w)) for w in "xy"}
    theirs = []
    for _ in range(STEPS):
        grads = ref.grads()
        for who in "xy":
            with torch.no_grad():
                for i, p in enumerate(ref.params(who)):
                    u, s, denom, bc1, bc2 = opt[who].update(i, grads[who][i])
                    p.add_(2 * u)
                    if s["step"] > 1:
                        m_prev, d_prev = previous[who][i]
                        p.add_(lr * m_prev / d_prev)
                    previous[who][i] = (s["m"] / bc1, denom / math.sqrt(bc2))
        theirs.append(ref.flat())
    ours, _ = _run(OptimisticAdam(lr, betas=betas, eps_mode="legacy"), game)
    _assert_same(ours, theirs)


def test_optimistic_adam_is_the_optimistic_combination_of_torch_adam_steps(gan):
    players, batch, game = gan
    ref = Reference(players, batch)
    opt = {w: _torch_adam(ref, w, 1e-2, (0.5, 0.9)) for w in "xy"}
    previous = {w: [torch.zeros_like(p) for p in ref.params(w)] for w in "xy"}
    theirs = []
    for _ in range(STEPS):
        grads = ref.grads()
        for who in "xy":
            before = [p.detach().clone() for p in ref.params(who)]
            ref.set_grads(who, grads[who])
            opt[who].step()
            with torch.no_grad():
                for i, (p, b) in enumerate(zip(ref.params(who), before, strict=True)):
                    u = b - p  # torch's Adam step
                    p.copy_(b - 2 * u + previous[who][i])
                    previous[who][i] = u
        theirs.append(ref.flat())
    _assert_same(_run(OptimisticAdam(1e-2, betas=(0.5, 0.9)), game)[0], theirs)


def test_past_extra_adam_is_the_published_training_loop(gan):
    """train_pastextraadam.py: ``extrapolation()`` with the gradient left from the last step
    (none at first: no extrapolation), losses at the new point, ``step()`` from the saved
    parameters — both with the same Adam (here torch.optim's, restores in between)."""
    players, batch, game = gan
    ref = Reference(players, batch)
    opt = {w: _torch_adam(ref, w, 1e-2, (0.5, 0.9)) for w in "xy"}
    past = None
    theirs = []
    for _ in range(STEPS):
        saved = {w: [p.detach().clone() for p in ref.params(w)] for w in "xy"}
        if past is not None:
            for who in "xy":
                ref.set_grads(who, past[who])
                opt[who].step()
        past = ref.grads()
        for who in "xy":
            with torch.no_grad():
                for p, s in zip(ref.params(who), saved[who], strict=True):
                    p.copy_(s)
            ref.set_grads(who, past[who])
            opt[who].step()
        theirs.append(ref.flat())
    ours, state = _run(PastExtraAdam(1e-2, betas=(0.5, 0.9)), game)
    _assert_same(ours, theirs)
    assert state[-2:] == (2 * STEPS - 1, 2 * STEPS - 1)


# --- Lookahead: LA-Adam as LAGAN runs it ------------------------------------------------------


def _lookahead_reference(ref, opt, inner_steps, k, alpha, cycles):
    """LAGAN's Lookahead around torch.optim optimisers: k fast steps, then slow += α(fast −
    slow), fast = slow; the optimisers' state is never touched. As in LAGAN's class, the slow
    copy is created at the first synchronisation (so the first cycle is not pulled back)."""
    slow = {}
    out = []
    for _ in range(cycles):
        for _ in range(k):
            inner_steps()
        with torch.no_grad():
            for w in "xy":
                for i, p in enumerate(ref.params(w)):
                    s = slow.setdefault((w, i), p.detach().clone())
                    s.add_(alpha * (p - s))
                    p.copy_(s)
        out.append(ref.flat())
    return out


@pytest.mark.parametrize("n_critic", [1, 5])
@pytest.mark.parametrize("first", ["y", "x"])
def test_la_adam_keep_is_lagan_lookahead_around_torch_adam(gan, n_critic, first):
    players, batch, game = gan
    ref = Reference(players, batch)
    opt = {w: _torch_adam(ref, w, 2e-2, (0.5, 0.999)) for w in "xy"}

    def inner():
        for who in _alternating_sequence(n_critic, first):
            ref.set_grads(who, ref.grads()[who])
            opt[who].step()

    theirs = _lookahead_reference(ref, opt, inner, k=3, alpha=0.5, cycles=3)
    base = Adam(2e-2, (0.5, 0.999), alternating=True, n_critic=n_critic, first=first)
    method = Lookahead(base, k=3, alpha=0.5, inner_state="keep", slow_start="first-sync")
    _assert_same(_run(method, game, steps=3)[0], theirs)


def test_la_extra_adam_keep_is_lagan_lookahead_around_extra_adam(gan):
    """LAGAN's rule (lagan/trainer.py, _update_pair with extra=True): a separate extrapolation
    torch.optim.Adam per player; the discriminator's update gradient at (x½, y_t), the
    generator's at (x_t, y½); lookahead around it."""
    players, batch, game = gan
    ref = Reference(players, batch)
    opt = {w: _torch_adam(ref, w, 1e-2, (0.5, 0.9)) for w in "xy"}
    extra = Reference(players, batch)  # the extrapolation copies, with their own optimisers
    opt_extra = {w: _torch_adam(extra, w, 1e-2, (0.5, 0.9)) for w in "xy"}

    def copy_into(target, source):
        with torch.no_grad():
            for w in "xy":
                for p, q in zip(target.params(w), source.params(w), strict=True):
                    p.copy_(q)

    def inner():
        copy_into(extra, ref)
        g = ref.grads()  # at (x_t, y_t): both extrapolation gradients
        for who in "yx":
            extra.set_grads(who, g[who])
            opt_extra[who].step()
        half = {w: [p.detach().clone() for p in extra.params(w)] for w in "xy"}
        mixed = Reference(players, batch)
        copy_into(mixed, ref)
        with torch.no_grad():  # (x½, y_t) for the discriminator
            for p, q in zip(mixed.params("x"), half["x"], strict=True):
                p.copy_(q)
        g_d = mixed.grads()["y"]
        copy_into(mixed, ref)
        with torch.no_grad():  # (x_t, y½) for the generator
            for p, q in zip(mixed.params("y"), half["y"], strict=True):
                p.copy_(q)
        g_g = mixed.grads()["x"]
        ref.set_grads("y", g_d)
        opt["y"].step()
        ref.set_grads("x", g_g)
        opt["x"].step()

    theirs = _lookahead_reference(ref, opt, inner, k=2, alpha=0.3, cycles=3)
    method = build("la-extra-adam", lr=1e-2, betas=(0.5, 0.9), lookahead_k=2, lookahead_alpha=0.3)
    _assert_same(_run(method, game, steps=3)[0], theirs)
    gidel = Lookahead(ExtraAdam(1e-2, (0.5, 0.9)), k=2, alpha=0.3, inner_state="keep")
    gap = max(
        float((a - b).abs().max()) for a, b in zip(_run(gidel, game, 3)[0], theirs, strict=True)
    )
    assert gap > 1e-6  # Gidel et al.'s ExtraAdam inside is another rule


def test_la_momentum_keep_is_lagan_lookahead_around_torch_sgd(gan):
    """Heavy ball keeps its velocity at a synchronisation: the momentum buffer of torch.optim.SGD
    (b = (z_{t−1} − z_t)/lr) is left alone."""
    players, batch, game = gan
    ref = Reference(players, batch)
    opt = {w: torch.optim.SGD(ref.params(w), lr=5e-2, momentum=0.7) for w in "xy"}

    def inner():
        grads = ref.grads()
        for who in "xy":
            ref.set_grads(who, grads[who])
            opt[who].step()

    theirs = _lookahead_reference(ref, opt, inner, k=4, alpha=0.5, cycles=3)
    method = Lookahead(
        Momentum(5e-2, 0.7), k=4, alpha=0.5, inner_state="keep", slow_start="first-sync"
    )
    _assert_same(_run(method, game, steps=3)[0], theirs)


# --- RMSProp -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"momentum": 0.5},
        {"centered": True, "weight_decay": 0.1},
        {"momentum": 0.3, "centered": True},
    ],
    ids=repr,
)
def test_rmsprop_is_torch_rmsprop(gan, options):
    players, batch, game = gan
    ref = Reference(players, batch)
    opt = {w: torch.optim.RMSprop(ref.params(w), lr=1e-2, alpha=0.9, **options) for w in "xy"}
    theirs = []
    for _ in range(STEPS):
        for who in "yyx":
            ref.set_grads(who, ref.grads()[who])
            opt[who].step()
        theirs.append(ref.flat())
    method = RMSProp(1e-2, alpha=0.9, alternating=True, n_critic=2, **options)
    _assert_same(_run(method, game)[0], theirs)
