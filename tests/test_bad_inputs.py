"""Bad and edge inputs, by class (issue #12): each is refused early with a clear error that names
the argument and its value, or warned about where the value is legitimate; the command line
answers one line ``gamedyn <command>: error: ...`` with exit status 2 and no traceback.

The wider survey (``python benchmarks/bad_inputs.py``) counts the answers to over 200 inputs.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
import torch
from helpers import tiny_batch, tiny_gan, tiny_players
from torch import nn

from gamedyn import regions, run
from gamedyn.analysis import json_safe
from gamedyn.cli import main
from gamedyn.examples import train
from gamedyn.games import Bilinear, DiracGAN, FunctionGame, Quadratic, TorchGame
from gamedyn.linalg import krylov_schur
from gamedyn.methods import CGD, GDA, Lookahead, Momentum
from gamedyn.spectrum import (
    Arpack,
    JacobianOperator,
    KrylovSchur,
    game_jacobian,
    operator_jacobian,
    spectral_radius,
    top_eigenvalues,
)


def _fail(argv, capsys, *words):
    """``main(argv)`` exits 2 with one line ``gamedyn <cmd>: error: ...`` naming ``words``."""
    try:
        status = main(argv)
    except SystemExit as exit_:  # argparse's own errors
        status = exit_.code
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2, err
    assert err and err[-1].startswith(f"gamedyn {argv[0]}: error: "), err
    assert "Traceback" not in "\n".join(err)
    for word in words:
        assert word in err[-1], (word, err[-1])
    return err[-1]


# --- the command line ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ckpt(mixture_checkpoints):
    return str(mixture_checkpoints[-1])


EXAMPLE = ["--example", "mixture-small", "--batch", "8", "--no-progress"]


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--k", "0"], ["--k", "must be an integer >= 1, got 0"]),
        (["--k", "two"], ["--k", "'two' is not an integer"]),
        (["--tol", "0"], ["--tol", "must be > 0"]),
        (["--tol", "nan"], ["--tol", "not finite"]),
        (["--lr", "-1"], ["--lr", "must be > 0"]),
        (["--batch", "0"], ["--batch", "got 0"]),
        (["--batches", "0"], ["--batches", "got 0"]),
        (["--max-restarts", "-1"], ["--max-restarts", "got -1"]),
        (["--ncv", "2"], ["--ncv 2", "--k + 2"]),
        (["--k", "100000"], ["--k 100000", "n = 331"]),
        (["--which", "XX"], ["--which", "invalid choice: 'XX'"]),
        (["--method", "adamw2"], ["--method", "'adamw2'"]),
        (["--reg", "r1"], ["--reg r1", "--reg-weight"]),
        (["--reg-weight", "2"], ["--reg-weight 2", "--reg"]),
        (["--device", "cuda"], ["--device 'cuda'", "not available"]),
        (["--device", "tpu9"], ["--device 'tpu9'"]),
        (["--spread"], ["--spread", "--batches"]),
        (["--blocks", "--k", "1"], ["--blocks", "--k >= 2"]),
        (["--data", "gamedyn.examples.digits:sample"], ["real batch of shape (8, 1, 8, 8)"]),
        (["--latent", "gamedyn.examples.dcgan:latent"], ["latent batch", "(8, 100)"]),
        (["--generator", "no_such_mod:g"], ["no_such_mod"]),
        (["--generator", "nocolon"], ["import path", "'nocolon'"]),
    ],
)
def test_spectrum_option_mistakes(ckpt, tmp_path, capsys, extra, words):
    _fail(["spectrum", ckpt, *EXAMPLE, "--out", str(tmp_path), *extra], capsys, *words)


def test_spectrum_file_mistakes(ckpt, tmp_path, capsys):
    _fail(["spectrum", "missing.pt", *EXAMPLE], capsys, "no file at 'missing.pt'")
    (tmp_path / "dir.pt").mkdir()
    _fail(["spectrum", str(tmp_path / "dir.pt"), *EXAMPLE], capsys, "is a directory")
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"\x80\x02garbage")
    _fail(["spectrum", str(garbage), *EXAMPLE, "--out", str(tmp_path)], capsys, "refused")
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    _fail(["spectrum", ckpt, *EXAMPLE, "--out", str(a_file)], capsys, "--out", "is a file")
    _fail(["spectrum", ckpt, *EXAMPLE, "--out", "/sys/gamedyn"], capsys, "not writable")
    wrong = ["--example", "mixture", "--batch", "8", "--out", str(tmp_path)]
    _fail(["spectrum", ckpt, *wrong], capsys, "does not match generator", "missing keys")


def test_unwritable_out_is_refused_before_any_work(ckpt, capsys, monkeypatch):
    """The output folder is checked before the game is even built."""
    from gamedyn.cli import _options as options

    def never(*args, **kwargs):
        raise AssertionError("the game was built before --out was checked")

    monkeypatch.setattr(options, "build_game", never)
    _fail(["spectrum", ckpt, *EXAMPLE, "--out", "/sys/gamedyn"], capsys, "not writable")


def test_other_commands_mistakes(ckpt, mixture_checkpoints, tmp_path, capsys):
    first = str(mixture_checkpoints[0])
    pa = ["--example", "mixture-small", "--batch", "8", "--out", str(tmp_path)]
    _fail(["path-angle", first, ckpt, *pa, "--num", "1"], capsys, "--num", ">= 2")
    _fail(["path-angle", ckpt, ckpt, *pa], capsys, "same point")
    _fail(["path-angle", first, "missing.pt", *pa], capsys, "missing.pt")
    _fail(["figures", "--only", "nope", "--out", str(tmp_path)], capsys, "unknown figure", "nope")
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    _fail(["figures", "--only", "momentum_table", "--out", str(a_file)], capsys, "is a file")
    _fail(["examples", "cifar"], capsys, "invalid choice: 'cifar'")
    _fail(["examples", "mixture-small", "--steps", "-1"], capsys, "--steps", "got -1")
    _fail(["examples", "mixture-small", "--lr", "0"], capsys, "--lr", "must be > 0")
    _fail(["examples", "mixture-small", "--out", str(a_file)], capsys, "is a file")
    out = str(tmp_path / "diverged")
    argv = ["examples", "mixture-small", "--steps", "40", "--lr", "1e12", "--out", out]
    _fail(argv, capsys, "diverged at step")


@pytest.mark.slow
def test_no_traceback_in_a_real_process(ckpt):
    """The installed entry points print one line and exit 2 (``--debug`` shows the traceback)."""
    for argv in (["gamedyn", "spectrum", "missing.pt"], ["gamedyn.examples", "cifar"]):
        argv = argv + (["--example", "mixture-small"] if "spectrum" in argv else [])
        out = subprocess.run([sys.executable, "-m", *argv], capture_output=True, text=True)
        assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
        command = "examples" if argv[0] == "gamedyn.examples" else argv[1]
        assert out.stderr.strip().splitlines()[-1].startswith(f"gamedyn {command}: error: ")
    debug = [sys.executable, "-m", "gamedyn", "spectrum", "missing.pt", "--example"]
    out = subprocess.run(debug + ["mixture-small", "--debug"], capture_output=True, text=True)
    assert out.returncode == 1 and "Traceback" in out.stderr


def test_not_converged_exits_1_with_the_partial_record(ckpt, tmp_path, capsys):
    argv = ["spectrum", ckpt, *EXAMPLE, "--k", "4", "--tol", "1e-15", "--max-restarts", "0"]
    # a basis shorter than the game (the default one spans all of its 30-odd entries: exact)
    assert main(argv + ["--ncv", "12", "--out", str(tmp_path)]) == 1
    record = json.loads((tmp_path / "eigenvalues.json").read_text())
    assert record["converged"] is False and "did not converge" in record["message"]
    assert len(record["eigenvalues"]) == 4 and len(record["residuals"]) == 4
    assert "NOT converged" in capsys.readouterr().out


# --- silent traps -----------------------------------------------------------------------------


def test_a_named_regulariser_with_weight_zero_is_warned_about():
    with pytest.warns(UserWarning, match="reg='r1' with gamma = 0 adds nothing"):
        DiracGAN(reg="r1")
    with pytest.warns(UserWarning, match="reg='gp' with reg_weight = 0 adds nothing"):
        tiny_gan(reg="gp")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        DiracGAN(reg="r1", gamma=0.5)
        tiny_gan(reg="r1", reg_weight=0.5)


@pytest.mark.parametrize(
    "make",
    [
        lambda: GDA(True),
        lambda: GDA((0.1, False)),
        lambda: Momentum(0.1, True),
        lambda: DiracGAN(reg="r1", gamma=True),
        lambda: tiny_gan(reg="r1", reg_weight=True),
    ],
)
def test_booleans_are_not_numbers(make):
    with pytest.raises(TypeError, match=r"must be a real number, got (True|False) \(bool\)"):
        make()


def test_complex_and_boolean_data_are_refused():
    G, D = tiny_players()
    real, latent = tiny_batch()
    with pytest.raises(TypeError, match="real must be real, got a complex tensor"):
        TorchGame(G, D, "wgan", real.to(torch.complex64), latent)
    with pytest.raises(TypeError, match="latent must be real numbers, got a boolean tensor"):
        TorchGame(G, D, "wgan", real, latent > 0)
    with pytest.raises(TypeError, match="A must be real"):
        Bilinear([[1j]])


def test_negative_strides_are_copied():
    game = Bilinear(np.eye(2)[::-1])
    np.testing.assert_array_equal(game.A.numpy(), np.eye(2)[::-1])
    G, D = tiny_players()
    real = np.random.default_rng(0).standard_normal((8, 2))[::-1]
    game = TorchGame(G, D, "wgan", real, tiny_batch()[1])
    np.testing.assert_array_equal(game.real.numpy(), real)


def test_non_finite_jacobians_and_runs_are_reported():
    game = FunctionGame(
        lambda x, y: (x * y).sum() + torch.sqrt(x).sum(), lambda x, y: y.sum(), 1, 1
    )
    with pytest.raises(FloatingPointError, match="game Jacobian has 2 non-finite entries"):
        game_jacobian(game, [-1.0, 1.0])
    with pytest.raises(FloatingPointError, match="operator Jacobian of GDA"):
        operator_jacobian(GDA(0.1), game, [-1.0, 1.0])
    with pytest.warns(RuntimeWarning, match="diverged: the iterates are not finite from step"):
        trajectory = run(GDA(10.0), Bilinear([[1e10]]), [1.0, 1.0], 200)
    first = int(np.argmax(~np.isfinite(trajectory).all(axis=1)))
    assert np.isfinite(trajectory[:first]).all() and np.isnan(trajectory[first:]).all()


def test_non_finite_products_stop_the_solver():
    game = FunctionGame(
        lambda x, y: (x * y).sum() + torch.sqrt(x - 5.0).sum(), lambda x, y: -(x * y).sum(), 3, 3
    )
    with pytest.raises(FloatingPointError, match="not finite"):
        top_eigenvalues(game, k=2, z=np.zeros(6))


def test_hyperparameter_maps_say_when_everything_was_refused_or_make_method_fails():
    with pytest.raises(ValueError, match=r"refused every grid point \(2 of them\).*lr=-1.0"):
        regions.hyperparameter_map(lambda lr: GDA(lr), eigenvalues=[1j], lr=[-1.0, -2.0])
    with pytest.raises(ValueError, match=r"make_method\(lr=1.0\) raised ValueError: math domain"):
        regions.hyperparameter_map(lambda lr: GDA(math.log(-lr)), eigenvalues=[1j], lr=[1.0])
    partly = regions.hyperparameter_map(lambda lr: GDA(lr), eigenvalues=[0.5], lr=[-1.0, 1.0])
    assert np.isnan(partly.rate[0]) and partly.rate[1] == pytest.approx(0.5)


@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad=True:UserWarning")
def test_a_loss_that_leaves_the_graph_is_refused():
    with pytest.raises(ValueError, match="does not depend on x or y through torch operations"):
        FunctionGame(lambda x, y: torch.tensor(float((x * y).sum())), lambda x, y: y.sum(), 1, 1)
    with pytest.raises(ValueError, match="disagrees with its finite differences"):
        FunctionGame(
            lambda x, y: x.sum() * torch.tensor(float(y.sum())), lambda x, y: y.sum(), 1, 1
        )
    with pytest.raises(ValueError, match="loss_x gives different values at the same point"):
        FunctionGame(lambda x, y: (x * torch.randn(1)).sum(), lambda x, y: y.sum(), 1, 1)
    with pytest.raises(ValueError, match=r"loss_x\(x, y\) raised IndexError"):
        FunctionGame(lambda x, y: x[5], lambda x, y: y.sum(), 1, 1)


def test_empty_games_are_refused():
    with pytest.raises(ValueError, match="both players need parameters, got nx = 0"):
        Bilinear(np.zeros((0, 0)))
    with pytest.raises(ValueError, match="nx must be an integer >= 1"):
        FunctionGame(lambda x, y: x.sum(), lambda x, y: y.sum(), 0, 1)


def test_diverging_training_stops_without_writing(tmp_path):
    with pytest.raises(FloatingPointError, match="diverged at step") as err:
        train("mixture-small", 40, tmp_path, save_every=1000, lr=1e12)
    assert sorted(p.name for p in tmp_path.glob("step_*[0-9].safetensors")) == [
        "step_000000.safetensors"
    ]
    assert "step_000000" in str(err.value)


def test_fakes_of_another_shape_than_the_real_data_are_refused():
    """Fakes ``(B, 1, 2)`` against real ``(B, 2)`` would broadcast the gradient-penalty
    interpolation to ``(B, B, 2)`` and give a wrong field."""
    G = nn.Sequential(nn.Linear(2, 2), nn.Unflatten(1, (1, 2)))
    D = nn.Sequential(nn.Flatten(), nn.Linear(2, 1))
    with pytest.raises(ValueError, match=r"fake batch has shape \(8, 1, 2\).*\(8, 2\)"):
        TorchGame(G, D, "wgan", *tiny_batch(), reg="gp", reg_weight=1.0)
    with pytest.raises(ValueError, match="fake batch has shape"):
        tiny_gan().with_batch(torch.ones(4, 3), torch.ones(4, 2))


# --- errors from inside dependencies, crashes --------------------------------------------------


def test_models_that_do_not_fit_their_inputs_say_so():
    G, D = tiny_players()
    real, _ = tiny_batch()
    with pytest.raises(
        ValueError, match=r"generator cannot take the latent batch of shape \(8, 3\)"
    ):
        TorchGame(G, D, "wgan", real, torch.ones(8, 3))
    with pytest.raises(ValueError, match="device 'cuda' is not available"):
        tiny_gan(device="cuda")
    with pytest.raises(ValueError, match="device 'tpu9' is not a torch device"):
        tiny_gan(device="tpu9")


def test_non_finite_weights_and_buffers_are_named():
    G, D = tiny_players()
    with torch.no_grad():
        G[0].weight[0, 0] = float("nan")
    with pytest.raises(ValueError, match=r"generator has non-finite .*generator\.0\.weight"):
        TorchGame(G, D, "wgan", *tiny_batch())
    D = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.Tanh(), nn.Linear(3, 1)).eval()
    with torch.no_grad():
        D[1].running_var[0] = float("nan")
    with pytest.raises(ValueError, match=r"discriminator\.1\.running_var"):
        TorchGame(tiny_players()[0], D, "wgan", *tiny_batch(), batchnorm="running")


def test_krylov_arguments():
    with pytest.raises(ValueError, match="v0 must be finite and non-zero"):
        krylov_schur(lambda u: u, 10, 2, v0=torch.zeros(10, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"v0 must be a vector of length n = 10, got shape \(3,\)"):
        krylov_schur(lambda u: u, 10, 2, v0=torch.ones(3, dtype=torch.float64))
    with pytest.raises(ValueError, match="ncv must satisfy"):
        top_eigenvalues(tiny_gan(), k=4, solver=KrylovSchur(ncv=3))


def test_small_operators_are_solved_exactly():
    """Krylov–Schur on a 6 × 6 operator (its basis the whole space) and ARPACK alike."""
    game = Bilinear(np.diag([3.0, 2.0, 1.0]))
    for solver in (KrylovSchur(), Arpack()):
        top = top_eigenvalues(game, k=2, which="LI", solver=solver)
        np.testing.assert_allclose(np.sort(top.values.imag), [-3.0, 3.0], atol=1e-10)


def test_matrix_free_cgd_at_a_fixed_point_is_solved():
    # implicit differentiation of the solve (issue 17): CGD at v = 0 is (I + ηJ)⁻¹ here
    top = top_eigenvalues(Bilinear(np.diag([1.0, 2.0, 3.0])), k=2, method=CGD(0.1))
    np.testing.assert_allclose(np.abs(top.values), 1 / np.sqrt(1 + 0.01), rtol=1e-10)


# --- hangs and memory --------------------------------------------------------------------------


def test_lookahead_maps_with_many_fast_steps_are_quick_and_exact():
    lam = np.array([1j, 0.5, 2 + 1j, 0.1 - 0.3j])
    for k in (20, 24, 1000):
        start = time.perf_counter()
        got = regions.rate(Lookahead(GDA(0.1), k=k, alpha=0.5), lam)
        assert time.perf_counter() - start < 1.0
        np.testing.assert_allclose(got, np.abs(0.5 + 0.5 * (1 - 0.1 * lam) ** k), rtol=1e-10)
    base = Momentum(0.1, -0.3)
    got = regions.rate(Lookahead(base, k=30, alpha=0.5), lam)
    for value, w in zip(got, lam, strict=True):  # the companion matrix of heavy ball, powered
        M = np.array([[1 + (-0.3) - 0.1 * w, 0.3], [1.0, 0.0]])
        mu = np.linalg.eigvals(0.5 * np.eye(2) + 0.5 * np.linalg.matrix_power(M, 30))
        assert value == pytest.approx(np.abs(mu).max(), rel=1e-9)


def test_work_that_cannot_finish_is_refused_up_front():
    start = time.perf_counter()
    with pytest.raises(ValueError, match="would not finish in reasonable time"):
        spectral_radius(Lookahead(GDA(0.1), 10**9, 0.5), Bilinear([[1.0]]))
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    "allocate",
    [
        lambda: regions.rate_grid(GDA(0.1), np.linspace(0, 1, 10**6), np.linspace(0, 1, 10**6)),
        lambda: top_eigenvalues(tiny_gan(), k=2, solver=KrylovSchur(ncv=10**12)),
        lambda: run(CGD(0.1), Bilinear(np.eye(1, 10**6)), np.zeros(10**6 + 1), 1),
        lambda: game_jacobian(Bilinear(np.eye(1, 10**6)), np.zeros(10**6 + 1)),
    ],
)
def test_allocations_beyond_the_machine_are_refused_with_their_size(allocate):
    with pytest.raises((MemoryError, ValueError), match=r"GiB|ncv"):
        allocate()


def test_quadrature_nodes_are_bounded():
    with pytest.raises(ValueError, match="quadrature_nodes = 1000000 is more than 1000"):
        DiracGAN(noise_std=1.0, quadrature_nodes=10**6)


# --- records ------------------------------------------------------------------------------------


def test_records_never_hold_nan():
    record = json_safe({"a": [1.0, float("nan")], "b": np.float64("inf"), "c": np.arange(2)})
    assert record == {"a": [1.0, None], "b": None, "c": [0, 1]}
    json.dumps(record, allow_nan=False)


def test_a_quadratic_game_without_a_fixed_point_says_so():
    game = Quadratic([[0.0]], [[0.0]], [[0.0]], [[0.0]], [1.0], [0.0])
    with pytest.raises(ValueError, match="has no fixed point"):
        JacobianOperator(game)


# --- issue 24: nothing silently ignored or wrong --------------------------------------------------


def _adam_state_dicts():
    """A tiny GAN and its players' ``torch.optim.Adam`` states after two steps."""
    game = tiny_gan()
    G, D = tiny_players()
    states = []
    for module in (G, D):
        opt = torch.optim.Adam(module.parameters(), lr=1e-3)
        for _ in range(2):
            opt.zero_grad()
            sum(p.square().sum() for p in module.parameters()).backward()
            opt.step()
        states.append(opt.state_dict())
    return game, states


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda e: e["exp_avg_sq"].view(-1).__setitem__(0, -1.0), ["'exp_avg_sq'", "negative"]),
        (
            lambda e: e["exp_avg_sq"].view(-1).__setitem__(0, math.nan),
            ["'exp_avg_sq'", "non-finite"],
        ),
        (lambda e: e["exp_avg"].view(-1).__setitem__(0, math.inf), ["'exp_avg'", "non-finite"]),
        (lambda e: e.pop("step"), ["no 'step'"]),
        (lambda e: e.__setitem__("step", torch.tensor(1.5)), ["'step'", "1.5"]),
        (lambda e: e.__setitem__("step", torch.tensor(math.nan)), ["'step'", "nan"]),
        (lambda e: e.__setitem__("step", torch.tensor(math.inf)), ["'step'", "inf"]),
    ],
)
def test_optimiser_states_that_cannot_be_right_are_refused(change, words):
    from gamedyn.methods import read_optimiser_state

    game, (g, d) = _adam_state_dicts()
    change(d["state"][0])
    with pytest.raises(ValueError, match="discriminator's optimiser state") as err:
        read_optimiser_state(game, g, d)
    for word in words:
        assert word in str(err.value)


