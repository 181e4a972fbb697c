"""Ordered value bins: a piecewise-uniform density with exponential tails.

``edges`` are the K+1 bin edges of K bins, ``-inf`` and ``+inf`` at the ends. The
K-2 interior bins spread their probability uniformly; each of the two open-ended
edge bins puts its probability on an exponential tail with scale ``tail_scale``
beyond its finite edge. So the CDF is continuous and strictly increasing, every
quantile level in (0, 1) has an exact, finite quantile, and no value is "out of
range".
"""

import numpy as np
from scipy.stats import iqr


def place(y, n_bins, low, high, *, robust=True):
    """Bin edges and tail scales for targets ``y``.

    ``n_bins - 2`` uniform bins span ``[low, high]``: robust scales (IQR / 1.349)
    around the median with ``robust``, else the target's own units; two open-ended
    edge bins carry exponential tails whose scales are the targets' mean excess
    beyond the edges (one bin width if none lies beyond).
    """
    if robust:
        center = np.median(y)
        # Fall back from the IQR to the std, then to a tiny scale, for near-constant y.
        scale = iqr(y, scale="normal") or np.std(y) or 1e-3 * max(abs(center), 1.0)
        inner = center + scale * np.linspace(low, high, n_bins - 1)
    else:
        inner = np.linspace(low, high, n_bins - 1)
    edges = np.concatenate([[-np.inf], inner, [np.inf]])
    width = inner[1] - inner[0]
    below, above = y[y < inner[0]], y[y >= inner[-1]]
    tail = np.array([
        np.mean(inner[0] - below) if len(below) else width,
        np.mean(above - inner[-1]) if len(above) else width,
    ])
    return edges, np.maximum(tail, width * 1e-3)


def spline_basis(n_bins, n_basis, degree=3):
    """(n_bins, n_basis) cubic B-splines over the bins' order, each row summing to 1.

    B-splines of degree 3 reproduce every polynomial up to degree 3 in the bin's
    position, the linear tilt of a shifted distribution among them.
    """
    from scipy.interpolate import BSpline

    knots = np.r_[[0.0] * degree, np.linspace(0, 1, n_basis - degree + 1), [1.0] * degree]
    return BSpline.design_matrix(np.linspace(0, 1, n_bins), knots, degree).toarray()


def check_levels(levels):
    """Quantile levels as a 1-D float array, each strictly inside (0, 1)."""
    array = np.atleast_1d(np.asarray(levels, dtype=np.float64))
    if array.ndim != 1 or not len(array) or not np.all((array > 0) & (array < 1)):
        raise ValueError(f"Quantile levels must lie in (0, 1), got {levels!r}.")
    return array


def centers(edges, tail_scale):
    """The mean of each bin's piece of density."""
    inner = (edges[1:-2] + edges[2:-1]) / 2
    return np.concatenate([[edges[1] - tail_scale[0]], inner, [edges[-2] + tail_scale[1]]])


def assign(y, edges):
    """Index of the bin holding each value of ``y``."""
    return np.searchsorted(edges[1:-1], y, side="right")


def quantiles(proba, levels, edges, tail_scale):
    """Exact quantiles: shape ``proba.shape[:-1] + (len(levels),)``.

    ``proba``'s last axis runs over the K bins.
    """
    proba = np.asarray(proba, dtype=np.float64)
    levels = np.asarray(levels, dtype=np.float64)
    flat = proba.reshape(-1, proba.shape[-1])
    cdf = np.cumsum(flat, axis=1)
    cdf[:, -1] = 1.0  # guard against rounding: the last bin closes the distribution
    out = np.empty((len(flat), len(levels)))
    rows = np.arange(len(flat))
    for j, q in enumerate(levels):
        k = np.minimum((cdf < q).sum(axis=1), flat.shape[1] - 1)
        below = np.where(k > 0, cdf[rows, np.maximum(k - 1, 0)], 0.0)
        mass = np.maximum(flat[rows, k], 1e-300)
        lo = edges[np.maximum(k, 1)]
        hi = edges[np.minimum(k + 1, len(edges) - 2)]
        inner = lo + (q - below) / mass * (hi - lo)
        # Tails: CDF = p0 exp((x - e1) / s) on the left, 1 - pK exp(-(x - eK) / s) right.
        left = edges[1] + tail_scale[0] * np.log(np.maximum(q, 1e-300) / mass)
        right = edges[-2] - tail_scale[1] * np.log(np.maximum(1 - q, 1e-300) / mass)
        out[:, j] = np.where(k == 0, left, np.where(k == flat.shape[1] - 1, right, inner))
    return out.reshape(proba.shape[:-1] + (len(levels),))


def log_pdf(proba, y, edges, tail_scale):
    """Log density at ``y`` (per unit of the target) under each row's distribution."""
    proba = np.asarray(proba, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    k = assign(y, edges)
    p = np.take_along_axis(proba, k[..., None], axis=-1)[..., 0]
    n_bins = proba.shape[-1]
    widths = np.diff(edges)
    with np.errstate(divide="ignore"):
        inner = np.log(p) - np.log(widths[np.clip(k, 1, n_bins - 2)])
        left = np.log(p) - np.log(tail_scale[0]) + (y - edges[1]) / tail_scale[0]
        right = np.log(p) - np.log(tail_scale[1]) - (y - edges[-2]) / tail_scale[1]
    return np.where(k == 0, left, np.where(k == n_bins - 1, right, inner))
