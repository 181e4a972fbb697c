"""The softmax head's solver: full-batch L-BFGS on the penalised cross-entropy.

The objective works in place in float32 buffers and reads the targets sparsely;
for ill-conditioned features (embeddings) L-BFGS runs in Kronecker-preconditioned
coordinates. scipy's L-BFGS-B does the optimisation itself.
"""

import numpy as np
from scipy.optimize import minimize

# Above this condition number of the features' second moments L-BFGS runs in
# preconditioned coordinates: on embeddings (condition numbers in the thousands and
# more) the preconditioner cuts the evaluations, on isotropic features (about 3) it
# adds a few, each dearer (docs/benchmarks.md).
PRECONDITION_ABOVE = 10.0


def fit_one_softmax(F, targets, features_eig=None, *, n_bins, alpha, max_iter, tol,
                     bins_basis=None, shift=None, shift_alpha=None, precondition="auto",
                     offset=None):
    """One output's softmax by L-BFGS: weights (r, K), bias (K,), (iterations, evaluations).

    From zero, or with ``shift`` from :func:`shift_and_bias`: deterministic either way.
    With ``offset`` (n, K), a prior's logits on these rows, what is fitted is the
    change from the prior, penalised as its distance from it.

    With ``shift`` (K,), the bins' standardized centres, the weights are
    ``A + [t] shift^T``: a shift vector ``t`` (r + 1,: the features and a constant),
    penalised by ``shift_alpha`` alone, moves the whole distribution's location
    (an exponential tilt), while ``alpha`` penalises the free part ``A``. The
    returned weights and bias hold both parts.

    With free weights (no ``bins_basis``) and ill-conditioned features
    (``precondition="auto"``: the condition number of their second moments above
    ``PRECONDITION_ABOVE``; True: always) L-BFGS runs in preconditioned coordinates
    (``preconditioner``; ``features_eig``: ``feature_moments_eig(F)``, computed
    here if not given): the same optimum and the same stopping rule (the largest
    entry of the weights' and bias's gradient below ``tol``), in fewer evaluations
    when the features are far from isotropic, as embeddings are.
    """
    objective = softmax_objective(F, targets, n_bins=n_bins, alpha=alpha, bins_basis=bins_basis,
                                  shift=shift, shift_alpha=shift_alpha, offset=offset)
    # The location first, then everything from there (see shift_and_bias); with a
    # prior's ``offset`` the fit starts from the prior itself.
    start = None if shift is None or offset is not None else shift_and_bias(
        F, targets, shift, shift_alpha, max_iter=max_iter, tol=tol)
    if bins_basis is None and precondition is not False and features_eig is None:
        features_eig = feature_moments_eig(F)
    if precondition == "auto" and bins_basis is None:
        eigenvalues = features_eig[0]
        precondition = eigenvalues.max() > PRECONDITION_ABOVE * eigenvalues.min()
    if bins_basis is not None or not precondition:
        return _plain(objective, F.shape[1], n_bins, bins_basis, shift, start, max_iter, tol)
    P = preconditioner(features_eig, targets, n_bins, alpha / len(F))
    Q = None if shift is None else shift_preconditioner(features_eig, targets, shift,
                                                        (shift_alpha or 0.0) / len(F))
    return _preconditioned(objective, F.shape[1], n_bins, P, Q, shift, start, max_iter, tol)


def _plain(objective, r, n_bins, bins_basis, shift, start, max_iter, tol):
    """L-BFGS on the objective's own coordinates (weights, shift, bias)."""
    m = n_bins if bins_basis is None else bins_basis.shape[1]
    s = 0 if shift is None else r + 1
    x0 = np.zeros(r * m + s + n_bins)
    if start is not None:
        x0[r * m : r * m + s], x0[r * m + s :] = start
    result = minimize(objective, x0, jac=True, method="L-BFGS-B",
                      options={"maxiter": max_iter, "gtol": tol})
    A = result.x[: r * m].reshape(r, m)
    W, b = (A if bins_basis is None else A @ bins_basis.T), result.x[r * m + s :]
    return (*_with_shift(W, b, result.x[r * m : r * m + s], shift),
            (int(result.nit), int(result.nfev)))


def _preconditioned(objective, r, n_bins, P, Q, shift, start, max_iter, tol):
    """L-BFGS in ``phi = M^{1/2} theta``, stopping on the original gradient."""
    s = 0 if shift is None else r + 1
    size = (r + 1) * n_bins
    largest = [np.inf]  # of the last evaluation's gradient in the original coordinates

    def theta(phi):  # (weights; bias) as one (r + 1, K) block, and the shift vector
        return P(phi[:size].reshape(r + 1, n_bins)), None if Q is None else Q(phi[size:])

    def flat(block, t):  # in the objective's layout: weights, shift, bias
        return np.concatenate([block[:r].ravel(), [] if t is None else t, block[r]])

    def preconditioned(phi):
        loss, grad = objective(flat(*theta(phi)))
        largest[0] = np.abs(grad).max()
        g_block = np.vstack([grad[: r * n_bins].reshape(r, n_bins), grad[r * n_bins + s :]])
        g = P(g_block).ravel()
        return loss, g if Q is None else np.concatenate([g, Q(grad[r * n_bins : r * n_bins + s])])

    def stop(intermediate_result):  # L-BFGS-B ends its line search on the accepted point
        if largest[0] < tol:
            raise StopIteration

    phi0 = np.zeros(size + s)
    if start is not None:
        t, b = start
        block = np.zeros((r + 1, n_bins))
        block[r] = b
        phi0[:size], phi0[size:] = P(block, inverse=True).ravel(), Q(t, inverse=True)
    result = minimize(preconditioned, phi0, jac=True, method="L-BFGS-B",
                      callback=stop, options={"maxiter": max_iter, "gtol": 0.0})
    block, t = theta(result.x)
    return (*_with_shift(block[:r], block[r], t, shift), (int(result.nit), int(result.nfev)))


