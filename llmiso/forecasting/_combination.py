"""The combination: the head's forecast with statistical models', averaged.

By default the equal mixture of the distributions of the head, AutoETS, AutoTheta
and AutoCES: the pool, the weighting and the way of averaging chosen on validation
windows inside the training parts of M3 and Tourism (docs/benchmarks.md). On
request, weights come from each member's out-of-sample errors at each series'
latest whole windows inside its history (its validation origins): the statistical
models' from statsforecast's ``cross_validation`` (fitted at the first of those
origins), the head's from a head fitted without them (``forecasting/_validation``),
shrunk toward equal, per series; the same origins can calibrate the combination's
intervals.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions, validate_parameter_constraints

from ._statistical import StatisticalModels

# The levels of the members' validation forecasts: the deciles, fev's WQL levels, so
# a rule over whole distributions can be scored on them; the weights read the median,
# the calibration the 80% interval (SPREAD_LEVELS).
VALIDATION_LEVELS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
SPREAD_LEVELS = [VALIDATION_LEVELS.index(q) for q in (0.1, 0.5, 0.9)]
MEDIAN = VALIDATION_LEVELS.index(0.5)


class Combination(BaseEstimator):
    """The head's forecast distribution and statistical models', mixed.

    A part of :class:`LLMForecaster` (its ``combine``). Each member gives quantiles
    (a statistical model's quantile q is the end of its central interval of level
    ``|200 q - 100|``%). With ``average="mixture"`` (the default) the combination is
    the mixture of the members' distributions: its probability of falling below a
    value is the weighted mean of the members' (each member's distribution linear
    between its deciles, the 10% beyond each outer decile spread over twice its
    outer gap), and its quantiles at any level are read from that. Where the
    members disagree, the mixture is wider than any of them, and a member whose
    forecast runs away moves its outer quantiles but not its middle.
    ``average="quantiles"`` averages the members' quantiles level by level (the
    rule before). The mixture was chosen on the last
    windows inside the training parts of 1,200 M3 and Tourism series: weighted
    quantile loss 0.649 against 0.655 level by level on M3 and Tourism monthly and
    quarterly, 0.703 against 0.742 on all six, MASE 0.781 against 0.783
    (docs/benchmarks.md). The other defaults (AutoETS, AutoTheta and AutoCES
    beside the head, equal weights, no calibration) were chosen the same way,
    where weights learned per series and the calibration below both did worse;
    they also need no validation forecasts, so ``fit`` costs one head and one fit
    per model. With ``weights="evidence"`` each
    series weighs its members by their errors on its own last ``n_validation``
    whole windows inside the training data: ``w_m ~ 1 / MAE_m^2``, shrunk toward
    equal, ``(1 - shrinkage) w + shrinkage / M``. A series with fewer origins than
    a horizon plus one gets equal weights. With ``calibrate``, the combination's
    quantiles below and above the median are stretched or shrunk, one factor per
    side, so that its 80% interval covers 80% of those windows' values (split
    conformal, pooled over series and steps); quantiles stay ordered. The models
    are fitted on each whole series in ``fit`` and run forward over longer
    histories (after ``update``) without refitting.

    Parameters
    ----------
    models : str, statsforecast model, or tuple/list of them, default=("ets", "theta", "ces")
        ``"ets"`` (AutoETS), ``"theta"`` (AutoTheta), ``"ces"`` (AutoCES),
        ``"arima"`` (AutoARIMA), ``"dotm"`` (DynamicOptimizedTheta), or
        statsforecast model objects, built with the forecaster's season. An empty
        tuple leaves the head alone, its intervals calibrated on its validation
        windows.
    weights : {"equal", "evidence"}, default="equal"
        ``"equal"``: the plain average.
    shrinkage : float in [0, 1], default=0.75
        How far the evidence weights are pulled toward equal (1: equal).
    n_validation : int, default=6
        Validation origins per series (fewer where a series has fewer).
    calibrate : bool, default=False
        Widen or narrow the combination's intervals to their validation coverage.
    average : {"mixture", "quantiles"}, default="mixture"
        ``"mixture"``: the mixture of the members' distributions (probabilities
        averaged); ``"quantiles"``: the members' quantiles averaged level by level.

    Attributes
    ----------
    models_ : StatisticalModels
        The fitted statistical models (shared with a statistical baseline of the
        same models, so they are fitted once).
    weights_ : ndarray of shape (n_series, 1 + n_models)
        Each series' weights: the head's first, then each model's.
    member_names_ : list of str
    interval_scale_ : ndarray of shape (2,)
        The factors applied below and above the median (1: no change).
    validation_errors_ : ndarray of shape (n_series, 1 + n_models)
        Each member's mean absolute error at the series' validation origins (NaN
        where it has none, and everywhere without evidence weights or calibration).
    validation_paths_, validation_truth_ : list
        Only with ``weights="evidence"`` or ``calibrate``. Per series, the members'
        (1 + n_models, n_validation, horizon, 9) quantiles 0.1, 0.2, ..., 0.9 at its
        validation origins and the (n_validation, horizon) values that followed
        (None where it has none): the evidence.
    """

    _parameter_constraints = {
        "models": [str, tuple, list, object],
        "weights": [StrOptions({"evidence", "equal"})],
        "shrinkage": [Interval(Real, 0, 1, closed="both")],
        "n_validation": [Interval(Integral, 1, None, closed="left")],
        "calibrate": ["boolean"],
        "average": [StrOptions({"mixture", "quantiles"})],
    }

    def __init__(self, models=("ets", "theta", "ces"), *, weights="equal", shrinkage=0.75,
                 n_validation=6, calibrate=False, average="mixture"):
        self.models = models
        self.weights = weights
        self.shrinkage = shrinkage
        self.n_validation = n_validation
        self.calibrate = calibrate
        self.average = average

    @property
    def needs_validation(self):
        """Whether ``fit`` reads the members' validation forecasts."""
        return self.weights == "evidence" or self.calibrate

    def fit(self, series, *, sp, horizon, head_validation=None, n_jobs=None, fitted=None):
        """Fit the models on each whole series (or take ``fitted``, the same models
        already fitted on the same series), and learn the weights and the intervals'
        calibration from the validation origins.

        ``head_validation[i]``: the head's (n_windows_i, horizon, 9) quantiles at
        levels 0.1, 0.2, ..., 0.9 (``VALIDATION_LEVELS``) at series i's last
        n_windows_i whole windows (``forecasting/_validation``), or None where it
        has none; ``head_validation`` None: no evidence, equal weights.
        """
        validate_parameter_constraints(self._parameter_constraints,
                                       self.get_params(deep=False), type(self).__name__)
        self.models_ = (fitted if fitted is not None
                        else StatisticalModels(self.models, sp, n_jobs).fit(series))
        self.member_names_ = ["head", *(repr(m) for m in self.models_.models_)]
        n_members = len(self.member_names_)
        self.weights_ = np.full((len(series), n_members), 1.0 / n_members)
        self.validation_errors_ = np.full((len(series), n_members), np.nan)
        self.interval_scale_ = np.ones(2)
        if not self.needs_validation or head_validation is None:
            return self  # no evidence: equal weights, the intervals as they are
        # The windows the head was scored on, as many as its origins allowed.
        windows = [0 if found is None else len(found) for found in head_validation]
        found = self.models_.validation_forecasts(series, windows, horizon, VALIDATION_LEVELS)
        self.validation_paths_ = [None] * len(series)
        self.validation_truth_ = [None] * len(series)
        paths, truths = [], []
        for i, (values, count) in enumerate(zip(series, windows, strict=True)):
            if not count:
                continue  # no evidence: equal weights
            members = np.concatenate([head_validation[i][None], found[i]])  # (M, V, H, 9)
            truth = _truth(values, count, horizon)
            self.validation_paths_[i], self.validation_truth_[i] = members, truth
            self.validation_errors_[i] = np.abs(members[..., MEDIAN] - truth).mean(axis=(1, 2))
            if self.weights == "evidence":
                self.weights_[i] = evidence_weights(self.validation_errors_[i], self.shrinkage)
            averaged = self._average(members, VALIDATION_LEVELS, self.weights_[i])
            paths.append(averaged[..., SPREAD_LEVELS])
            truths.append(truth)
        if self.calibrate and paths:
            self.interval_scale_ = interval_scale(np.concatenate(paths), np.concatenate(truths))
        return self

    def refit(self, series):
        """Refit the models on the series moved forward (``update_params=True``); the
        weights and the calibration stay as ``fit`` learned them."""
        self.models_.refit(series)
        return self

    def members(self, head, histories, levels, horizon):
        """(n_members, n_series, horizon, n_levels): ``head``'s quantiles, then each
        model's from the end of each history (``member_names_`` in order)."""
        return np.concatenate([head[None], self.models_.predict(horizon, levels,
                                                                histories=histories)])

    def levels_for(self, levels):
        """The levels ``combine`` needs the head's quantiles at to give ``levels``: the
        mixture reads each member's distribution at the deciles too."""
        if self.average == "quantiles":
            return sorted(levels)
        return sorted(set(levels) | set(VALIDATION_LEVELS))

    def combine(self, head, histories, levels, horizon):
        """(n_series, horizon, n_levels): ``head``'s quantiles and each model's, mixed
        (or averaged level by level) with the weights, the intervals calibrated.
        ``levels``: as :meth:`levels_for` gives them (the deciles among them)."""
        members = self.members(head, histories, levels, horizon)
        combined = self._average(members, levels, self.weights_)
        if 0.5 not in levels or not np.any(self.interval_scale_ != 1):
            return combined
        return stretch_intervals(combined, levels, self.interval_scale_)

    def _average(self, members, levels, weights):
        """(..., n_levels): the members' (n_members, ..., n_levels) quantiles at
        ``levels`` combined with ``weights`` ((n_members,), or (n_series, n_members)
        for members of shape (n_members, n_series, ...))."""
        weights = np.asarray(weights, dtype=float)
        if self.average == "quantiles":
            if weights.ndim == 1:
                return np.einsum("m,m...->...", weights, members)
            return np.einsum("sm,ms...->s...", weights, members)
        # Each member's distribution from its deciles alone, whatever levels are
        # asked, so every level reads the same mixture (predict's median is
        # predict_quantiles' 0.5) and it is the one chosen on validation.
        # (Levels without the deciles: the distributions from the levels given.)
        if not set(VALIDATION_LEVELS) <= set(levels):
            return mix_quantiles(members, levels, weights)
        deciles = [list(levels).index(q) for q in VALIDATION_LEVELS]
        return mix_quantiles(members[..., deciles], VALIDATION_LEVELS, weights, at=levels)


