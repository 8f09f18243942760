"""The stochastic bilinear experiment in the authors' setting (gamedyn.experiments): the problem,
the per-sample gradients and every method's run equal an independent transcription of LAGAN's
released notebook (``bilinear_game/LA-MM_stochastic_bilinear.ipynb``: ``build_problem``,
``minibatch_update``, ``AdamOpt``, ``sgd_sga``, ``lookahead``) written here in numpy, fed the same
sampled indices; and the outcome that the paper reports is checked on a reduced run."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gamedyn.experiments import (
    NOTEBOOK_METHODS,
    NotebookProblems,
    notebook_curves,
    notebook_method,
    notebook_outcome,
    notebook_problem,
    notebook_run,
    sampling_noise_variance,
)
from gamedyn.games import finite_sum_bilinear


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# --- the transcription -----------------------------------------------------------------------


def build_problem(seed, d=20):
    """``np.random.seed(seed)`` then ``np.random.randn``: the stream of ``RandomState(seed)``."""
    random = np.random.RandomState(seed)
    x0 = 1.0 / np.sqrt(d) * random.randn(d)
    y0 = 1.0 / np.sqrt(d) * random.randn(d)
    M, a, b = np.zeros((d, d, d)), np.zeros((d, d)), np.zeros((d, d))
    for i in range(d):
        M[i][i, i] = 1
        a[i, :] = 1.0 / np.sqrt(d) * random.randn(d)
        b[i, :] = 1.0 / np.sqrt(d) * random.randn(d)
    y_star = np.linalg.solve(M.mean(0), -a.mean(0))
    x_star = np.linalg.solve(M.mean(0).T, -b.mean(0))
    return x0, y0, M, a, b, x_star, y_star


def update(x, y, M, a, b, indices):
    """The notebook's minibatch_update: the sampled gradients summed."""
    gx, gy = np.zeros(x.shape), np.zeros(y.shape)
    for i in indices:
        gx = gx + M[i].dot(y) + a[i]
        gy = gy + M[i].T.dot(x) + b[i]
    return gx, gy


class AdamOpt:
    def __init__(self, d, beta_1, beta_2=0.999, epsilon_0=1e-8):
        self.b1, self.b2, self.eps = beta_1, beta_2, epsilon_0
        self.mx, self.my, self.vx, self.vy = (np.zeros(d) for _ in range(4))

    def direction(self, gx, gy, t):
        self.mx = self.b1 * self.mx + (1 - self.b1) * gx
        self.vx = self.b2 * self.vx + (1 - self.b2) * gx**2
        self.my = self.b1 * self.my + (1 - self.b1) * gy
        self.vy = self.b2 * self.vy + (1 - self.b2) * gy**2
        dx = self.mx / (1 - self.b1 ** (t + 1)) / (np.sqrt(self.vx) + self.eps)
        dy = self.my / (1 - self.b1 ** (t + 1)) / (np.sqrt(self.vy) + self.eps)
        return dx, dy


def sgd_sga(problem, draws, gamma, extra, adam, beta1=0.0):
    x, y, M, a, b, xs, ys = problem
    opt = AdamOpt(x.size, beta1) if adam else None
    out = []
    for t, step in enumerate(draws):
        dx, dy = update(x, y, M, a, b, step[0])
        if adam:
            dx, dy = opt.direction(dx, dy, t)
        if extra:
            x_extra, y_extra = x - gamma * dx, y + gamma * dy
            dx, _ = update(x, y_extra, M, a, b, step[1])
            _, dy = update(x_extra, y, M, a, b, step[2])
            if adam:
                dx, dy = opt.direction(dx, dy, t)
        x, y = x - gamma * dx, y + gamma * dy
        out.append(np.linalg.norm(x - xs) + np.linalg.norm(y - ys))
    return np.array(out)


def lookahead(problem, draws, gamma, k, la_alpha):
    x, y, M, a, b, xs, ys = problem
    x_prev, y_prev = x.copy(), y.copy()
    out = []
    for t, step in enumerate(draws):
        if t > 0 and t % k == 0:
            x = x_prev + la_alpha * (x - x_prev)
            y = y_prev + la_alpha * (y - y_prev)
            x_prev, y_prev = x.copy(), y.copy()
        dx, dy = update(x, y, M, a, b, step[0])
        x, y = x - gamma * dx, y + gamma * dy
        out.append(np.linalg.norm(x - xs) + np.linalg.norm(y - ys))
    return np.array(out)


