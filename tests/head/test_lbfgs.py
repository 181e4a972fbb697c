from functools import partial

import numpy as np
import pytest

from llmiso import SoftmaxBinRegressor, _bins

RNG = np.random.default_rng(0)


def _full_gradient(head, X, y):
    """Gradient of mean cross-entropy + alpha / (2 n) ||W||^2 in the full feature space."""
    from scipy.special import softmax

    n = len(X)
    labels = _bins.assign(y, head.bin_edges_)
    logits = X @ head.coef_[0].T + head.intercept_[0]
    G = softmax(logits, axis=1)
    G[np.arange(n), labels] -= 1.0
    grad_W = G.T @ X / n + head.alpha / n * head.coef_[0]
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
    head = SoftmaxBinRegressor(n_bins=K, label_smoothing=smoothing)
    targets = head._target_distribution(labels)
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
    head = SoftmaxBinRegressor(n_bins=15, alpha=0.5, tol=1e-7, max_iter=5000).fit(X, y)
    grad_W, grad_b = _full_gradient(head, X, y)
    assert np.abs(grad_W).max() < 1e-5 and np.abs(grad_b).max() < 1e-5
    assert np.abs(head.coef_).max() > 1e-2  # not the trivial zero solution


def test_outputs_are_fitted_as_the_separate_problems_they_are():
    """Each output's softmax is the one fitted on that column alone, in any thread count."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((300, 8))
    Y = np.column_stack([X[:, 0] + rng.normal(size=300), -2 * X[:, 1] + rng.normal(size=300)])
    bins = dict(n_bins=20, bin_placement="fixed", bin_range=(-6.0, 6.0))
    both = SoftmaxBinRegressor(**bins).fit(X, Y)
    parallel = SoftmaxBinRegressor(**bins, n_jobs=2).fit(X, Y)
    for h in range(2):
        alone = SoftmaxBinRegressor(**bins).fit(X, Y[:, h])
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
    targets = SoftmaxBinRegressor(n_bins=30)._target_distribution(_bins.assign(y, edges))
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
    assert fits[True, 1e-4][2] < fits[False, 1e-4][2] / 2  # iterations at the default tol


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
        targets = SoftmaxBinRegressor(n_bins=20)._target_distribution(_bins.assign(y, edges))
        F = X.astype(np.float32)
        fit = partial(fit_one_softmax, F, targets, n_bins=20, alpha=0.1, max_iter=500, tol=1e-4)
        auto, forced = fit(), fit(precondition=chosen)
        assert auto[2] == forced[2]
        np.testing.assert_array_equal(auto[0], forced[0])
        assert fit(precondition=not chosen)[2] != auto[2]
