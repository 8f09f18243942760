"""Plots render with Agg and draw what they claim: the artists are checked, not only the run."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import LineCollection, PathCollection, QuadMesh
from matplotlib.contour import ContourSet
from matplotlib.quiver import Quiver

import gamedyn
from gamedyn import plot, regions
from gamedyn.games import Bilinear, DiracGAN
from gamedyn.methods import GDA, ExtraGradient, Momentum
from gamedyn.spectrum import eigenvalues as dense_eigenvalues


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def scatters(ax):
    return [c for c in ax.collections if isinstance(c, PathCollection)]


def legend_labels(ax):
    legend = ax.get_legend()
    return [] if legend is None else [t.get_text() for t in legend.get_texts()]


def colorbar_of(artist):
    assert artist.colorbar is not None, "no colorbar drawn for this artist"
    return artist.colorbar


# --- eigenvalue clouds -------------------------------------------------------------------------


def test_eigenvalue_cloud_draws_each_set_the_unit_circle_legend_and_colorbar():
    rng = np.random.default_rng(0)
    a = rng.standard_normal(7) + 1j * rng.standard_normal(7)
    b = 0.8 * np.exp(1j * np.linspace(0, 3, 12))
    steps = np.arange(12) * 100
    ax = plot.eigenvalue_cloud(
        {"step 0": a, "later": b},
        color_by={"later": steps},
        colorbar_label="step",
        unit_circle=True,
    )
    first, second = scatters(ax)
    np.testing.assert_allclose(first.get_offsets(), np.c_[a.real, a.imag])
    np.testing.assert_allclose(second.get_offsets(), np.c_[b.real, b.imag])
    np.testing.assert_array_equal(second.get_array(), steps)
    assert colorbar_of(second).ax.get_ylabel() == "step"
    (circle,) = [line for line in ax.get_lines() if line.get_gid() == "unit-circle"]
    np.testing.assert_allclose(np.hypot(*circle.get_data()), 1.0, atol=1e-12)
    assert legend_labels(ax) == ["step 0", "later", "|μ| = 1"]


def test_eigenvalue_cloud_of_one_unlabelled_set_has_no_legend_or_circle():
    fig, given = plt.subplots()
    ax = plot.eigenvalue_cloud([1 + 1j, 1 - 1j, 0.5], ax=given)
    assert ax is given
    (points,) = scatters(ax)
    assert len(points.get_offsets()) == 3
    assert ax.get_legend() is None
    assert not [line for line in ax.get_lines() if line.get_gid() == "unit-circle"]
    assert len(fig.axes) == 1  # no colorbar


def test_eigenvalue_cloud_checks_color_by():
    with pytest.raises(ValueError, match="color_by for None has 2 values for 3 eigenvalues"):
        plot.eigenvalue_cloud([1, 2, 3], color_by=[1, 2])
    with pytest.raises(ValueError, match="color_by names a set 'c'"):
        plot.eigenvalue_cloud({"a": [1], "b": [2]}, color_by={"c": [1]})


def test_eigenvalue_paths_through_the_operator_jacobian():
    # Alternating momentum (no eigenvalue map) on x·y as β goes from 0 to −1.
    game, betas = Bilinear([[1.0]]), np.linspace(0.0, -1.0, 11)
    ax = plot.eigenvalue_paths(
        lambda b: Momentum(0.5, b, alternating=True), betas, game=game, z=[0, 0], label="β"
    )
    path, start, end = scatters(ax)
    assert len(path.get_offsets()) == 11 * 4  # 2n = 4 operator eigenvalues per β
    np.testing.assert_array_equal(path.get_array(), np.repeat(betas, 4))
    mu = dense_eigenvalues(game, method=Momentum(0.5, -1.0, alternating=True), z=[0, 0])
    np.testing.assert_allclose(end.get_offsets(), np.c_[mu.real, mu.imag], atol=1e-12)
    assert colorbar_of(path).ax.get_ylabel() == "β"
    assert legend_labels(ax) == ["β = 0", "β = -1", "|μ| = 1"]


def test_eigenvalue_paths_through_eigenvalue_maps():
    betas = np.linspace(0.0, -0.9, 7)
    ax = plot.eigenvalue_paths(lambda b: Momentum(0.5, b), betas, eigenvalues=[1j, -1j])
    path = scatters(ax)[0]
    assert len(path.get_offsets()) == 7 * 2 * 2  # two λ, two roots each
    mu = regions.operator_eigenvalues(Momentum(0.5, -0.9), eigenvalues=[1j, -1j])
    np.testing.assert_allclose(path.get_offsets()[-4:], np.c_[mu.real, mu.imag], atol=1e-12)


# --- rate regions and hyperparameter maps --------------------------------------------------------


def test_rate_region_of_gda_draws_its_disk():
    lr, lam = 1.0, np.array([0.5 + 0.5j, 0.5 - 0.5j, 2.5])
    ax = plot.rate_region(GDA(lr), re=(-0.5, 2.5), im=(-1.5, 1.5), eigenvalues=lam, resolution=151)
    filled, boundary = [c for c in ax.collections if isinstance(c, ContourSet)]
    assert filled.filled and 1.0 in filled.levels
    assert not boundary.filled and list(boundary.levels) == [1.0]
    vertices = np.concatenate(boundary.allsegs[0])
    np.testing.assert_allclose(
        np.abs(1 - lr * (vertices[:, 0] + 1j * vertices[:, 1])), 1, atol=2e-3
    )  # the circle |λ − 1/η| = 1/η, to the grid's spacing
    (points,) = scatters(ax)
    np.testing.assert_allclose(points.get_offsets(), np.c_[lam.real, lam.imag])
    assert colorbar_of(filled).ax.get_ylabel() == "rate ρ"
    assert legend_labels(ax) == ["ρ = 1", "game eigenvalues λ"]


def test_hyperparameter_map_draws_the_rate_mesh_boundary_and_optimum():
    lr, beta = np.linspace(0.1, 1.0, 4), np.array([-0.5, 0.0, 0.5])
    rate = 0.5 + lr[:, None] + 0.1 * beta[None, :]  # crosses 1
    rate_map = regions.RateMap(("lr", "beta"), (lr, beta), rate)
    optimum = regions.Tuned({"lr": 0.1, "beta": -0.5}, 0.55, 1)
    ax = plot.hyperparameter_map(rate_map, optimum=optimum, vmax=1.2)
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    np.testing.assert_allclose(np.ravel(mesh.get_array()), np.minimum(rate, 1.2).T.ravel())
    (boundary,) = [c for c in ax.collections if isinstance(c, ContourSet)]
    assert list(boundary.levels) == [1.0]
    assert colorbar_of(mesh).ax.get_ylabel() == "rate ρ"
    (star,) = [line for line in ax.get_lines() if line.get_marker() == "*"]
    assert star.get_xydata().tolist() == [[0.1, -0.5]]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("lr", "beta")
    assert legend_labels(ax) == ["ρ = 1", "optimum, ρ = 0.55"]


def test_hyperparameter_map_computes_through_the_game_and_draws_one_axis_as_a_line():
    game, betas = Bilinear([[1.0]]), np.linspace(-0.8, 0.4, 7)
    ax = plot.hyperparameter_map(
        lambda beta: Momentum(0.5, beta, alternating=True), game=game, beta=betas
    )
    line = ax.get_lines()[0]
    expected = regions.hyperparameter_map(
        lambda beta: Momentum(0.5, beta, alternating=True), game=game, beta=betas
    ).rate
    np.testing.assert_allclose(line.get_ydata(), expected)
    np.testing.assert_array_equal(line.get_xdata(), betas)
    assert legend_labels(ax) == ["ρ", "ρ = 1"]


# --- 2-D games -----------------------------------------------------------------------------------


def test_vector_field_quiver_shows_minus_v():
    # x·y: v = (y, −x), so −v = (−y, x); arrows normalised to unit length.
    ax = plot.vector_field(Bilinear([[1.0]]), (-1, 1), (-2, 2), density=5)
    (quiver,) = [c for c in ax.collections if isinstance(c, Quiver)]
    X, Y = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-2, 2, 5))
    np.testing.assert_allclose(quiver.X, X.ravel())
    np.testing.assert_allclose(quiver.Y, Y.ravel())
    norm = np.hypot(X, Y).ravel()
    norm[norm == 0] = 1.0  # the zero arrow at the equilibrium stays zero
    np.testing.assert_allclose(quiver.U, -Y.ravel() / norm, atol=1e-12)
    np.testing.assert_allclose(quiver.V, X.ravel() / norm, atol=1e-12)


def test_vector_field_streamplot_and_checks():
    ax = plot.vector_field(DiracGAN(reg="r1", gamma=0.3), kind="stream", density=15)
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert lines and len(lines[0].get_segments()) > 10
    with pytest.raises(ValueError, match="unknown kind"):
        plot.vector_field(Bilinear([[1.0]]), kind="arrows")
    with pytest.raises(ValueError, match="2-D games"):
        plot.vector_field(Bilinear(np.eye(2)))


def test_trajectories_draw_the_runs_with_start_and_end_marked():
    game, starts, steps = Bilinear([[1.0]]), np.array([[1.0, 1.0], [-0.5, 1.0]]), 20
    methods = {"GDA": GDA(0.1), "EG": ExtraGradient(0.3)}
    ax = plot.trajectories(methods, game, starts, steps)
    paths = [line for line in ax.get_lines() if len(line.get_xdata()) == steps + 1]
    assert len(paths) == 4
    expected = [gamedyn.run(m, game, z0, steps) for m in methods.values() for z0 in starts]
    for line, zs in zip(paths, expected, strict=True):
        np.testing.assert_allclose(line.get_xydata(), zs)
    marks = {
        gid: [line.get_xydata()[0] for line in ax.get_lines() if line.get_gid() == gid]
        for gid in ("start", "end")
    }
    np.testing.assert_allclose(marks["start"], [zs[0] for zs in expected])
    np.testing.assert_allclose(marks["end"], [zs[-1] for zs in expected])
    assert legend_labels(ax) == ["GDA", "EG", "start", "end"]
    assert [c for c in ax.collections if isinstance(c, Quiver)]  # the field underneath


# --- style and saving ----------------------------------------------------------------------------


def test_style_is_applied_inside_and_does_not_leak():
    before = {k: matplotlib.rcParams[k] for k in plot.STYLE}
    ax = plot.eigenvalue_cloud([1j, -1j])
    assert tuple(ax.figure.get_size_inches()) == plot.STYLE["figure.figsize"]
    assert {k: matplotlib.rcParams[k] for k in plot.STYLE} == before
    with plot.style():
        assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][0] == "#0072B2"


def test_save_writes_png_and_pdf(tmp_path):
    ax = plot.eigenvalue_cloud([1j, -1j], unit_circle=True)
    paths = plot.save(ax.figure, tmp_path / "sub" / "cloud")
    assert [p.name for p in paths] == ["cloud.png", "cloud.pdf"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert paths[1].read_bytes()[:5] == b"%PDF-"
    with pytest.raises(ValueError, match="without extension"):
        plot.save(ax.figure, tmp_path / "cloud.png")


def test_path_angle_draws_the_cosines_and_the_norm():
    from gamedyn import path_angle

    game = Bilinear([[1.0]])
    result = path_angle(game, [1.0, 1.0], [-1.0, -1.0], num=21)
    ax = plot.path_angle(result)
    lines = [line for line in ax.get_lines() if line.get_label().startswith(("cos", "first"))]
    np.testing.assert_array_equal(lines[0].get_ydata(), result.cosine)
    np.testing.assert_array_equal(ax.right.get_lines()[0].get_ydata(), result.norm)
    assert ax.right.get_yscale() == "log"
    verticals = [line for line in ax.get_lines() if np.ptp(line.get_xdata()) == 0]
    assert sorted(line.get_xdata()[0] for line in verticals) == [0.0, 1.0]
    with pytest.raises(TypeError, match="PathAngle"):
        plot.path_angle(np.zeros(3))


# --- beyond the eigenvalues ----------------------------------------------------------------------


def test_pseudospectrum_draws_epsilon_contours_eigenvalues_and_the_boundary():
    from gamedyn.nonnormal import pseudospectrum

    game = DiracGAN("saturating", reg="r1", gamma=1.0)
    re, im = np.linspace(-0.3, 1.3, 41), np.linspace(-0.8, 0.8, 41)
    sigma = pseudospectrum(game, re, im)
    ax = plot.pseudospectrum(
        re,
        im,
        sigma,
        eigenvalues=dense_eigenvalues(game),
        levels=[1e-3, 1e-2, 1e-1],
        boundary="imaginary axis",
        title="Dirac",
    )
    contours = [c for c in ax.collections if isinstance(c, ContourSet)]
    assert contours and np.allclose(contours[0].levels, [-3, -2, -1])
    assert colorbar_of(contours[0]).ax.get_ylabel() == "log₁₀ ε"
    assert {"Re λ = 0", "eigenvalues"} <= set(legend_labels(ax))
    np.testing.assert_allclose(scatters(ax)[0].get_offsets(), [[0.5, 0.0], [0.5, 0.0]], atol=1e-7)
    ax = plot.pseudospectrum(re, im, sigma)  # default levels: every half decade in range
    assert "|μ| = 1" in legend_labels(ax)
    with pytest.raises(ValueError, match="sigma must have shape"):
        plot.pseudospectrum(re, im, sigma.T[:, :3])
    with pytest.raises(ValueError, match="boundary must be one of"):
        plot.pseudospectrum(re, im, sigma, boundary="circle")


def test_transient_growth_draws_norms_radius_powers_and_kreiss_lines():
    norms = {"a": [1.0, 1.5, 1.2, 0.9], "b": [1.0, 0.5, 0.25, 0.125]}
    ax = plot.transient_growth(norms, rho={"a": 0.9, "b": 0.5}, kreiss={"a": 1.3})
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["a"].get_ydata(), norms["a"])
    np.testing.assert_allclose(lines["ρᵗ, ρ = 0.9"].get_ydata(), 0.9 ** np.arange(4))
    assert "Kreiss K = 1.3" in lines and ax.get_yscale() == "log"
    ax = plot.transient_growth([1.0, 2.0, 1.0], dt=0.5)
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), [0.0, 0.5, 1.0])


def test_numerical_range_and_rotation_blocks():
    from gamedyn.nonnormal import field_of_values, rotation_index

    boundary = field_of_values(np.array([[0.0, 1.0], [0.0, 0.0]]))
    ax = plot.numerical_range(boundary, eigenvalues=[0.0, 0.0])
    np.testing.assert_allclose(
        np.abs(ax.get_lines()[0].get_xdata() + 1j * ax.get_lines()[0].get_ydata()), 0.5, atol=1e-10
    )
    r = rotation_index(Bilinear([[1.0]]), 4)
    ax = plot.rotation_blocks({"all": r, "dict": {"value": 0.25, "stderr": 0.05}})
    widths = sorted(p.get_width() for p in ax.patches)
    np.testing.assert_allclose(widths, [0.25, 1.0])
    with pytest.raises(TypeError, match="non-empty mapping"):
        plot.rotation_blocks({})


def test_operator_plots_have_a_short_title_the_unit_circle_and_zoomed_axes():
    from gamedyn.methods import GDA, Adam, Lookahead

    assert (
        plot.method_title(Lookahead(GDA(0.1), 5, 0.5)) == "Lookahead(GDA(lr=0.1), k=5, alpha=0.5)"
    )
    title = plot.method_title(Adam(2e-4, betas=(0.5, 0.999)))
    assert title == "Adam(lr=0.0002, betas=(0.5, 0.999), eps=1e-08)"
    values = np.array([1.0385, 1.031, 0.999 + 0.002j, 0.999 - 0.002j])
    ax = plot.eigenvalue_cloud(values, unit_circle=True, zoom=True)
    lo, hi = ax.get_xlim()
    assert 0.99 < lo < 0.999 and 1.0385 < hi < 1.05  # zoomed on the values, 1 kept in view
    assert any(line.get_gid() == "unit-circle" for line in ax.lines)


def test_what_is_drawn_is_rounded_below_a_pixel():
    x = np.array([0.1, 1 / 3, 2.0])
    assert np.array_equal(plot.drawn(x), plot.drawn(x * (1 + 1e-16)))
    np.testing.assert_allclose(plot.drawn(x), x, rtol=1e-7)
    assert plot.drawn(np.array([1 / 3 + 1j / 7])).dtype == complex
