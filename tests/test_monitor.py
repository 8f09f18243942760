"""The training monitor: it never changes training (bit-identical parameters with and without
it), its values equal an offline analysis of a checkpoint saved at the same step, its budget
records what converged, its log survives a run killed mid-write, and TensorBoard gets the
scalars."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from gamedyn.games import discriminator_loss, generator_loss
from gamedyn.monitor import (
    Every,
    Geometric,
    SpectrumMonitor,
    TrainingStateChanged,
    read_monitor_log,
    summarise,
)
from gamedyn.spectrum import Arpack, KrylovSchur

LOSS = "non-saturating"


def players(seed: int = 0) -> tuple[nn.Module, nn.Module]:
    """A generator with BatchNorm and a spectrally normalised discriminator (no dropout)."""
    torch.manual_seed(seed)
    generator = nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
    discriminator = nn.Sequential(
        spectral_norm(nn.Linear(2, 8)), nn.LeakyReLU(0.2), nn.Linear(8, 1)
    )
    return generator, discriminator


def real_batch(batch: int = 16) -> torch.Tensor:
    """A mixture of two Gaussians, drawn from the *global* generators (torch, numpy, Python):
    a monitor that consumed any of them would change training."""
    centre = torch.tensor([[2.0, 0.0]]) if random.random() < 0.5 else torch.tensor([[0.0, 2.0]])
    shift = torch.as_tensor(np.random.standard_normal((batch, 2)) * 0.05, dtype=torch.float32)  # noqa: NPY002 (the global state is the point)
    return centre + 0.3 * torch.randn(batch, 2) + shift


def train(steps: int, monitor_factory=None, n_critic: int = 2, lr: float = 2e-3, seed: int = 0):
    """The user's own alternating loop (``n_critic`` discriminator steps, then the generator)."""
    torch.manual_seed(seed), np.random.seed(seed), random.seed(seed)  # noqa: NPY002 (the global state is the point)
    G, D = players()
    opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
    monitor = None if monitor_factory is None else monitor_factory(G, D, opt_g, opt_d)
    fixed_real, fixed_noise = torch.randn(16, 2), torch.randn(16, 3)
    for step in range(steps):
        for _ in range(n_critic):
            real, noise = real_batch(), torch.randn(16, 3)
            loss_d = discriminator_loss(LOSS, D(real), D(G(noise).detach()))
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
        loss_g = generator_loss(LOSS, D(G(torch.randn(16, 3))))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        if monitor is not None:
            monitor(step, real=fixed_real, latent=fixed_noise)
    return G, D, opt_g, opt_d, monitor


def assert_same_training(a, b) -> None:
    for left, right in zip(a[:2], b[:2], strict=True):
        for (name, p), (_, q) in zip(
            left.state_dict().items(), right.state_dict().items(), strict=True
        ):
            assert torch.equal(p, q), name
    for left, right in zip(a[2:4], b[2:4], strict=True):
        for s, t in zip(left.state.values(), right.state.values(), strict=True):
            for key in s:
                assert torch.equal(s[key], t[key]), key
    assert a[0].training == b[0].training and a[1].training == b[1].training


@pytest.mark.slow
def test_training_is_bit_identical_with_and_without_the_monitor(tmp_path):
    def monitor(G, D, opt_g, opt_d):
        return SpectrumMonitor(
            G, D, LOSS, optimizers=(opt_g, opt_d), every=15, k=2, n_critic=2,
            quantities=("jacobian", "optimiser", "rotation"), which=("LM", "SR"),
            log_dir=tmp_path, probes=4, tensorboard=False,
        )  # fmt: skip

    plain = train(52)
    watched = train(52, monitor)
    assert_same_training(plain, watched)
    steps = sorted({r["step"] for r in watched[4].history})
    assert steps == [0, 15, 30, 45]
    series = read_monitor_log(tmp_path)
    assert set(series) == {"jacobian", "jacobian:SR", "optimiser", "rotation"}
    assert all(series["optimiser"].converged)
    assert np.all(np.isfinite(series["rotation"].errors))