def shift_and_bias(F, targets, shift, shift_alpha, *, max_iter, tol):
    """The shift vector and the bias of the softmax without free weights: its start.

    The location model alone (``b + ([F, 1] t) shift^T``) costs O(n (r + K)) per
    evaluation instead of O(n r K). Started from it, the whole fit needs a few
    dozen evaluations where one from zero needed hundreds: the shift's small
    penalty lets it move far, and L-BFGS found that slowly (docs/benchmarks.md).
    """
    n_bins, r = len(shift), F.shape[1]
    if len(F) > START_ROWS:  # a start needs the location, not its last digit: fewer rows
        F, targets = _evenly_spaced_rows(F, targets, START_ROWS)
    # The whole objective with no free weights: a basis of no functions over the bins.
    objective = softmax_objective(F, targets, n_bins=n_bins, alpha=0.0,
                                  bins_basis=np.zeros((n_bins, 0)), shift=shift,
                                  shift_alpha=shift_alpha)
    result = minimize(objective, np.zeros(r + 1 + n_bins), jac=True, method="L-BFGS-B",
                      options={"maxiter": max_iter, "gtol": 10 * tol})
    return result.x[: r + 1], result.x[r + 1 :]


# Rows the location model of the start reads at most (evenly spaced, so deterministic).
START_ROWS = 2000


def _evenly_spaced_rows(F, targets, count):
    """``count`` evenly spaced rows of ``F`` and their sparse targets."""
    rows, bins, probs = targets
    pick = np.linspace(0, len(F) - 1, count).astype(int)
    position = np.full(len(F), -1)
    position[pick] = np.arange(count)
    keep = position[rows] >= 0
    return F[pick], (position[rows[keep]], bins[keep], probs[keep])


def _with_shift(W, b, t, shift):
    """The weights (r, K) and bias (K,) with the shift part ``[t] shift^T`` folded in."""
    if shift is None:
        return W, b
    return W + np.outer(t[:-1], shift), b + t[-1] * shift


def shift_preconditioner(features_eig, targets, shift, ridge):
    """``g -> M^{-1/2} g`` for the shift vector: ``M = C * (shift^T S shift) + ridge I``.

    The shift's Hessian is the features' second moments ``C`` times the targets'
    variance along the bins' centres (``S`` as in :func:`preconditioner`).
    """
    ec, Uc = features_eig
    _, bins, probs = targets
    f = np.bincount(bins, weights=probs, minlength=len(shift)) / probs.sum()
    spread = max(float(f @ shift**2 - (f @ shift) ** 2), 1e-3)
    curvature = ec * spread
    D = 1.0 / np.sqrt(curvature + max(ridge, 1e-6 * curvature.max()))

    def apply(g, inverse=False):
        return Uc @ ((Uc.T @ g) / D if inverse else (Uc.T @ g) * D)

    return apply


def feature_moments_eig(F, moments=None, left_out=None):
    """Eigendecomposition of ``[F, 1]^T [F, 1] / n``: the features' side of the preconditioner.

    With ``moments`` (the unnormalised ``[F, 1]^T [F, 1]`` of a larger set, from
    :func:`feature_moments`) and ``left_out`` (that set's rows not in ``F``), the
    moments come from those, at the cost of the rows left out instead of all of ``F``.
    """
    if moments is None:
        moments = feature_moments(F)
    elif left_out is not None and len(left_out):
        moments = moments - feature_moments(left_out)
    values, vectors = np.linalg.eigh(moments / len(F))
    return np.maximum(values, 0.0), vectors


def feature_moments(F):
    """``[F, 1]^T [F, 1]`` in float64, unnormalised (sums over rows can be taken apart)."""
    Fa = np.hstack([F.astype(np.float64), np.ones((len(F), 1))])
    return Fa.T @ Fa