def mix_quantiles(quantiles, levels, weights=None, *, at=None, tail=2.0):
    """The quantiles, at ``at`` (default: the same ``levels``), of the mixture of
    distributions given by their quantiles.

    Each member's distribution function is taken linear between its quantiles
    (levels strictly between 0 and 1, increasing); beyond its outermost ones the
    remaining probability is spread linearly over ``tail`` times its outermost gap
    on each side. The mixture's distribution function is the weighted mean of the
    members'; its quantiles are read from it (linear between the points where it
    is known; where it is flat at a level, as between members that do not
    overlap, the middle of the flat stretch).

    Parameters
    ----------
    quantiles : ndarray of shape (n_members, ..., n_levels)
        Each member's quantiles at ``levels`` (sorted, if not already).
    levels : sequence of float
    weights : ndarray of shape (n_members,) or (n_series, n_members), default=None
        The members' weights (None: equal); per series when the second axis of
        ``quantiles`` is the series.
    at : sequence of float, default=None
        The levels to return (None: ``levels``).
    tail : float, default=2.0

    Returns
    -------
    ndarray of shape (..., len(at))

    Examples
    --------
    >>> import numpy as np
    >>> from llmiso.forecasting import mix_quantiles
    >>> same = np.array([[1.0, 2.0, 3.0]] * 2)  # two members, one distribution
    >>> mix_quantiles(same, [0.1, 0.5, 0.9]).round(6)
    array([1., 2., 3.])
    """
    levels = np.asarray(levels, dtype=float)
    at = levels if at is None else np.asarray(at, dtype=float)
    M, *shape, L = quantiles.shape
    q = np.sort(np.asarray(quantiles, dtype=float).reshape(M, -1, L), axis=-1)  # (M, B, L)
    B = q.shape[1]
    w = np.full(M, 1.0 / M) if weights is None else np.asarray(weights, dtype=float)
    if w.ndim == 1:
        w = np.broadcast_to(w[:, None], (M, B))
    else:  # (S, M) per series: every row of a series takes its weights
        w = np.repeat(w.T, B // w.shape[0], axis=1)
    if L == 1:
        return np.einsum("mb,mb->b", w, q[..., 0]).reshape(*shape, 1)[..., [0] * len(at)]
    low = q[..., :1] - tail * (q[..., 1:2] - q[..., :1])
    high = q[..., -1:] + tail * (q[..., -1:] - q[..., -2:-1])
    # A tiny ramp keeps each member's knots strictly increasing (ties where its
    # quantiles coincide, as a point mass).
    ramp = 1e-9 * (1 + np.abs(q).max(axis=-1, keepdims=True)) * np.arange(L + 2)
    knots = np.concatenate([low, q, high], axis=-1) + ramp  # (M, B, L + 2)
    probs = np.broadcast_to(np.concatenate([[0.0], levels, [1.0]]), knots.shape[1:])
    points = np.sort(knots.transpose(1, 0, 2).reshape(B, -1), axis=-1)  # (B, M (L + 2))
    cdf = sum(w[m][:, None] * _interp_rows(points, knots[m], probs) for m in range(M))
    cdf = np.maximum.accumulate(cdf, axis=-1)
    eps = 1e-12 * np.arange(points.shape[1])
    asked = np.broadcast_to(at, (B, len(at)))
    first = _interp_rows(asked, cdf + eps, points)  # where it first reaches the level
    last = _interp_rows(-asked, -(cdf - eps)[:, ::-1], points[:, ::-1])  # last leaves it
    return ((first + last) / 2).reshape(*shape, len(at))


# Rows of _interp_rows' comparison at a time: its (rows, K, P) boolean stays a few MB
# however many series and steps a panel has.
_INTERP_CHUNK = 8192


def _interp_rows(x, xp, fp):
    """``np.interp`` row by row: ``x`` (B, K), increasing ``xp`` (B, P), ``fp`` (B, P);
    constant beyond the ends."""
    x, xp, fp = np.broadcast_to(x, (len(xp), x.shape[-1])), np.asarray(xp), np.asarray(fp)
    out = np.empty(x.shape)
    for start in range(0, len(xp), _INTERP_CHUNK):
        rows = slice(start, start + _INTERP_CHUNK)
        a, b, f = x[rows], xp[rows], fp[rows]
        idx = np.clip((b[:, None, :] <= a[:, :, None]).sum(-1) - 1, 0, b.shape[1] - 2)
        x0, x1 = np.take_along_axis(b, idx, 1), np.take_along_axis(b, idx + 1, 1)
        f0, f1 = np.take_along_axis(f, idx, 1), np.take_along_axis(f, idx + 1, 1)
        t = np.clip((a - x0) / np.where(x1 > x0, x1 - x0, 1.0), 0.0, 1.0)
        out[rows] = f0 + t * (f1 - f0)
    return out


def stretch_intervals(quantiles, levels, factors):
    """``quantiles`` (..., n_levels, with 0.5 among ``levels``) stretched around their
    median: each quantile's distance from it times ``factors[0]`` below the median and
    ``factors[1]`` above (:func:`interval_scale`'s), then sorted so levels stay ordered."""
    median = quantiles[..., [list(levels).index(0.5)]]
    scale = np.where(np.asarray(levels) < 0.5, factors[0], factors[1])
    return np.sort(median + scale * (quantiles - median), axis=-1)


def _truth(values, count, horizon):
    """(count, horizon) values after each of the last ``count`` whole windows."""
    T = len(values)
    starts = np.arange(T - horizon - count + 1, T - horizon + 1)
    return np.asarray(values, dtype=float)[starts[:, None] + np.arange(horizon)]


def evidence_weights(errors, shrinkage):
    """Weights from each member's validation error: ``1 / error^2``, normalised, shrunk
    toward equal by ``shrinkage`` (0: by the evidence alone, 1: equal)."""
    errors = np.asarray(errors, dtype=float)
    inverse = 1.0 / np.maximum(errors, 1e-12 * max(errors.max(), 1e-300)) ** 2
    return (1 - shrinkage) * inverse / inverse.sum() + shrinkage / len(errors)


def interval_scale(paths, truth, prior=20):
    """Factors below and above the median that make the 80% interval cover 80%.

    ``paths`` (n, horizon, 3): quantiles 0.1, 0.5, 0.9; ``truth`` (n, horizon). Each
    side's factor is the empirical 80% quantile of the truth's distance from the
    median in units of that side's quantile distance, shrunk toward 1 by ``prior``
    pseudo-observations, so a few windows barely move it.
    """
    low, median, high = paths[..., 0], paths[..., 1], paths[..., 2]
    factors = []
    for distance, side in ((median - low, median - truth), (high - median, truth - median)):
        ok = distance > 1e-12 * np.abs(median).max(initial=1.0)
        ratio = side[ok] / distance[ok]
        if not len(ratio):
            factors.append(1.0)
            continue
        found = max(float(np.quantile(ratio, 0.9)), 0.0)
        factors.append((len(ratio) * found + prior) / (len(ratio) + prior))
    return np.array(factors)


def make_combination(combine):
    """The combination part for the forecaster's ``combine`` (None: the head alone)."""
    from sklearn.base import clone

    if combine is None:
        return None
    if isinstance(combine, Combination):
        return clone(combine)
    return Combination(combine)