def test_the_monitor_restores_what_an_analysis_could_change():
    G, D = players()
    D.eval()
    G.train()
    D[2].weight.requires_grad_(False)
    real, latent = torch.randn(8, 2), torch.randn(8, 3)
    torch.manual_seed(5), np.random.seed(5), random.seed(5)  # noqa: NPY002 (the global state is the point)
    expected = (torch.rand(3), np.random.rand(3), random.random())  # noqa: NPY002 (the global state is the point)
    torch.manual_seed(5), np.random.seed(5), random.seed(5)  # noqa: NPY002 (the global state is the point)
    with torch.no_grad():  # the user may call it under no_grad: the analysis still works
        (record,) = SpectrumMonitor(G, D, every=1, k=2)(0, real=real, latent=latent)
        assert not torch.is_grad_enabled()  # the grad mode is restored
    assert record["converged"]
    assert (torch.rand(3).tolist(), np.random.rand(3).tolist(), random.random()) == (  # noqa: NPY002 (the global state is the point)
        expected[0].tolist(),
        expected[1].tolist(),
        expected[2],
    )
    assert G.training and not D.training and not D[2].weight.requires_grad


def test_a_function_writing_the_players_is_caught():
    G, D = players()

    def vandal(game):
        with torch.no_grad():
            G[0].weight.add_(1.0)
        return {"done": True}

    monitor = SpectrumMonitor(G, D, every=1, k=2, quantities=[("vandal", vandal)])
    with pytest.raises(TrainingStateChanged, match="parameter 0.weight"):
        monitor(0, real=torch.randn(8, 2), latent=torch.randn(8, 3))


@pytest.mark.slow
def test_monitored_values_equal_an_offline_analysis_of_a_checkpoint(tmp_path):
    """Jacobian and the live Adam operator (alternating, n_critic 5) at step 6 of the digits
    example against gamedyn.checkpoints + optimiser sidecar + analyse, offline."""
    from gamedyn.analysis import analyse
    from gamedyn.checkpoints import save
    from gamedyn.examples import EXAMPLES
    from gamedyn.methods import optimiser_method, read_checkpoint_optimiser, save_optimiser_states

    example = EXAMPLES["digits-small"]
    G, D = example.generator(), example.discriminator()
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
    real, latent = example.sample(16, 99), example.latent(16, 99)
    tol = 1e-9
    monitor = SpectrumMonitor(
        G, D, LOSS, optimizers=(opt_g, opt_d), every=[6], k=4, n_critic=5,
        solver=KrylovSchur(tol=tol), quantities=("jacobian", "optimiser"), tensorboard=False,
    )  # fmt: skip
    for step in range(7):
        for _ in range(5):
            loss_d = discriminator_loss(
                LOSS, D(example.sample(16, step)), D(G(example.latent(16, step)).detach())
            )
            opt_d.zero_grad(), loss_d.backward(), opt_d.step()
        loss_g = generator_loss(LOSS, D(G(example.latent(16, step))))
        opt_g.zero_grad(), loss_g.backward(), opt_g.step()
        if monitor(step, real=real, latent=latent):
            path = save(tmp_path / f"step_{step:06d}.safetensors", G, D)
            save_optimiser_states(path, opt_g, opt_d)
    jac, op = monitor.history
    game = example.load_game(path, batch=16, seed=99)
    assert torch.equal(game.real, real.double()) and torch.equal(game.latent, latent.double())
    method = optimiser_method(read_checkpoint_optimiser(game, path), alternating=True, n_critic=5)
    for record, offline in (
        # the monitor's basis (ARPACK's 20: its budgets pay for cycles of it), product for
        # product; analyse's own default basis (40, tested every vector) stops elsewhere
        (jac, analyse(game, 4, solver=KrylovSchur(tol=tol, ncv=20))),
        (op, analyse(game, 4, method=method, solver=KrylovSchur(tol=tol))),
    ):
        values, residuals = (
            np.array([complex(*v) for v in record["eigenvalues"]]),
            np.asarray(record["residuals"]),
        )
        assert record["converged"]
        # the same eigenvalues to the solver's accuracy: each within its true residual (Bauer–Fike
        # for a well-conditioned eigenvalue) and the offline one's, at least 20·tol relative
        bound = np.maximum(20 * tol * np.abs(values), residuals + offline.residuals)
        assert np.all(np.abs(values - offline.eigenvalues) <= bound)
        np.testing.assert_allclose(residuals, offline.residuals, rtol=0.5)
    assert op["spectral_radius"] == pytest.approx(np.abs(offline.eigenvalues).max(), rel=20 * tol)