def test_a_batchnorm_counter_must_be_a_whole_number():
    from gamedyn.checkpoints._loading import load_into

    module = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    state = dict(module.state_dict())
    with pytest.raises(ValueError, match=r"num_batches_tracked.*1.num_batches_tracked = 2.5"):
        load_into(module, state | {"1.num_batches_tracked": torch.tensor(2.5)})
    load_into(module, state | {"1.num_batches_tracked": torch.tensor(3.0)})  # whole: accepted
    assert int(module[1].num_batches_tracked) == 3


def test_lyapunov_quantities_at_a_spectral_radius_of_one_are_refused():
    from gamedyn.methods import AltGDA
    from gamedyn.stochastic import stationary_covariance, stationary_mse

    xy = Bilinear([[1.0]])  # alternating GDA on x·y: ρ = 1 exactly, computed as 1 − 1e-16
    for lr in (0.1, 0.5, 1.9):
        with pytest.raises(ValueError, match=r"spectral radius 1.*(within 1e-08 of 1|>= 1)"):
            stationary_mse(AltGDA(lr), xy, 1.0)
    c = 1e-12 / 0.1  # GDA(0.1) on J = cI: ρ = 1 − 1e-12
    near = Quadratic([[c]], [[c]], [[0.0]], [[0.0]])
    with pytest.raises(ValueError, match="within 1e-08 of 1"):
        stationary_covariance(GDA(0.1), near, 1.0)
    far = Quadratic([[1.0]], [[1.0]], [[0.0]], [[0.0]])  # ρ = 0.9: 0.01/(1 − 0.81) per entry
    np.testing.assert_allclose(stationary_covariance(GDA(0.1), far, 1.0), np.eye(2) * 0.01 / 0.19)