def preconditioner(features_eig, targets, n_bins, ridge):
    """``G -> M^{-1/2} G`` for ``M = C (x) S + ridge I``, an approximate Hessian of the loss.

    The loss's Hessian in (weights; bias) is ``mean_i [x_i, 1][x_i, 1]^T (x)
    (diag p_i - p_i p_i^T)``; ``C`` is the features' second moments and ``S`` the
    bins' side, half the targets' class covariance (``diag f - f f^T``) and half a
    uniform softmax's, so rare bins are rescaled but not blown up. A Kronecker
    product applies through the two eigenbases at a few percent of an evaluation's
    cost. L-BFGS in ``phi = M^{1/2} theta`` sees a far better conditioned problem:
    on embeddings (anisotropic, uncentered) fewer evaluations reach the same loss
    (docs/benchmarks.md).
    """
    ec, Uc = features_eig
    _, bins, probs = targets
    f = np.bincount(bins, weights=probs, minlength=n_bins) / probs.sum()
    S = 0.5 * (np.diag(f) - np.outer(f, f)) + 0.5 * (np.eye(n_bins) - 1.0 / n_bins) / n_bins
    es, Us = np.linalg.eigh(S)
    curvature = np.outer(ec, np.maximum(es, 0.0))
    # The bias's softmax-invariant direction has no curvature: a floor keeps it finite.
    D = (1.0 / np.sqrt(curvature + max(ridge, 1e-6 * curvature.max()))).astype(np.float32)
    Uc, Us = Uc.astype(np.float32), Us.astype(np.float32)  # as the objective's products

    def apply(G, inverse=False):  # inverse: theta -> phi, for a start other than zero
        inner = Uc.T @ G.astype(np.float32) @ Us
        inner = inner / D if inverse else inner * D
        return (Uc @ inner @ Us.T).astype(np.float64)

    return apply


def softmax_objective(F, targets, *, n_bins, alpha, bins_basis=None, shift=None,
                      shift_alpha=None, offset=None):
    """Mean cross-entropy plus ``alpha / (2n) ||A||^2``, and its gradient, of theta = (A, b).

    With ``shift`` (K,), theta is (A, t, b): the logits gain ``([F, 1] t) shift^T``
    and the penalty ``shift_alpha / (2n) ||t||^2`` (``fit_one_softmax``). With
    ``offset`` (n, K), fixed logits are added to every evaluation's (a prior's:
    theta is then the change from it, and the penalty its distance from it).

    ``targets`` are (rows, bins, probabilities), each row's summing to 1. With
    ``bins_basis`` (K, m) the weights are ``A @ bins_basis.T`` and ``A`` (r, m) is
    what is fitted and penalised; the logits are ``(F @ A) @ B.T``, m/K of the work
    of ``F @ W``. The two (n, r) x (r, K) products are nearly all the cost, so the
    rest works in place in one reused (n, K) buffer and reads the targets sparsely.
    """
    rows, bins, probs = targets
    n, r = F.shape
    K = n_bins
    m = K if bins_basis is None else bins_basis.shape[1]
    s = 0 if shift is None else r + 1
    # The shift's weights ``t shift^T`` join the product, so it costs no pass over F of
    # its own: added to the free weights, or as one more function of the basis.
    B = None if bins_basis is None else (
        bins_basis if shift is None else np.column_stack([bins_basis, shift])).astype(np.float32)
    logits = np.empty((n, K), dtype=np.float32)
    step = (probs / n).astype(np.float32)

    def loss_and_grad(theta):
        A = theta[: r * m].reshape(r, m)
        t = theta[r * m : r * m + s]
        bias = theta[r * m + s :]
        if s:
            bias = bias + t[r] * shift
        if B is None:
            W = A if not s else A + np.outer(t[:r], shift)
            Z = np.matmul(F, W.astype(np.float32), out=logits)
        else:
            A = A if not s else np.column_stack([A, t[:r]])
            Z = np.matmul(F @ A.astype(np.float32), B.T, out=logits)
        Z += bias.astype(np.float32)
        if offset is not None:
            Z += offset
        Z -= Z.max(axis=1, keepdims=True)
        # A row's targets sum to 1, so its cross-entropy is log(sum exp z) - <t, z>.
        picked = np.dot(probs, Z[rows, bins])
        np.exp(Z, out=Z)
        total = Z.sum(axis=1, dtype=np.float64)
        loss = (np.log(total).sum() - picked) / n
        loss += alpha / (2 * n) * np.dot(theta[: r * m], theta[: r * m])
        Z *= (1.0 / (n * total)).astype(np.float32)[:, None]  # softmax / n ...
        Z[rows, bins] -= step  # ... minus targets / n: the loss's gradient in the logits
        # The gradient in the weights (r, K), or in the basis's coefficients (r, m [+ 1]).
        G = (F.T @ Z if B is None else F.T @ (Z @ B)).astype(np.float64)
        g_bias = Z.sum(axis=0, dtype=np.float64)
        grad = np.empty_like(theta)
        grad[: r * m] = G[:, :m].ravel()
        grad[: r * m] += (alpha / n) * theta[: r * m]
        grad[r * m + s :] = g_bias
        if s:
            loss += (shift_alpha or 0.0) / (2 * n) * np.dot(t, t)
            grad[r * m : r * m + r] = G @ shift if B is None else G[:, m]
            grad[r * m + r] = g_bias @ shift
            grad[r * m : r * m + s] += ((shift_alpha or 0.0) / n) * t
        return loss, grad

    return loss_and_grad