def test_a_budget_records_what_converged_and_says_so(tmp_path):
    G, D = players()
    monitor = SpectrumMonitor(
        G,
        D,
        every=1,
        k=4,
        solver=KrylovSchur(tol=1e-14, ncv=10),
        max_products=24,
        log_dir=tmp_path,
        tensorboard=False,
    )
    with pytest.warns(UserWarning, match="budget"):
        (record,) = monitor(0, real=torch.randn(8, 2), latent=torch.randn(8, 3))
    assert record["status"] == "budget" and not record["converged"]
    assert record["products"] <= 24 and len(record["eigenvalues"]) == 4
    assert len(record["converged_values"]) == 4 and len(record["residuals"]) == 4
    (logged,) = read_monitor_log(tmp_path)["jacobian"].records
    assert logged["status"] == "budget"
    with pytest.warns(UserWarning, match="skipped"):
        (skipped,) = SpectrumMonitor(G, D, every=1, k=4, max_products=5)(
            0, real=torch.randn(8, 2), latent=torch.randn(8, 3)
        )
    assert skipped["status"] == "skipped" and skipped["products"] == 0


def test_a_time_budget_stops_a_solve():
    G, D = players()
    monitor = SpectrumMonitor(G, D, every=1, k=4, solver=KrylovSchur(tol=1e-15), max_seconds=1e-3)
    with pytest.warns(UserWarning, match="budget"):
        (record,) = monitor(0, real=torch.randn(8, 2), latent=torch.randn(8, 3))
    assert record["status"] in ("budget", "skipped")
    rotation = SpectrumMonitor(G, D, every=1, quantities=("rotation",), probes=4, max_seconds=600)
    (record,) = rotation(0, real=torch.randn(8, 2), latent=torch.randn(8, 3))
    assert record["status"] == "converged" and record["probes"] == 4


def test_options_are_taken_as_torchgame_takes_them_and_unknown_ones_refused():
    G, D = players()
    monitor = SpectrumMonitor(
        G, D, every=1, k=2, reg="r1", reg_weight=1.0, batchnorm="batch", dtype=torch.float32
    )
    (record,) = monitor(0, real=torch.randn(8, 2), latent=torch.randn(8, 3))
    assert record["settings"]["reg"] == "r1" and record["settings"]["dtype"] == "float32"
    (single,) = SpectrumMonitor(G, D, every=1, k=2, solver=KrylovSchur(precision="float32"))(
        0, real=torch.randn(8, 2), latent=torch.randn(8, 3)
    )
    assert single["settings"]["dtype"] == "float32" and single["converged"]
    with pytest.raises(ValueError, match="precision='float32' but dtype"):
        SpectrumMonitor(G, D, solver=KrylovSchur(precision="float32"), dtype=torch.float64)
    with pytest.raises(TypeError, match="KrylovSchur"):
        SpectrumMonitor(G, D, solver=Arpack())
    with pytest.raises(ValueError, match="route"):
        SpectrumMonitor(G, D, solver=KrylovSchur(route="jacobian"))
    with pytest.raises(TypeError, match="'regularizer'"):
        SpectrumMonitor(G, D, regularizer="r1")
    with pytest.raises(ValueError, match="quantities"):
        SpectrumMonitor(G, D, quantities=("jacobain",))
    with pytest.raises(ValueError, match="optimizers"):
        SpectrumMonitor(G, D, quantities=("optimiser",))
    sgd = (torch.optim.SGD(G.parameters(), 0.1), torch.optim.SGD(D.parameters(), 0.1, momentum=0.9))
    with pytest.raises(TypeError, match="discriminator's SGD has momentum=0.9"):
        SpectrumMonitor(G, D, quantities=("optimiser",), optimizers=sgd)
    mixed = (torch.optim.Adam(G.parameters()), torch.optim.RMSprop(D.parameters()))
    with pytest.raises(TypeError, match="one family"):
        SpectrumMonitor(G, D, quantities=("optimiser",), optimizers=mixed)
    with pytest.raises(TypeError, match="LBFGS"):
        lbfgs = (torch.optim.LBFGS(G.parameters()), torch.optim.LBFGS(D.parameters()))
        SpectrumMonitor(G, D, quantities=("optimiser",), optimizers=lbfgs)
    with pytest.raises(ValueError, match="which"):
        SpectrumMonitor(G, D, which="XX")
    with pytest.raises(ValueError, match="n_critic"):
        SpectrumMonitor(G, D, alternating=False, n_critic=5)