@pytest.mark.parametrize(
    ("cov", "words"),
    [
        (math.nan, "must be finite"),
        (np.float64(math.inf), "must be finite"),
        (torch.tensor(math.nan), "must be finite"),
        (-1.0, "variance >= 0"),
        (torch.tensor(-1.0), "variance >= 0"),
        (True, "bool"),
        ([[1.0, 0.5], [0.0, 1.0]], "symmetric"),
        ([[1.0, 0.0], [0.0, -1.0]], "positive semi-definite"),
        ([[math.nan, 0.0], [0.0, 1.0]], "non-finite"),
    ],
)
def test_covariances_are_checked(cov, words):
    from gamedyn.games import AdditiveNoise

    with pytest.raises((ValueError, TypeError), match="cov") as err:
        AdditiveNoise(Bilinear([[1.0]]), cov)
    assert words in str(err.value) or words == "bool"


@pytest.mark.parametrize(
    "cov", [np.float64(0.5), np.float32(0.5), np.array(0.5), torch.tensor(0.5), 0.5]
)
def test_numpy_scalars_and_0d_tensors_are_scalar_covariances(cov):
    from gamedyn.games import AdditiveNoise

    noisy = AdditiveNoise(Bilinear([[1.0]]), cov)
    np.testing.assert_array_equal(noisy.cov.numpy(), 0.5 * np.eye(2))