def _draws(game, method, passes, seed):
    """The indices notebook_run samples: per step, one index set per field evaluation."""
    ops_state = method.init(torch.tensor(game.z0))
    from gamedyn.backends import TorchOps

    class Fixed:
        def __init__(self):
            self.ops, self.calls = TorchOps(game.mean), 0

        def field(self, z):
            self.calls += 1
            return game.field(z, torch.ones(game.P, game.N, dtype=torch.float64))

        def __getattr__(self, name):
            return getattr(self.ops, name)

    counting = Fixed()
    with torch.no_grad():
        method.step(counting, ops_state)
    per_step = counting.calls
    generator = torch.Generator().manual_seed(seed)
    draws = []
    for _ in range(passes // per_step):
        samples = game.sample(generator, per_step)
        draws.append([np.flatnonzero(s[0].numpy()) for s in samples])
    return per_step, draws


# --- the problem and its gradients ---------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 3])
def test_the_problem_is_the_notebooks(seed):
    ours = notebook_problem(seed, d=20)
    x0, y0, M, a, b, xs, ys = build_problem(seed, d=20)
    for key, theirs in zip(("x0", "y0", "a", "b"), (x0, y0, a, b), strict=True):
        np.testing.assert_array_equal(ours[key], theirs)
    np.testing.assert_allclose(ours["x_star"], xs, rtol=1e-13)
    np.testing.assert_allclose(ours["y_star"], ys, rtol=1e-13)


@pytest.mark.parametrize("batch", [None, 1, 4])
def test_a_samples_field_is_the_finite_sums_games_summed(batch):
    problems = [notebook_problem(s, d=12) for s in (0, 1)]
    game = NotebookProblems(problems, batch)
    M = np.zeros((12, 12, 12))
    M[np.arange(12), np.arange(12), np.arange(12)] = 1
    sums = [finite_sum_bilinear(M, p["a"], p["b"]) for p in problems]
    z = torch.randn(game.n, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    samples = game.sample(torch.Generator().manual_seed(2), 5)
    for sample in samples:
        assert sample.sum(-1).tolist() == [12 if batch is None else batch] * 2
        v = game.field(z, sample)
        x, y = z[:24].view(2, 12), z[24:].view(2, 12)
        for p, fs in enumerate(sums):
            zp = torch.cat([x[p], y[p]])
            expected = sum(w * g.field(zp) for w, g in zip(sample[p], fs.games, strict=True))
            got = torch.cat([v[:24].view(2, 12)[p], v[24:].view(2, 12)[p]])
            assert float((got - expected).abs().max()) < 1e-15
    mean = game.mean.field(z)
    expected = game.field(z, torch.ones(2, 12, dtype=torch.float64)) * (
        (12 if batch is None else batch) / 12
    )
    assert float((mean - expected).abs().max()) < 1e-14


# --- the runs ------------------------------------------------------------------------------------


CASES = {
    "Adam B=1": ("Adam", 1, {"lr": 0.005, "beta1": 0.0}),
    "Adam B=4, beta1 < 0": ("Adam", 4, {"lr": 0.005, "beta1": -0.1}),
    "Extra-Adam B=1": ("Extra-Adam", 1, {"lr": 0.005, "beta1": 0.0}),
    "Extra-Adam full batch": ("Extra-Adam", None, {"lr": 0.02, "beta1": -0.6}),
    "Extragradient B=4": ("Extragradient", 4, {"lr": 0.04}),
    "LA-GDA B=1": ("LA-GDA", 1, {"lr": 0.05, "k": 7, "alpha": 0.3}),
    "LA-GDA full batch": ("LA-GDA", None, {"lr": 0.2, "k": 15, "alpha": 0.3}),
}


@pytest.mark.parametrize("case", CASES)
def test_runs_equal_the_notebooks_loops_on_the_same_samples(case):
    name, batch, settings = CASES[case]
    d, passes, seed = 20, 90, 5
    game = NotebookProblems([notebook_problem(2, d=d)], batch)
    method = notebook_method(name, settings)
    per_step, draws = _draws(game, method, passes, seed)
    at, ours, _ = notebook_run(method, game, passes, seed)
    problem = build_problem(2, d=d)
    if name == "LA-GDA":
        flat = [[s] for cycle in draws for s in cycle]
        theirs = lookahead(problem, flat, settings["lr"], settings["k"], settings["alpha"])
    else:
        adam = name != "Extragradient"
        theirs = sgd_sga(
            problem, draws, settings["lr"], name != "Adam", adam, settings.get("beta1", 0.0)
        )
    assert ours.shape == (theirs.size + 1, 1)
    np.testing.assert_allclose(ours[1:, 0], theirs, rtol=0, atol=1e-12)
    assert at[-1] == passes // per_step * per_step


def test_the_settings_are_the_notebooks():
    assert NOTEBOOK_METHODS["B = 1"]["LA-GDA"] == {"lr": 0.05, "k": 2450, "alpha": 0.3}
    assert NOTEBOOK_METHODS["full batch"]["Adam"] == {"lr": 0.005, "beta1": -0.9}
    assert {p for p in NOTEBOOK_METHODS} == {"full batch", "B = 64", "B = 16", "B = 4", "B = 1"}


@pytest.mark.slow
def test_lookahead_is_the_one_that_approaches_the_optimum_with_minibatches():
    """B = 64, 5,000 passes on two problems (the figure's small size): lookahead-GDA is far
    closer to the optimum than Adam, Extra-Adam and extragradient, which stay near the start."""
    outcome = notebook_outcome(notebook_curves(small=True, panels=("B = 64",)))["B = 64"]
    la = outcome["LA-GDA"]
    assert la["end"] < 0.25 * la["start"]
    for name in ("Adam", "Extra-Adam", "Extragradient"):
        assert outcome[name]["end"] > 0.6 * outcome[name]["start"], (name, outcome[name])
        assert outcome[name]["end"] > 4 * la["end"], (name, outcome[name], la)


@pytest.mark.slow
def test_lookahead_lowers_the_variance_under_sampling_noise_in_the_papers_setting():
    rows = sampling_noise_variance(small=True)
    gda = rows.pop("GDA")["variance"]
    for label, row in rows.items():
        assert row["variance"] < 0.2 * gda, (label, row, gda)