def test_the_plain_sgd_operator_is_alternating_gda():
    """The monitor's operator for two plain SGD optimisers against the chain rule of the
    alternating step written out densely: y⁺ = y − η_D v_y(x, y), then x⁺ = x − η_G v_x(x, y⁺),
    so ∂(x⁺, y⁺)/∂(x, y) = [[I − η_G J_xx, −η_G J_xy] at (x, y⁺); [0, I]] · [[I, 0]; −η_D J_y·]."""
    from gamedyn.games import TorchGame
    from gamedyn.spectrum import game_jacobian

    G, D = players()
    real, latent = torch.randn(8, 2), torch.randn(8, 3)
    sgd = (torch.optim.SGD(G.parameters(), 0.3), torch.optim.SGD(D.parameters(), 0.7))
    monitor = SpectrumMonitor(G, D, every=1, k=3, quantities=("optimiser",), optimizers=sgd)
    (record,) = monitor(0, real=real, latent=latent)
    game = TorchGame(G, D, LOSS, real, latent)
    nx, n, z = game.nx, game.n, game.z0
    step_y = np.eye(n)
    step_y[nx:] -= 0.7 * np.asarray(game_jacobian(game))[nx:]
    middle = torch.cat([z[:nx], z[nx:] - 0.7 * game.field(z)[nx:]])
    step_x = np.eye(n)
    step_x[:nx] -= 0.3 * np.asarray(game_jacobian(game, middle))[:nx]
    dense = np.linalg.eigvals(step_x @ step_y)
    assert record["spectral_radius"] == pytest.approx(np.abs(dense).max(), rel=1e-7)
    values = np.array([complex(*v) for v in record["eigenvalues"]])
    assert np.abs(values[:, None] - dense[None, :]).min(axis=1).max() < 1e-7


def test_named_and_user_analyses_equal_the_library_called_directly():
    from gamedyn.games import TorchGame
    from gamedyn.nonnormal import numerical_abscissa

    G, D = players()
    real, latent = torch.randn(8, 2), torch.randn(8, 3)

    def trace(game):
        return {"nx": game.nx, "ny": game.ny}

    monitor = SpectrumMonitor(
        G, D, every=1, quantities=("numerical_abscissa", ("sizes", trace)), tensorboard=False
    )
    omega, sizes = monitor(0, real=real, latent=latent)
    game = TorchGame(G, D, LOSS, real, latent)
    assert omega["value"] == pytest.approx(numerical_abscissa(game, matrix_free=False), rel=1e-8)
    assert sizes["quantity"] == "sizes" and sizes["result"] == {"nx": game.nx, "ny": game.ny}


def test_schedules():
    assert [s for s in range(40) if Every(10, start=5)(s)] == [5, 15, 25, 35]
    assert [s for s in range(30) if Geometric(3, 1.5)(s)] == [0, 3, 5, 7, 11, 16, 23]
    G, D = players()
    monitor = SpectrumMonitor(G, D, every=Geometric(2, 2.0), k=2)
    assert [s for s in range(20) if monitor.due(s)] == [0, 2, 4, 8, 16]
    with pytest.raises(ValueError, match="ratio"):
        Geometric(1, 1.0)
    with pytest.raises(TypeError, match="every"):
        SpectrumMonitor(G, D, every=True)


KILLED_WRITER = """
import os, signal, sys, torch
from torch import nn
from gamedyn.monitor import SpectrumMonitor
from gamedyn.monitor import _log
G = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
D = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
monitor = SpectrumMonitor(G, D, every=1, k=2, quantities=("jacobian", "rotation"), probes=2,
                          log_dir=sys.argv[1], tensorboard=False)
real, latent = torch.randn(8, 2), torch.randn(8, 3)
monitor(0, real=real, latent=latent)
monitor(1, real=real, latent=latent)
write = os.write
def torn(fd, data):  # the process dies half-way through writing a line
    write(fd, data[: len(data) // 2])
    os.kill(os.getpid(), signal.SIGKILL)
_log.os.write = torn
monitor(2, real=real, latent=latent)
"""