@pytest.mark.parametrize("seed", [1.7, 1.0, True, "1", -1, None, 2**64])
def test_seeds_are_integers(seed):
    from gamedyn.checkpoints import standard_normal
    from gamedyn.games import AdditiveNoise, seed_bilinear
    from gamedyn.stochastic import stochastic_run

    noisy = AdditiveNoise(Bilinear([[1.0]]), 0.1)
    for call in (
        lambda: stochastic_run(GDA(0.1), noisy, [1.0, 1.0], 2, runs=2, seed=seed),
        lambda: standard_normal(4, seed, shape=2),
        lambda: seed_bilinear(2, seed=seed),
    ):
        with pytest.raises((TypeError, ValueError), match="seed"):
            call()
    same = stochastic_run(GDA(0.1), noisy, [1.0, 1.0], 2, runs=2, seed=np.int64(3))
    np.testing.assert_array_equal(same, stochastic_run(GDA(0.1), noisy, [1, 1], 2, 2, 3))


def test_kreiss_bounds_refuse_a_negative_constant():
    from gamedyn.nonnormal import kreiss_bounds

    for constant in (-1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="constant"):
            kreiss_bounds(constant, 3)
    with pytest.raises(TypeError, match="constant"):
        kreiss_bounds(True, 3)
    assert kreiss_bounds(1.5, 2) == (1.5, float(np.e * 2 * 1.5))


