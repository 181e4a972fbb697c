from functools import partial

import numpy as np
import pytest

from llmiso import SoftmaxHeadForecaster, _bins
from llmiso.head._targets import target_distribution

RNG = np.random.default_rng(0)


def head_targets(head, labels):
    """The head's sparse target distribution of these bin labels."""
    return target_distribution(labels, head.n_bins, head.label_smoothing)


def _full_gradient(head, X, y, output=0):
    """Gradient of mean cross-entropy + alpha / (2 n) ||W||^2 in the full feature space,
    for one output of the head (its rows: those with a known target)."""
    from scipy.special import softmax

    n = len(X)
    labels = _bins.assign(y, head.bin_edges_)
    logits = X @ head.coef_[output].T + head.intercept_[output]
    G = softmax(logits, axis=1)
    G[np.arange(n), labels] -= 1.0
    grad_W = G.T @ X / n + head.alpha / n * head.coef_[output]
    return grad_W, G.sum(axis=0) / n


@pytest.mark.parametrize("n_basis, smoothing", [(None, 0.0), (None, 0.2), (6, 0.1)])
def test_objective_gradient_matches_finite_differences(n_basis, smoothing):
    """The loss the solver minimises: the cross-entropy to the targets plus the penalty."""
    from scipy.optimize import approx_fprime
    from scipy.special import log_softmax

    from llmiso.head._lbfgs import softmax_objective

    rng = np.random.default_rng(7)
    n, r, K = 30, 4, 12
    F = rng.standard_normal((n, r)).astype(np.float32)
    labels = rng.integers(0, K, n)
    labels[:2] = [0, K - 1]  # the ends, where smoothing has one neighbour
    head = SoftmaxHeadForecaster(n_bins=K, label_smoothing=smoothing)
    targets = head_targets(head, labels)
    basis = None if n_basis is None else _bins.spline_basis(K, n_basis)
    m = K if basis is None else n_basis
    objective = softmax_objective(F, targets, n_bins=K, alpha=0.7, bins_basis=basis)
    theta = rng.normal(scale=0.5, size=r * m + K)
    loss, grad = objective(theta)
    # The loss from its definition, in float64 with a dense target matrix.
    W = theta[: r * m].reshape(r, m) if basis is None else theta[: r * m].reshape(r, m) @ basis.T
    T = np.zeros((n, K))
    np.add.at(T, targets[:2], targets[2])
    expected = -np.sum(T * log_softmax(F @ W + theta[r * m :], axis=1)) / n
    expected += 0.7 / (2 * n) * np.sum(theta[: r * m] ** 2)
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
    numeric = approx_fprime(theta, lambda t: objective(t)[0], 1e-3)
    np.testing.assert_allclose(grad, numeric, atol=2e-4)


# -- per-window scaling ---------------------------------------------------------------


def test_fewer_rows_than_features_reaches_the_full_optimum():
    """The row-space solve (n < d) is a stationary point of the full problem."""
    X = RNG.normal(size=(40, 120))
    y = X[:, :3] @ [1.0, -2.0, 0.5] + RNG.normal(scale=0.3, size=40)
    head = SoftmaxHeadForecaster(n_bins=15, alpha=0.5, shift_alpha=None, tol=1e-7,
                               max_iter=5000).fit(X, y)
    grad_W, grad_b = _full_gradient(head, X, y)
    assert np.abs(grad_W).max() < 1e-5 and np.abs(grad_b).max() < 1e-5
    assert np.abs(head.coef_).max() > 1e-2  # not the trivial zero solution


def test_one_series_steps_with_fewer_rows_each_reach_their_optimum():
    """The single-series case: fewer windows than features, and each later step known
    on fewer of them (NaN past the series' end). Every step's head is the optimum of
    its own rows' problem in the full feature space, not a shrunken or shared one."""
    rng = np.random.default_rng(11)
    n, d, H = 30, 200, 4
    X = rng.normal(size=(n, d))
    Y = np.column_stack([X[:, h] - X[:, h + 1] + rng.normal(scale=0.3, size=n)
                         for h in range(H)])
    for h in range(1, H):
        Y[n - h:, h] = np.nan  # a window near the end has no value h steps after it
    head = SoftmaxHeadForecaster(n_bins=12, alpha=0.5, shift_alpha=None, tol=1e-7,
                                 max_iter=5000).fit(X, Y)
    for h in range(H):
        known = np.isfinite(Y[:, h])
        grad_W, grad_b = _full_gradient(head, X[known], Y[known, h], output=h)
        assert np.abs(grad_W).max() < 1e-5 and np.abs(grad_b).max() < 1e-5, h
        assert np.abs(head.coef_[h]).max() > 1e-2