def test_a_log_from_a_run_killed_mid_write_reads_back_without_the_torn_line(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(KILLED_WRITER)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "log")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == -9, out.stderr
    data = (tmp_path / "log" / "spectra.jsonl").read_bytes()
    assert not data.endswith(b"\n") and data.count(b"\n") == 4
    series = read_monitor_log(tmp_path / "log")
    assert series["jacobian"].steps.tolist() == [0, 1, 2] or series["jacobian"].steps.tolist() == [
        0,
        1,
    ]
    assert series["jacobian"].steps.tolist() == [0, 1] and series["rotation"].steps.tolist() == [
        0,
        1,
    ]
    # a resumed run cuts the torn fragment off before appending (warned), never gluing onto it
    G, D = players()
    with pytest.warns(UserWarning, match="torn"):
        monitor = SpectrumMonitor(G, D, every=1, k=2, log_dir=tmp_path / "log", tensorboard=False)
    monitor(3, real=torch.randn(8, 2), latent=torch.randn(8, 3))
    assert read_monitor_log(tmp_path / "log")["jacobian"].steps.tolist() == [0, 1, 3]
    lines = (tmp_path / "log" / "spectra.jsonl").read_text().splitlines()
    assert all(json.loads(line)["step"] in (0, 1, 3) for line in lines)


def test_a_damaged_line_in_the_middle_is_an_error(tmp_path):
    (tmp_path / "spectra.jsonl").write_text(
        '{"step": 0, "quantity": "jacobian"}\nnot json\n{"step": 1, "quantity": "jacobian"}\n'
    )
    with pytest.raises(ValueError, match="line 2"):
        read_monitor_log(tmp_path)
    with pytest.raises(FileNotFoundError, match="no monitor log"):
        read_monitor_log(tmp_path / "missing")


def test_summary_says_when_rho_crossed_one_and_who_dominated(tmp_path):
    from gamedyn.monitor._log import LogWriter

    writer = LogWriter(tmp_path)
    for step, rho, share in ((0, 0.98, 0.2), (10, 0.999, 0.3), (20, 1.05, 0.1), (30, 0.97, 0.4)):
        writer.append(
            {
                "step": step,
                "quantity": "optimiser",
                "which": "LM",
                "eigenvalues": [[rho, 0.0], [0.5, 0.1]],
                "generator_share": [share, 0.5],
            }
        )
        writer.append(
            {
                "step": step,
                "quantity": "jacobian",
                "which": "LM",
                "eigenvalues": [[2.0, 1.0], [-0.1 * step, 0.0]],
            }
        )
    summary = summarise(tmp_path)
    assert summary.crossings == [(20, "above"), (30, "below")]
    assert summary.dominant == [(20, "discriminator", 0.1)]
    assert summary.least_stable == (30, -3.0)
    assert (
        "rose above 1 at step 20" in summary.text
        and "discriminator's block dominated" in summary.text
    )


def test_tensorboard_gets_the_scalars(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    G, D = players()
    monitor = SpectrumMonitor(
        G, D, every=2, k=2, quantities=("jacobian", "rotation"), probes=2, log_dir=tmp_path
    )
    for step in range(5):
        monitor(step, real=torch.randn(8, 2), latent=torch.randn(8, 3))
    events = EventAccumulator(str(tmp_path), size_guidance={"images": 0}).Reload()
    tags = events.Tags()
    assert "jacobian/spectral_radius" in tags["scalars"] and "rotation/value" in tags["scalars"]
    radius = [e.value for e in events.Scalars("jacobian/spectral_radius")]
    expected = [
        np.abs([complex(*v) for v in r["eigenvalues"]]).max()
        for r in monitor.history
        if r["quantity"] == "jacobian"
    ]
    np.testing.assert_allclose(radius, expected, rtol=1e-6)
    assert [e.step for e in events.Scalars("jacobian/spectral_radius")] == [0, 2, 4]
    assert "jacobian/eigenvalues" in tags["images"]