def test_exact_adam_where_a_second_moment_is_zero_is_warned_about():
    from gamedyn.methods import Adam

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rho = spectral_radius(Adam(0.1), Bilinear([[1.0]]))
    said = [str(w.message) for w in caught if "second moment" in str(w.message)]
    assert len(said) == 2 and "first player" in said[0] and "second player" in said[1]
    assert "zero in 1 of 1" in said[0] and "lr/eps" in said[0] and "meaningless" in said[0]
    assert rho == pytest.approx(0.1 / 1e-8, rel=1e-6)  # what the warning explains
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spectral_radius(Adam(0.1, second_moment=1.0), Bilinear([[1.0]]))  # frozen: no warning


class _SigmoidHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 1)

    def forward(self, x):
        return torch.sigmoid(self.fc(x)).view(-1)


@pytest.mark.parametrize(
    "discriminator",
    [
        lambda: nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid()),
        _SigmoidHead,
        lambda: nn.Sequential(nn.Linear(2, 1), nn.Sigmoid(), nn.Flatten(0)),
    ],
)
@pytest.mark.parametrize("loss", ["non-saturating", "saturating", "hinge"])
def test_a_sigmoid_discriminator_under_a_logits_loss_is_refused(discriminator, loss):
    G, _ = tiny_players()
    with pytest.raises(ValueError, match=r"ends in a sigmoid.*logits.*nn.Identity\(\)"):
        TorchGame(G, discriminator(), loss, *tiny_batch())


