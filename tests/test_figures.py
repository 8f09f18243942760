"""``gamedyn figures``: each output is checked for what it claims."""

from __future__ import annotations

import numpy as np
import pytest

import gamedyn
from gamedyn import figures
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
    assert [r["update"] for r in rows].count("alternating") == len(figures.MOMENTUM_BETAS)
    game, z0 = Bilinear([[1.0]]), np.array([1.0, 1.0])
    for row in rows:
        beta, rho = float(row["beta"]), float(row["spectral radius"])
        method = Momentum(figures.MOMENTUM_LR, beta, alternating=row["update"] == "alternating")
        # The radius is the rate measured by running the method ...
        steps = 3000 if abs(rho - 1) < 1e-9 else int(min(3000, 25 / abs(np.log(rho))))
        trajectory = gamedyn.run(method, game, z0, steps)
        assert gamedyn.contraction_rate(trajectory, rtol=1e-9) == pytest.approx(rho, abs=1e-6)
        # ... and the yes/no cells say what the run does.
        norms = np.linalg.norm(trajectory, axis=1)
        bounded, converges = norms.max() < 10 * norms[0], norms[-1] < 1e-3 * norms[0]
        assert row["bounded"] == ("yes" if bounded else "no"), row
        assert row["converges"] == ("yes" if converges else "no"), row
    table = {(r["update"], float(r["beta"])): r for r in rows}
    assert all(table[("simultaneous", b)]["converges"] == "no" for b in figures.MOMENTUM_BETAS)
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


def test_bilinear_trajectories_end_where_the_rates_say(tmp_path):
    paths = figures.make_bilinear_trajectories(tmp_path, small=True)
    assert [p.name for p in paths] == ["bilinear_trajectories.png"] and paths[0].stat().st_size > 0
    game, z0, steps = Bilinear([[1.0]]), np.array(figures.BILINEAR_START), 200
    for label, method in figures.bilinear_methods().items():
        rho = gamedyn.spectral_radius(method, game, np.zeros(2))
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


def test_dirac_gan_panel_matches_the_local_analysis(tmp_path):
    paths = figures.make_dirac_gan(tmp_path, small=True)
    assert paths[0].name == "dirac_gan.png"
    converging = {
        "instance noise (σ = 0.7)",
        "R1, γ = 0.3",
        "R1, γ = 1 (critical)",
        "consensus (γ = 1)",
    }
    for label, game in figures.dirac_variants().items():
        for method in (
            gamedyn.methods.GDA(figures.DIRAC_LR),
            gamedyn.methods.AltGDA(figures.DIRAC_LR),
        ):
            trajectory = gamedyn.run(method, game, figures.DIRAC_START, figures.DIRAC_STEPS)
            distance = np.linalg.norm(trajectory[-1])
            if label in converging:
                rho = gamedyn.spectral_radius(method, game, np.zeros(2))
                assert rho < 1 and distance < 1e-3, (label, method)
                # the tail contracts at the rate of the Jacobian at the equilibrium
                tail = trajectory[: int(-np.log(1e8) / np.log(rho))]
                assert gamedyn.contraction_rate(tail, rtol=1e-6) == pytest.approx(rho, abs=1e-5)
            else:
                assert distance > 0.1, (label, method)  # no convergence without regularisation


def test_rate_regions_figure_reads_the_operator_spectra(tmp_path):
    import matplotlib.pyplot as plt

    paths = figures.make_rate_regions(tmp_path, small=True)
    assert paths[0].name == "rate_regions.png"
    game = gamedyn.games.DiracGAN("standard", reg="r1", gamma=0.3)
    lam = gamedyn.spectrum.eigenvalues(game, [0.0, 0.0])
    for label, method in figures.region_methods().items():
        predicted = gamedyn.regions.predicted_rate(method, eigenvalues=lam)
        exact = gamedyn.spectral_radius(method, game, [0.0, 0.0])
        if isinstance(method, gamedyn.methods.Consensus):
            continue  # its eigenvalue map assumes a normal J; this J is not normal
        assert predicted == pytest.approx(exact, abs=1e-10), label
    plt.close("all")


def test_every_figure_is_made(tmp_path):
    paths = figures.make_all(tmp_path, small=True)
    names = {p.name for p in paths}
    assert {f"{name}.png" for name in figures.FIGURES if name != "momentum_table"} <= names
    assert all(p.stat().st_size > 10_000 for p in paths if p.suffix == ".png")
