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
    player_hessian_eigenvalues,
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
    from gamedyn.cli import options

    def never(*args, **kwargs):
        raise AssertionError("the game was built before --out was checked")

    monkeypatch.setattr(options, "build_game", never)
    _fail(["spectrum", ckpt, *EXAMPLE, "--out", "/sys/gamedyn"], capsys, "not writable")


def test_other_commands_mistakes(ckpt, mixture_checkpoints, tmp_path, capsys):
    first = str(mixture_checkpoints[0])
    pa = ["--example", "mixture-small", "--batch", "8", "--out", str(tmp_path)]
    _fail(["path-angle", first, ckpt, *pa, "--num", "1"], capsys, "--num", "at least 2")
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
    assert main(argv + ["--out", str(tmp_path)]) == 1
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
    with pytest.raises(ValueError, match="which='BE' .* needs k >= 2"):
        player_hessian_eigenvalues(tiny_gan(), "x", 1, "BE")


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