def test_a_sigmoid_inside_or_under_wgan_is_accepted():
    G, _ = tiny_players()
    inside = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1))
    assert TorchGame(G, inside, "non-saturating", *tiny_batch()).ny == 17
    last = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    assert TorchGame(G, last, "wgan", *tiny_batch()).ny == 3


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: run(GDA(0.1), Bilinear([[1.0]]), [1, 1], 10**12), "GiB"),
        (
            lambda: __import__("gamedyn.nonnormal", fromlist=["x"]).pseudospectrum(
                Bilinear([[1.0]]), np.linspace(-1, 1, 2000), np.linspace(-1, 1, 2000)
            ),
            "the grid's points (2,000 re × 2,000 im) = 4,000,000 is more than the 1,000,000",
        ),
        (
            lambda: __import__("gamedyn.nonnormal", fromlist=["x"]).transient_growth(
                Bilinear([[1.0]]), 10**9, method=GDA(0.1)
            ),
            "steps = 1,000,000,000 is more than the 1,000,000",
        ),
        (
            lambda: __import__("gamedyn.nonnormal", fromlist=["x"]).transient_growth(
                Bilinear([[1.0]]), 10**5, method=GDA(0.1), matrix_free=True
            ),
            "steps = 100,000 is more than the 10,000",
        ),
        (
            lambda: __import__("gamedyn._landscape", fromlist=["x"]).path_angle(
                Bilinear([[1.0]]), [0, 0], [1, 1], num=10**10
            ),
            "num = 10,000,000,000",
        ),
    ],
)
def test_sizes_are_bounded_before_the_work_starts(call, words):
    start = time.perf_counter()
    with pytest.raises((ValueError, MemoryError)) as err:
        call()
    assert words in str(err.value)
    assert time.perf_counter() - start < 30  # refused, not attempted


