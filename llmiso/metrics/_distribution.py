"""Proper scores of predicted distributions and quantiles."""

import numpy as np
from sklearn.utils import check_array, check_consistent_length
from sklearn.utils._param_validation import validate_params

from .. import _bins

_QUANTILE_ARGS = {
    "y_true": ["array-like"],
    "y_quantiles": ["array-like"],
    "quantiles": ["array-like"],
}


def _quantile_inputs(y_true, y_quantiles, quantiles):
    y_true = np.asarray(y_true, dtype=np.float64)
    y_quantiles = np.asarray(y_quantiles, dtype=np.float64)
    quantiles = _bins.check_levels(np.ravel(quantiles))
    if y_quantiles.shape != y_true.shape + (len(quantiles),):
        raise ValueError(
            f"y_quantiles must have shape y_true.shape + (n_quantiles,) = "
            f"{y_true.shape + (len(quantiles),)}, got {y_quantiles.shape}."
        )
    for name, a in (("y_true", y_true), ("y_quantiles", y_quantiles)):
        if not np.isfinite(a).all():
            raise ValueError(f"{name} contains NaN or infinity.")
    return y_true, y_quantiles, quantiles


def _pinball(y_true, y_quantiles, quantiles):
    diff = y_true[..., None] - y_quantiles
    return np.maximum(quantiles * diff, (quantiles - 1) * diff)


@validate_params(_QUANTILE_ARGS, prefer_skip_nested_validation=True)
def pinball_loss(y_true, y_quantiles, quantiles):
    """Mean pinball (quantile) loss, averaged over samples, outputs and levels.

    ``rho_q(y, yhat) = max(q (y - yhat), (q - 1)(y - yhat))``; a proper score of
    each quantile, so lower is better.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
    y_quantiles : array-like of shape y_true.shape + (n_quantiles,)
    quantiles : array-like of shape (n_quantiles,)

    Returns
    -------
    float

    Examples
    --------
    >>> from llmiso.metrics import pinball_loss
    >>> round(pinball_loss([1.0, 2.0], [[0.0, 1.0], [2.0, 3.0]], [0.1, 0.9]), 3)
    0.05
    """
    return float(np.mean(_pinball(*_quantile_inputs(y_true, y_quantiles, quantiles))))


@validate_params(_QUANTILE_ARGS, prefer_skip_nested_validation=True)
def weighted_quantile_loss(y_true, y_quantiles, quantiles):
    """Weighted quantile loss, as Chronos reports it (scale-free).

    ``WQL = mean_q [ 2 sum_i rho_q(y_i, yhat_{i,q}) / sum_i |y_i| ]``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
    y_quantiles : array-like of shape y_true.shape + (n_quantiles,)
    quantiles : array-like of shape (n_quantiles,)

    Returns
    -------
    float

    References
    ----------
    Ansari et al., "Chronos: Learning the Language of Time Series", TMLR 2024.

    Examples
    --------
    >>> from llmiso.metrics import weighted_quantile_loss
    >>> weighted_quantile_loss([1.0, 3.0], [[1.0], [2.0]], [0.5])
    0.25
    """
    y_true, y_quantiles, quantiles = _quantile_inputs(y_true, y_quantiles, quantiles)
    scale = np.abs(y_true).sum()
    if scale == 0:
        raise ValueError("weighted_quantile_loss is undefined when every y_true is 0.")
    losses = _pinball(y_true, y_quantiles, quantiles)
    per_level = 2 * losses.reshape(-1, len(quantiles)).sum(axis=0) / scale
    return float(per_level.mean())


@validate_params(
    {"y_true": ["array-like"], "y_proba": ["array-like"], "bin_edges": ["array-like"],
     "tail_scale": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def negative_log_likelihood(y_true, y_proba, *, bin_edges, tail_scale):
    """Mean negative log density of ``y_true`` under binned predicted distributions.

    The density is uniform within each interior bin and exponential in the two
    open-ended edge bins (see :class:`~llmiso.SoftmaxHeadForecaster`), so the score
    is in nats per unit of the target and comparable with any continuous forecast.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
    y_proba : array-like of shape y_true.shape + (n_bins,)
        Bin probabilities, e.g. from ``SoftmaxHeadForecaster.predict_bin_proba``.
    bin_edges : array-like of shape (n_bins + 1,)
        Edges with ``-inf`` and ``inf`` at the ends (``bin_edges_``).
    tail_scale : array-like of shape (2,)
        Scales of the left and right exponential tails (``tail_scale_``).

    Returns
    -------
    float; lower is better.
    """
    y_true = check_array(y_true, ensure_2d=False, dtype=np.float64)
    y_proba = np.asarray(y_proba, dtype=np.float64)
    bin_edges = np.asarray(bin_edges, dtype=np.float64)
    if y_proba.shape != y_true.shape + (len(bin_edges) - 1,):
        raise ValueError(
            f"y_proba must have shape {y_true.shape + (len(bin_edges) - 1,)} "
            f"(y_true.shape + (n_bins,)), got {y_proba.shape}."
        )
    check_consistent_length(y_true, y_proba)
    return float(-np.mean(_bins.log_pdf(y_proba, y_true, bin_edges, np.asarray(tail_scale))))
