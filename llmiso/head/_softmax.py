"""SoftmaxHeadForecaster: the paper's log-linear model, with value bins as its vocabulary."""

from contextlib import contextmanager
from functools import partial
from numbers import Integral, Real
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from scipy.special import log_softmax
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import ThreadpoolController

from .. import _bins
from ..metrics import negative_log_likelihood
from ._lbfgs import feature_moments, feature_moments_eig, fit_one_softmax
from ._targets import target_distribution, validate_with_missing_targets
from ._weights import HeadWeights

# The shift term's penalty: small, so the location follows x (docs/benchmarks.md).
SHIFT_ALPHA = 0.01


class SoftmaxHeadForecaster(RegressorMixin, BaseEstimator):
    """A softmax over ordered value bins: point forecasts and exact quantiles.

    The suite's regressor (the design card's name; ``SoftmaxBinRegressor`` is the
    same class under its earlier name).
    ``p(bin k | x) = softmax(W x + b + (t . x) c)_k``, the next-word model of a
    language model with value bins as its vocabulary (as in Chronos), plus a shift
    term along the bins' order ``c`` that moves the distribution with ``x``.
    ``fit`` places the bins from the training target: ``n_bins - 2`` uniform bins
    spanning ``bin_range`` robust scales (interquartile range / 1.349) around the
    median, plus two open-ended edge bins whose exponential tails give values
    beyond that range a home. It then minimises the mean cross-entropy plus
    ``alpha / (2 n) ||W||^2`` and ``shift_alpha / (2 n) ||t||^2`` with full-batch
    L-BFGS from a zero start, so a fit is deterministic.

    A 2-D ``y`` (n_samples, n_outputs) gets one softmax per column (one per forecast
    horizon step, say); the columns share the bins, and each is fitted on its own
    (the problem is separable), in parallel with ``n_jobs``. Its missing targets
    (NaN) are left out of their column's fit only: a direct forecaster's step-k
    head then learns from every window that has a value k steps after it, the
    latest windows included.

    Parameters
    ----------
    n_bins : int, default=100
        Number of bins, the two open-ended edge bins included.
    bin_range : tuple of float, default=(-4.0, 4.0)
        Span of the uniform bins: in robust scales around the training median
        (``bin_placement="robust"``), or in the target's own units (``"fixed"``).
    bin_placement : {"robust", "fixed"}, default="robust"
        ``"fixed"`` suits targets already on a known scale, such as values divided
        by their window's level (``bin_range=(0, 3)``, say).
    alpha : float, default=1.0
        L2 penalty on the weights (bias unpenalised), as sklearn's ``1 / C``.
    n_basis : int, default=None
        With an int, each feature's weights over the bins are a smooth function of
        the bin (a cubic B-spline basis of ``n_basis`` functions over the bins'
        order): ``n_basis`` instead of ``n_bins`` weights per feature, and ``alpha``
        penalises those. The basis holds the linear tilt a Gaussian shift needs, so
        a conditional distribution that moves with ``x`` is learned from far fewer
        rows (docs/benchmarks.md); the bias stays one per bin, so the
        distribution's shape is free. None: a free weight per bin and feature, the
        paper's model.
    shift_alpha : float or None, default=SHIFT_ALPHA
        With a float, a shift term moves the whole distribution with ``x``: the
        logits gain ``(x . t + t0) c``, ``c`` the bins' standardized order (an
        exponential tilt, which moves a Gaussian's mean and keeps its width), and
        ``shift_alpha`` penalises ``t`` alone. A small ``shift_alpha`` lets the
        location follow ``x`` while ``alpha`` keeps the shape's free weights near
        the shared bias, so the width is the residuals', not the target's: the
        intervals are calibrated where a penalty on free weights alone widens them
        (docs/benchmarks.md). None: no shift term, the paper's model.
    label_smoothing : float, default=0.0
        Share of each target's probability moved to its two neighbouring bins
        (the bins are ordered, so near misses are rewarded).
    point : {"median", "mean"}, default="median"
        What :meth:`predict` returns.
    max_iter : int, default=300
        L-BFGS iterations at most.
    tol : float, default=1e-4
        Stop when the largest gradient entry falls below ``tol`` (as sklearn's
        ``LogisticRegression``), for each output.
    precondition : {"auto", True, False}, default="auto"
        Run L-BFGS in Kronecker-preconditioned coordinates (free weights only): the
        same optimum in fewer evaluations on ill-conditioned features such as
        embeddings. ``"auto"``: when the features' second moments have a condition
        number above 10 (docs/benchmarks.md).
    n_jobs : int, default=None
        Outputs fitted at once, in threads, each on one BLAS thread (None: for large
        problems as many as BLAS would run threads, every core unless limited, as in
        a joblib worker, else one; -1: all cores). The coefficients are the same for
        any ``n_jobs``.
    prior : HeadWeights or None, default=None
        Start from these weights (a fitted head's :meth:`weights`, say a pretrained
        one) and fit the change from them: the bins are the prior's, and ``alpha``
        penalises the distance from the prior instead of from zero (fine-tuning).

    Attributes
    ----------
    bin_edges_ : ndarray of shape (n_bins + 1,)
        Bin edges, ``-inf`` and ``inf`` at the ends.
    bin_centers_ : ndarray of shape (n_bins,)
        Mean of each bin's density (the edge bins: one tail scale beyond the edge).
    tail_scale_ : ndarray of shape (2,)
        Scales of the left and right exponential tails: the training targets' mean
        excess beyond the edge, or one bin width if none lies beyond.
    coef_ : ndarray of shape (n_outputs, n_bins, n_features_in)
    intercept_ : ndarray of shape (n_outputs, n_bins)
    n_outputs_ : int
    n_iter_ : int
        L-BFGS iterations run (the most any output needed).
    n_evaluations_ : ndarray of shape (n_outputs,)
        Evaluations of the objective (its two products) per output.
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    See Also
    --------
    SoftmaxHeadForecasterCV : Chooses ``alpha`` by cross-validation.
    MeanScaledRegressor : Scales windows and targets by each window's level.
    llmiso.metrics.negative_log_likelihood : Scores ``predict_bin_proba``.

    References
    ----------
    Shelim, Xu, Saad & Ramakrishnan, "When can isotropy help adapt LLMs' next word
    prediction to numerical domains?", arXiv 2505.17135, 2025.

    Examples
    --------
    >>> import numpy as np
    >>> from llmiso import SoftmaxHeadForecaster
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 3))
    >>> y = X @ [1.0, -2.0, 0.5] + rng.normal(scale=0.3, size=500)
    >>> head = SoftmaxHeadForecaster().fit(X, y)
    >>> head.predict(X[:2]).round(1), y[:2].round(1)
    (array([0.6, 1.3]), array([1.1, 1.2]))
    >>> head.predict_quantiles(X[:1], quantiles=[0.1, 0.5, 0.9]).round(1)
    array([[0.2, 0.6, 1.2]])
    """

    _parameter_constraints = {
        "n_bins": [Interval(Integral, 3, None, closed="left")],
        "bin_range": [tuple, list],
        "bin_placement": [StrOptions({"robust", "fixed"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "n_basis": [Interval(Integral, 4, None, closed="left"), None],
        "shift_alpha": [Interval(Real, 0, None, closed="left"), None],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "point": [StrOptions({"median", "mean"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "precondition": [StrOptions({"auto"}), "boolean"],
        "prior": [HeadWeights, None],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        *,
        n_bins=100,
        bin_range=(-4.0, 4.0),
        bin_placement="robust",
        alpha=1.0,
        n_basis=None,
        shift_alpha=SHIFT_ALPHA,
        label_smoothing=0.0,
        point="median",
        max_iter=300,
        tol=1e-4,
        precondition="auto",
        n_jobs=None,
        prior=None,
    ):
        self.n_bins = n_bins
        self.bin_range = bin_range
        self.bin_placement = bin_placement
        self.alpha = alpha
        self.n_basis = n_basis
        self.shift_alpha = shift_alpha
        self.label_smoothing = label_smoothing
        self.point = point
        self.max_iter = max_iter
        self.tol = tol
        self.precondition = precondition
        self.n_jobs = n_jobs
        self.prior = prior

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Place the bins from ``y`` and fit the softmax.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        self : SoftmaxHeadForecaster
        """
        X, y = validate_with_missing_targets(self, X, y)
        low, high = self.bin_range
        if not low < high:
            raise ValueError(
                f"bin_range must be (low, high) with low < high, got {self.bin_range}."
            )
        if self.n_basis is not None and self.n_basis > self.n_bins:
            raise ValueError(f"n_basis={self.n_basis} exceeds n_bins={self.n_bins}: a basis over "
                             "the bins has at most one function per bin. Lower n_basis.")
        self._single_output = y.ndim == 1
        Y = y.reshape(len(y), -1)
        known = np.isfinite(Y)
        self.n_outputs_ = Y.shape[1]
        if self.prior is not None:
            self.prior.check(n_features=X.shape[1], n_outputs=self.n_outputs_,
                             n_bins=self.n_bins)
            self.bin_edges_, self.tail_scale_ = self.prior.bin_edges, self.prior.tail_scale
        else:
            self.bin_edges_, self.tail_scale_ = _bins.place(
                Y[known], self.n_bins, low, high, robust=self.bin_placement == "robust"
            )
        self.bin_centers_ = _bins.centers(self.bin_edges_, self.tail_scale_)
        labels = _bins.assign(np.where(known, Y, 0.0), self.bin_edges_)
        self.coef_, self.intercept_, counts = self._minimise(X, labels, known)
        self.n_iter_, self.n_evaluations_ = int(counts[:, 0].max()), counts[:, 1]
        return self

    def _minimise(self, X, labels, known):
        n, d = X.shape
        H, K = labels.shape[1], self.n_bins
        original = X  # a prior's logits read the features as they are
        # With fewer rows than features, the penalised optimum W lies in the row space
        # of X (representer theorem): solving for W = V Z in the rank-r basis V is the
        # same problem with r*K instead of d*K unknowns, shared by every output.
        basis = None
        if n < d:
            U, S, Vt = np.linalg.svd(X.astype(np.float64), full_matrices=False)
            X, basis = U * S, Vt
        F = X.astype(np.float32)  # the matrix products dominate; float32 halves them
        r = F.shape[1]
        # The outputs share nothing but the features: the loss and the penalty are sums
        # over outputs, so each is its own problem with the same optimum as the joint
        # one, and needs only its own iterations (the joint L-BFGS runs every output as
        # long as the slowest). They run in threads (BLAS releases the GIL), each on one
        # BLAS thread: as fast as threaded BLAS on these products (docs/benchmarks.md),
        # and the same arithmetic however many run at once, so the fit does not depend
        # on n_jobs. A single large output gets the BLAS threads instead.
        n_jobs = min(_output_threads(self.n_jobs, n * r * K), H)
        threads = 1 if H > 1 or n * r * K < 50_000_000 else None
        bins_basis = None if self.n_basis is None else _bins.spline_basis(K, self.n_basis)
        shift = None if self.shift_alpha is None else _standardized(K)
        solve = partial(fit_one_softmax, n_bins=K, alpha=self.alpha, max_iter=self.max_iter,
                        tol=self.tol, bins_basis=bins_basis, shift=shift,
                        precondition=self.precondition,
                        shift_alpha=self.shift_alpha)
        # The preconditioner's feature side: the moments over every row once, and for an
        # output with fewer rows (a fit on its rows alone) less the rows it leaves out.
        moments = (feature_moments(F) if bins_basis is None and self.precondition is not False
                   else None)
        all_rows_eig = (feature_moments_eig(F, moments)
                        if moments is not None and known.all(axis=0).any() else None)

        def problem(h):  # one output's rows (those with a known target), targets, moments
            has_target = known[:, h]
            features = F if has_target.all() else F[has_target]
            eig = all_rows_eig if has_target.all() or moments is None else feature_moments_eig(
                features, moments, F[~has_target])
            offset = None if self.prior is None else self.prior.logits(
                original[has_target], h).astype(np.float32)
            return (features, target_distribution(labels[has_target, h], K,
                                                  self.label_smoothing), eig, offset)

        def solved_output(h):
            features, targets, eig, offset = problem(h)
            return solve(features, targets, eig, offset=offset)

        # The limit is process-wide: set once here, not in each thread (their exits
        # would restore it under each other's feet).
        with _blas_threads(threads):
            if n_jobs == 1:  # joblib's dispatch costs more than these small solves
                solved = [solved_output(h) for h in range(H)]
            else:
                solved = Parallel(n_jobs=n_jobs, backend="threading")(  # in-process, never shipped
                    delayed(solved_output)(h) for h in range(H))
        W = np.stack([w for w, _, _ in solved], axis=1)  # (r, H, K)
        if basis is not None:
            W = np.einsum("rd,rhk->dhk", basis, W)
        coef = W.transpose(1, 2, 0)
        intercept = np.stack([b for _, b, _ in solved])
        if self.prior is not None:  # what was fitted is the change from the prior
            coef = coef + self.prior.coef[:H]
            intercept = intercept + self.prior.intercept[:H]
        counts = np.array([count for _, _, count in solved])  # (iterations, evaluations)
        return coef, intercept, counts

    @classmethod
    def from_weights(cls, weights, **params):
        """A head fitted to ``weights`` (a :class:`~llmiso.head.HeadWeights`), as if
        ``fit`` had found them: how a saved or pretrained head comes back.

        Parameters
        ----------
        weights : HeadWeights
        **params
            The head's parameters (``n_bins`` follows the weights).

        Returns
        -------
        SoftmaxHeadForecaster
        """
        head = cls(**{**params, "n_bins": weights.bin_edges.size - 1})
        head.coef_, head.intercept_ = weights.coef, weights.intercept
        head.bin_edges_, head.tail_scale_ = weights.bin_edges, weights.tail_scale
        head.bin_centers_ = _bins.centers(weights.bin_edges, weights.tail_scale)
        head.n_outputs_, head.n_features_in_ = weights.coef.shape[0], weights.coef.shape[2]
        head.n_iter_, head.n_evaluations_ = 0, np.zeros(weights.coef.shape[0], dtype=int)
        head._single_output = False
        return head

    def weights(self):
        """The fitted weights, bins and tails, as a :class:`~llmiso.head.HeadWeights` (a prior)."""
        check_is_fitted(self)
        return HeadWeights(self.coef_, self.intercept_, self.bin_edges_, self.tail_scale_)

    def predict_bin_proba(self, X):
        """Bin probabilities (the softmax itself).

        Named ``predict_bin_proba``, not ``predict_proba``: scikit-learn reads a
        ``predict_proba`` method as the mark of a classifier (scorers, checks), and
        this is a regressor.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_bins), or (n_samples, n_outputs, n_bins)
            for a 2-D ``y``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        logits = np.einsum("nd,hkd->nhk", X.astype(np.float64), self.coef_) + self.intercept_
        proba = np.exp(log_softmax(logits, axis=2))
        return proba[:, 0] if self._single_output else proba

    def negative_log_likelihood(self, X, y):
        """Mean negative log density of the known targets of ``y`` (lower is better).

        :func:`llmiso.metrics.negative_log_likelihood` of the predicted distributions,
        in nats per unit of the target; a 2-D ``y``'s missing targets (NaN) are left
        out, as in ``fit``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        float
        """
        proba = self.predict_bin_proba(X)
        y = np.asarray(y, dtype=np.float64).reshape(proba.shape[:-1])
        known = np.isfinite(y)  # a 2-D y's missing targets are left out, as in fit
        return negative_log_likelihood(y[known], proba[known], bin_edges=self.bin_edges_,
                                       tail_scale=self.tail_scale_)

    def predict_quantiles(self, X, quantiles=(0.1, 0.5, 0.9)):
        """Exact quantiles of the predicted distribution.

        The CDF is interpolated linearly within each bin and follows the exponential
        tails in the edge bins, so every level in (0, 1) has a finite quantile,
        nothing is clamped, and quantiles increase with the level.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        quantiles : array-like of float in (0, 1), default=(0.1, 0.5, 0.9)

        Returns
        -------
        ndarray of shape (n_samples, n_quantiles), or (n_samples, n_outputs,
        n_quantiles) for a 2-D ``y``.
        """
        levels = _bins.check_levels(quantiles)
        return _bins.quantiles(self.predict_bin_proba(X), levels, self.bin_edges_, self.tail_scale_)

    def predict(self, X):
        """Median (or mean, with ``point="mean"``) of the predicted distribution.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        if self.point == "mean":
            return self.predict_bin_proba(X) @ self.bin_centers_
        return self.predict_quantiles(X, [0.5])[..., 0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def _standardized(n_bins):
    """The bins' positions, standardized: their order, which the uniform inner bins'
    centres follow; the open edge bins count one bin beyond, however far their
    centres lie (an outlier's tail would otherwise dominate every logit)."""
    order = np.arange(n_bins, dtype=np.float64)
    return (order - order.mean()) / order.std()


_CONTROLLER = []


def _controller():
    """``threadpoolctl``'s view of the loaded thread pools, its scan of the process's
    memory map done once (a new scan cost more than a small head's whole fit)."""
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0]


def _output_threads(n_jobs, work):
    """Outputs fitted at once: ``n_jobs``, or for None as many as BLAS would run
    threads (every core, fewer inside a joblib worker, which limits them) where one
    output's products (``work``: n x features x bins) are large enough to gain: on
    small ones the threads' dispatch and the GIL cost more (a 60 x 20 head, 3 outputs:
    106 ms in threads, 48 ms in turn; 1,000 x 600, 100 bins: 0.92 s against 1.06 s)."""
    if n_jobs is not None:
        return effective_n_jobs(n_jobs)
    if work < 20_000_000:
        return 1
    blas = _controller().select(user_api="blas").lib_controllers
    return max([lib.num_threads for lib in blas], default=1)


@contextmanager
def _blas_threads(limit):
    """numpy's BLAS at ``limit`` threads (None: as it is) and every other BLAS at one.

    The other is scipy's own copy, which L-BFGS-B calls for its vector steps: left at
    every core, its threads spin between those steps and take the cores from numpy's
    products (an evaluation took twice as long, L-BFGS-B's own steps six times).
    """
    import scipy

    controller = _controller()
    # The copy scipy's wheel ships sits in its own folders; one BLAS shared by numpy
    # and scipy (a conda build, say) sits elsewhere and keeps ``limit``.
    scipy_dirs = {Path(scipy.__file__).parent, Path(scipy.__file__).parent.with_suffix(".libs")}
    scipy_own = [lib.filepath for lib in controller.select(user_api="blas").lib_controllers
                 if Path(lib.filepath).parent in scipy_dirs]
    with controller.limit(limits=limit, user_api="blas"):
        if scipy_own:
            with controller.select(filepath=scipy_own).limit(limits=1):
                yield
        else:
            yield


# The earlier name of the same class: existing code keeps working, with no warning.
SoftmaxBinRegressor = SoftmaxHeadForecaster