def test_memory_guards_respect_the_address_space_limit():
    code = (
        "import resource\n"
        "from gamedyn import _validate\n"
        "resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, resource.RLIM_INFINITY))\n"
        "try:\n"
        "    _validate.allocation('the test', 3.9 * 2**30)\n"
        "except MemoryError as err:\n"
        "    print(err)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "the test needs 3.9 GiB" in out.stdout and "RLIMIT_AS" in out.stdout


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--method", "adam", "--n-critic", "0"], ["--n-critic", "got 0"]),
        (["--ema", "--no-ema"], ["--ema and --no-ema"]),
        (["--no-ema", "--ema"], ["--ema and --no-ema"]),
        (["--transient", "1000000000"], ["transient = 1,000,000,000"]),
        (["--batches", "1000000000"], ["--batches = 1,000,000,000"]),
        (["--pseudospectrum", "--pseudospectrum-grid", "5000"], ["grid² (its points)"]),
        (["--threads", "0"], ["--threads", "got 0"]),
        (["--threads", "100000"], ["threads = 100000", "cores"]),
    ],
)
def test_spectrum_refusals_of_issue_24(ckpt, tmp_path, capsys, extra, words):
    _fail(["spectrum", ckpt, *EXAMPLE, "--out", str(tmp_path / "o"), *extra], capsys, *words)


def test_an_empty_out_is_refused_by_every_command(ckpt, mixture_checkpoints, tmp_path, capsys):
    first = str(mixture_checkpoints[0])
    model = EXAMPLE[:-1]  # path-angle has no progress bar
    _fail(["spectrum", ckpt, *EXAMPLE, "--out", ""], capsys, "--out ''", "empty")
    _fail(["path-angle", first, ckpt, *model, "--out", ""], capsys, "--out ''")
    _fail(["figures", "--only", "momentum_table", "--out", ""], capsys, "--out ''")
    _fail(["examples", "mixture-small", "--steps", "1", "--out", ""], capsys, "--out ''")
    out = str(tmp_path / "pa")
    _fail(["path-angle", first, ckpt, *model, "--num", str(10**10), "--out", out], capsys, "num")
