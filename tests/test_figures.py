"""``gamedyn figures``: each output is checked for what it claims."""

from __future__ import annotations

import numpy as np
import pytest

import gamedyn
from gamedyn import experiments, figures
from gamedyn.cli import main
from gamedyn.games import Bilinear
from gamedyn.methods import Momentum


def parse_markdown_table(text: str) -> list[dict[str, str]]:
    lines = [line for line in text.splitlines() if line.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    return [
        dict(zip(header, (c.strip() for c in line.strip("|").split("|")), strict=True))
        for line in lines[2:]
    ]


def test_momentum_table_cells_agree_with_runs(tmp_path):
    assert main(["figures", "--out", str(tmp_path), "--only", "momentum_table"]) == 0
    rows = parse_markdown_table((tmp_path / "momentum_table.md").read_text())
    assert [r["update"] for r in rows].count("alternating") == len(experiments.MOMENTUM_BETAS)
    game, z0 = Bilinear([[1.0]]), np.array([1.0, 1.0])
    for row in rows:
        beta, rho = float(row["beta"]), float(row["spectral radius"])
        method = Momentum(experiments.MOMENTUM_LR, beta, alternating=row["update"] == "alternating")
        # The radius is the rate measured by running the method ...
        steps = 3000 if abs(rho - 1) < 1e-9 else int(min(3000, 25 / abs(np.log(rho))))
        trajectory = gamedyn.run(method, game, z0, steps)
        assert gamedyn.contraction_rate(trajectory, rtol=1e-9) == pytest.approx(rho, abs=1e-6)
        # ... and the yes/no cells say what the run does.
        norms = np.linalg.norm(trajectory, axis=1)
        bounded, converges = norms.max() < 10 * norms[0], norms[-1] < 1e-3 * norms[0]
        assert row["bounded"] == ("yes" if bounded else "no"), row
        assert row["converges"] == ("yes" if converges else "no"), row
    # ... and the table prints the numbers of momentum_rows
    computed = experiments.momentum_rows()
    assert len(computed) == len(rows)
    for row, numbers in zip(rows, computed, strict=True):
        assert row["update"] == numbers["update"] and float(row["beta"]) == numbers["beta"]
        assert float(row["spectral radius"]) == pytest.approx(numbers["spectral radius"], abs=5e-7)
        assert row["bounded"] == ("yes" if numbers["bounded"] else "no")
        assert row["converges"] == ("yes" if numbers["converges"] else "no")
    table = {(r["update"], float(r["beta"])): r for r in rows}
    assert all(table[("simultaneous", b)]["converges"] == "no" for b in experiments.MOMENTUM_BETAS)
    assert table[("alternating", 0.0)]["bounded"] == "yes"
    assert table[("alternating", -0.5)]["converges"] == "yes"
    assert table[("alternating", 0.5)]["bounded"] == "no"


def test_unknown_figure_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown figure"):
        figures.make_all(tmp_path, only=["nope"])


def test_list_names_every_figure(capsys):
    assert main(["figures", "--list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in figures.FIGURES)


@pytest.mark.slow
def test_bilinear_trajectories_end_where_the_rates_say(tmp_path):
    paths = figures.FIGURES["bilinear_trajectories"](tmp_path, small=True)
    assert [p.name for p in paths] == ["bilinear_trajectories.png"] and paths[0].stat().st_size > 0
    game, z0, steps = Bilinear([[1.0]]), np.array(experiments.BILINEAR_START), 200
    rates = experiments.bilinear_rates()
    assert list(rates) == list(experiments.bilinear_methods())
    for label, method in experiments.bilinear_methods().items():
        rho = gamedyn.spectral_radius(method, game, np.zeros(2))
        assert rates[label] == pytest.approx(rho, abs=1e-14), label
        trajectory = gamedyn.run(method, game, z0, steps)
        final = np.linalg.norm(trajectory[-1]) / np.linalg.norm(z0)
        if label == "simultaneous GDA":
            assert rho > 1 and final > 1
        elif label == "alternating GDA":
            assert rho == pytest.approx(1.0, abs=1e-12) and 0.5 < final < 2
        else:
            assert rho < 1, label
            # ‖z_T‖ / ‖z_0‖ ≈ C ρ^T with a modest constant C
            assert 0.05 < final / rho**steps < 20, label


def test_negative_momentum_sets_are_the_operator_spectra():
    from gamedyn.figures.negative_momentum import NEGATIVE_MOMENTUM_GAME, NEGATIVE_MOMENTUM_LR

    sets = experiments.negative_momentum_sets()
    game, lr, z = NEGATIVE_MOMENTUM_GAME, NEGATIVE_MOMENTUM_LR, np.zeros(12)
    methods = {
        "alternating, β = 0": Momentum(lr, 0.0, alternating=True),
        "alternating, β = −0.5": Momentum(lr, -0.5, alternating=True),
        "simultaneous, β = +0.5": Momentum(lr, 0.5),
    }
    assert list(sets) == list(methods)
    for label, method in methods.items():
        mu = np.linalg.eigvals(gamedyn.spectrum.operator_jacobian(method, game, z))
        np.testing.assert_allclose(sets[label], gamedyn.spectrum.sort_eigenvalues(mu), atol=1e-12)
    rho = {label: np.abs(mu).max() for label, mu in sets.items()}
    # what the figure shows: alternating GDA on the unit circle, pulled in by β < 0; simultaneous
    # momentum outside it (Gidel et al. 2019)
    assert rho["alternating, β = 0"] == pytest.approx(1.0, abs=1e-12)
    assert rho["alternating, β = −0.5"] < 1
    assert rho["simultaneous, β = +0.5"] >= 1 - 1e-12


def test_lookahead_panels_follow_the_closed_form():
    panels = experiments.lookahead_panels()
    assert len(panels) == 4
    for p in panels:
        # lookahead around GDA: μ = 1 − α + α m^k for each eigenvalue m of GDA's operator
        expected = gamedyn.spectrum.sort_eigenvalues(1 - p.alpha + p.alpha * p.base**p.k)
        np.testing.assert_allclose(p.lookahead, expected, atol=1e-12)
        assert p.base_rate == pytest.approx(np.abs(p.base).max(), abs=1e-14)
        assert p.rate == pytest.approx(np.abs(p.lookahead).max(), abs=1e-14)
        assert p.base_rate > 1  # GDA diverges on a bilinear game


@pytest.mark.slow
def test_dirac_gan_panel_matches_the_local_analysis(tmp_path):
    paths = figures.FIGURES["dirac_gan"](tmp_path, small=True)
    assert paths[0].name == "dirac_gan.png"
    converging = {
        "instance noise (σ = 0.7)",
        "R1, γ = 0.3",
        "R1, γ = 1 (critical)",
        "consensus (γ = 1)",
    }
    for label, game in experiments.dirac_variants().items():
        for method in (
            gamedyn.methods.GDA(experiments.DIRAC_LR),
            gamedyn.methods.AltGDA(experiments.DIRAC_LR),
        ):
            trajectory = gamedyn.run(method, game, experiments.DIRAC_START, experiments.DIRAC_STEPS)
            distance = np.linalg.norm(trajectory[-1])
            if label in converging:
                rho = gamedyn.spectral_radius(method, game, np.zeros(2))
                assert rho < 1 and distance < 1e-3, (label, method)
                # the tail contracts at the rate of the Jacobian at the equilibrium
                tail = trajectory[: int(-np.log(1e8) / np.log(rho))]
                assert gamedyn.contraction_rate(tail, rtol=1e-6) == pytest.approx(rho, abs=1e-5)
            else:
                assert distance > 0.1, (label, method)  # no convergence without regularisation


@pytest.mark.slow
def test_rate_regions_figure_reads_the_operator_spectra(tmp_path):
    import matplotlib.pyplot as plt

    paths = figures.FIGURES["rate_regions"](tmp_path, small=True)
    assert paths[0].name == "rate_regions.png"
    game = gamedyn.games.DiracGAN("standard", reg="r1", gamma=0.3)
    lam = gamedyn.spectrum.eigenvalues(game, z=[0.0, 0.0])
    np.testing.assert_allclose(experiments.region_eigenvalues(), lam, atol=1e-15)
    for label, method in experiments.region_methods().items():
        predicted = gamedyn.regions.predicted_rate(method, eigenvalues=lam)
        exact = gamedyn.spectral_radius(method, game, [0.0, 0.0])
        uses_transpose = (
            gamedyn.methods.Consensus,
            gamedyn.methods.HamiltonianGD,
            gamedyn.methods.SGA,
        )
        if isinstance(method, uses_transpose):
            continue  # their eigenvalue maps assume a normal J; this J is not normal
        assert predicted == pytest.approx(exact, abs=1e-10), label
    plt.close("all")


@pytest.mark.slow
def test_every_figure_is_made(tmp_path):
    paths = figures.make_all(tmp_path, small=True)
    names = {p.name for p in paths}
    assert {f"{name}.png" for name in figures.FIGURES if name != "momentum_table"} <= names
    assert all(p.stat().st_size > 10_000 for p in paths if p.suffix == ".png")


def _matched_distance(a: np.ndarray, b: np.ndarray) -> float:
    """The largest distance between paired eigenvalues, pairing ``a`` with ``b`` optimally."""
    from scipy.optimize import linear_sum_assignment

    assert a.shape == b.shape
    cost = np.abs(a[:, None] - b[None, :])
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].max())


@pytest.fixture(scope="module")
def mog_small():
    game = experiments.mog_game(small=True)
    return game, experiments.mog_spectra(small=True, game=game)


def test_mog_consensus_eigenvalues_are_those_of_j_plus_gamma_jtj(mog_small):
    import torch
    from torch.func import jacrev

    game, s = mog_small
    assert s["n"] == game.n and s["game"].size == s["consensus"].size == game.n
    # Independently: J by reverse mode (the figure uses forward mode), then J + γ JᵀJ.
    J = jacrev(game.field)(game.z0).numpy()
    C = J + s["gamma"] * J.T @ J
    scale = np.abs(C).max()
    assert _matched_distance(s["game"], np.linalg.eigvals(J)) < 1e-9 * np.abs(J).max()
    assert _matched_distance(s["consensus"], np.linalg.eigvals(C)) < 1e-8 * scale
    assert s["field_norm"] == pytest.approx(float(torch.linalg.norm(game.field(game.z0))))


def test_mog_consensus_matrix_is_the_consensus_operator_at_a_fixed_point(mog_small):
    """``Consensus(η, γ)``'s Jacobian is ``I − η (J + γJᵀJ + γ Σ v_i ∇²v_i)``: the figure's matrix
    plus a symmetric term that vanishes where ``v = 0``."""
    from torch.func import jacfwd, vjp

    game, s = mog_small
    lr, gamma = 0.5, s["gamma"]
    A = gamedyn.spectrum.operator_jacobian(gamedyn.methods.Consensus(lr, gamma), game, game.z0)
    J = gamedyn.spectrum.game_jacobian(game, game.z0)
    rest = (np.eye(game.n) - A) / lr - (J + gamma * J.T @ J)
    v = game.field(game.z0).detach()
    # Σ v_i ∇²v_i = ∂/∂z (J(z)ᵀ c) at c = v held fixed
    curvature = jacfwd(lambda z: vjp(game.field, z)[1](v)[0])(game.z0).numpy()
    scale = np.abs(A).max() / lr
    assert np.abs(rest - gamma * curvature).max() < 1e-9 * scale
    assert np.abs(rest - rest.T).max() < 1e-9 * scale


def test_mog_consensus_moves_the_eigenvalues_right(mog_small):
    _, s = mog_small
    lam, mu = s["game"], s["consensus"]
    # what the figure's titles claim: the leftmost eigenvalue moves right, rotation shrinks ...
    assert lam.real.min() < -0.1 and mu.real.min() > lam.real.min() + 0.1
    assert np.abs(mu.imag).max() < np.abs(lam.imag).max()
    # ... and γ JᵀJ ⪰ 0 moves the real parts' bounds (the symmetric part's spectrum) right
    tol = 1e-9 * np.abs(mu).max()
    assert mu.real.max() > lam.real.max() and (mu.real < -tol).sum() <= (lam.real < -tol).sum()


@pytest.fixture(scope="module")
def digits_small():
    games = experiments.digits_checkpoint_games(small=True)
    return games, experiments.checkpoint_spectra(small=True, games=games)


@pytest.mark.slow
def test_checkpoint_spectrum_steps_increase_and_residuals_are_small(digits_small):
    from gamedyn.figures.checkpoint_spectrum import DIGITS_SMALL

    games, spectra = digits_small
    steps = [s.step for s in spectra]
    size = DIGITS_SMALL
    assert steps == list(range(0, size["steps"] + 1, size["every"]))
    assert [step for step, _ in games] == steps
    for s in spectra:
        assert s.values.size >= size["k"] and s.residuals.shape == s.values.shape
        assert s.residuals.max() < 1e-6
        moduli = np.abs(s.values)
        assert np.all(np.diff(moduli) <= 1e-12 * moduli[0])  # sorted by decreasing modulus
    # training moves the spectrum
    assert not np.allclose(spectra[0].values, spectra[-1].values)


@pytest.mark.slow
def test_checkpoint_spectrum_top_eigenvalues_are_the_dense_ones(digits_small):
    games, spectra = digits_small
    for (step, game), s in zip(games, spectra, strict=True):
        dense = gamedyn.spectrum.eigenvalues(game, z=game.z0)  # sorted by decreasing modulus
        k, scale = s.values.size, np.abs(dense[0])
        assert np.abs(np.abs(s.values) - np.abs(dense[:k])).max() < 1e-8 * scale, step
        assert _matched_distance(s.values, dense[:k]) < 1e-8 * scale, step