def test_outputs_are_fitted_as_the_separate_problems_they_are():
    """Each output's softmax is the one fitted on that column alone, in any thread count."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((300, 8))
    Y = np.column_stack([X[:, 0] + rng.normal(size=300), -2 * X[:, 1] + rng.normal(size=300)])
    bins = dict(n_bins=20, bin_placement="fixed", bin_range=(-6.0, 6.0))
    both = SoftmaxHeadForecaster(**bins).fit(X, Y)
    parallel = SoftmaxHeadForecaster(**bins, n_jobs=2).fit(X, Y)
    for h in range(2):
        alone = SoftmaxHeadForecaster(**bins).fit(X, Y[:, h])
        np.testing.assert_allclose(both.coef_[h], alone.coef_[0], rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(both.predict(X)[:, h], alone.predict(X), rtol=1e-9)
    np.testing.assert_array_equal(parallel.coef_, both.coef_)


def test_the_preconditioned_solver_reaches_the_optimum_in_fewer_iterations():
    """L-BFGS in preconditioned coordinates stops where the gradient of the original
    problem is below tol (a convex problem's optimum), at a loss no worse than the plain
    solver's, in far fewer iterations on features that are far from isotropic
    (uncentered, scales spread over two decades, as embeddings)."""
    from llmiso import _bins
    from llmiso.head._lbfgs import fit_one_softmax, softmax_objective

    rng = np.random.default_rng(7)
    X = rng.standard_normal((600, 24)) * np.logspace(0, -2, 24) + rng.normal(size=24)
    y = X @ rng.normal(size=24) * 10 + rng.normal(size=600)
    edges, _ = _bins.place(y, 30, -4.0, 4.0, robust=True)
    targets = target_distribution(n_bins=30, label_smoothing=0.0, labels=_bins.assign(y, edges))
    F = X.astype(np.float32)
    objective = softmax_objective(F, targets, n_bins=30, alpha=0.1)
    fits = {(p, tol): fit_one_softmax(F, targets, n_bins=30, alpha=0.1, max_iter=5000, tol=tol,
                                       precondition=p)
            for p in (False, True) for tol in (1e-4, 1e-5)}
    loss, grad = {}, {}
    for key, (W, b, _) in fits.items():
        loss[key], grad[key] = objective(np.concatenate([W.ravel(), b]))
    assert np.abs(grad[True, 1e-4]).max() < 1e-4  # (float32 products floor it near 1e-5)
    assert loss[True, 1e-5] <= loss[False, 1e-5] + 1e-9
    assert loss[True, 1e-4] == pytest.approx(loss[True, 1e-5], abs=1e-3)
    assert fits[True, 1e-4][2][0] < fits[False, 1e-4][2][0] / 2  # iterations at the default tol


def test_the_solver_preconditions_only_ill_conditioned_features():
    """By default the preconditioner runs where it pays (features' second moments with
    a condition number above PRECONDITION_ABOVE, as embeddings), and isotropic
    features get the plain solver, which needs fewer evaluations there."""
    from llmiso import _bins
    from llmiso.head._lbfgs import fit_one_softmax

    rng = np.random.default_rng(3)
    isotropic = rng.standard_normal((400, 12))
    skewed = isotropic * np.logspace(0, -2, 12) + rng.normal(size=12)
    for X, chosen in ((isotropic, False), (skewed, True)):
        y = X @ rng.normal(size=12) + rng.normal(size=400)
        edges, _ = _bins.place(y, 20, -4.0, 4.0, robust=True)
        targets = target_distribution(n_bins=20, label_smoothing=0.0, labels=_bins.assign(y, edges))
        F = X.astype(np.float32)
        fit = partial(fit_one_softmax, F, targets, n_bins=20, alpha=0.1, max_iter=500, tol=1e-4)
        auto, forced = fit(), fit(precondition=chosen)
        assert auto[2] == forced[2]
        np.testing.assert_array_equal(auto[0], forced[0])
        assert fit(precondition=not chosen)[2] != auto[2]


@pytest.mark.parametrize("n_basis", [None, 5])
def test_shift_term_gradient_matches_finite_differences(n_basis):
    """The shift ``([F, 1] t) c^T`` and its own penalty, in the objective and its gradient."""
    from scipy.special import log_softmax

    from llmiso.head._lbfgs import softmax_objective

    rng = np.random.default_rng(3)
    n, r, K = 30, 4, 12
    F = rng.standard_normal((n, r)).astype(np.float32)
    head = SoftmaxHeadForecaster(n_bins=K)
    targets = head_targets(head, rng.integers(0, K, n))
    shift = np.linspace(-1.5, 1.5, K)
    basis = None if n_basis is None else _bins.spline_basis(K, n_basis)
    m = K if basis is None else n_basis
    objective = softmax_objective(F, targets, n_bins=K, alpha=0.7, bins_basis=basis,
                                  shift=shift, shift_alpha=0.3)
    theta = rng.normal(scale=0.5, size=r * m + r + 1 + K)
    loss, grad = objective(theta)
    A = theta[: r * m].reshape(r, m)
    W = A if basis is None else A @ basis.T
    t = theta[r * m : r * m + r + 1]
    T = np.zeros((n, K))
    np.add.at(T, targets[:2], targets[2])
    logits = F @ W + np.outer(F @ t[:r] + t[r], shift) + theta[r * m + r + 1 :]
    expected = -np.sum(T * log_softmax(logits, axis=1)) / n
    expected += 0.7 / (2 * n) * np.sum(A**2) + 0.3 / (2 * n) * np.sum(t**2)
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
    step = 1e-3 * np.eye(len(theta))  # central differences: the shift's curvature is larger
    numeric = np.array([(objective(theta + e)[0] - objective(theta - e)[0]) / 2e-3 for e in step])
    np.testing.assert_allclose(grad, numeric, atol=2e-4)


@pytest.mark.parametrize("precondition", [False, True])
def test_shift_term_reaches_the_same_optimum_either_way(precondition):
    """Preconditioned or not, the fit with a shift term ends at the same weights."""
    from llmiso.head._lbfgs import fit_one_softmax

    rng = np.random.default_rng(0)
    F = (rng.standard_normal((400, 5)) * [1, 3, 10, 0.3, 1]).astype(np.float32)
    y = F @ [0.5, -0.2, 0.05, 1.0, 0.0] + rng.normal(scale=0.3, size=400)
    head = SoftmaxHeadForecaster(n_bins=20)
    head.bin_edges_, head.tail_scale_ = _bins.place(y, 20, -4, 4)
    targets = head_targets(head, _bins.assign(y, head.bin_edges_))
    shift = np.linspace(-2, 2, 20)
    W, b, _ = fit_one_softmax(F, targets, n_bins=20, alpha=10.0, max_iter=2000, tol=1e-7,
                              shift=shift, shift_alpha=0.01, precondition=precondition)
    W_other, b_other, _ = fit_one_softmax(F, targets, n_bins=20, alpha=10.0, max_iter=2000,
                                      tol=1e-7, shift=shift, shift_alpha=0.01,
                                      precondition=not precondition)
    from scipy.special import log_softmax

    # The same fit: the cross-entropy of both to 1e-3 nats (float32 products limit how
    # tightly either converges), and the same predicted means.
    T = np.zeros((400, 20))
    np.add.at(T, targets[:2], targets[2])
    losses = [-np.sum(T * log_softmax(F @ w + c, axis=1)) / 400
              for w, c in ((W, b), (W_other, b_other))]
    assert abs(losses[0] - losses[1]) < 1e-3
    means = [
        np.exp(log_softmax(F @ w + c, axis=1)) @ shift for w, c in ((W, b), (W_other, b_other))
    ]
    np.testing.assert_allclose(means[0], means[1], atol=0.02)
