"""Isotropy referenced to its null: what isotropic data of the same size scores.

Every raw measure moves with the number of rows n and the width d even when the
data are perfectly isotropic (IsoScore of 1,000 standard Gaussian rows in 576
dimensions is 0.63, not 1; a cluster of m rows centered on its own mean has an
average pairwise cosine of -1/(m-1), whatever its geometry). So each measure is
reported *adjusted* against standard Gaussian rows of the same n and d, the way
``adjusted_rand_score`` corrects the Rand index for chance:

- ratio measures, 1 = isotropic, 0 = one direction holds everything
  (``uncentered_isoscore``, ``isoscore``, ``partition``, ``effective_dimension``):
  ``raw / null``;
- share measures, 0 = isotropic, 1 = every row along one direction
  (``average_cosine``, ``cluster_cosine``, ``top_component_share``):
  ``(raw - null) / (1 - null)``; for the cluster cosine the null is analytic,
  ``-1/(m-1)`` for a cluster of m members, applied cluster by cluster.

The adjusted partition measure is undefined (NaN) with fewer rows than columns: its
eigenvectors then include directions no row reaches, and on isotropic data its
value swings by orders of magnitude from sample to sample (0.87 from its null at 30
x 576), so no null holds there.

The null is a seeded Monte-Carlo mean over Gaussian samples of the same size,
cached per (n, d) for the process. The 2.5%-97.5% range of the adjusted measure
over those samples is the band isotropic data of this size falls in: a value
outside it is anisotropic beyond sampling noise.
"""

import warnings
from functools import lru_cache

import numpy as np
from sklearn.utils._param_validation import StrOptions, validate_params

from . import _measures

# name -> True for ratio measures (1 isotropic), False for share measures (0 isotropic)
RATIO = {
    "uncentered_isoscore": True,
    "isoscore": True,
    "partition": True,
    "effective_dimension": True,
    "average_cosine": False,
    "cluster_cosine": False,
    "top_component_share": False,
}
MEASURES = tuple(RATIO)


def _standardized(X):
    """X scaled to a mean squared row norm of d, a standard Gaussian's: the partition
    function sum exp(<c, x>) depends on the scale, so a null holds at one scale only."""
    mean_square = np.mean(np.sum(np.square(X, dtype=np.float64), axis=1))
    return X * np.sqrt(X.shape[1] / mean_square) if mean_square > 0 else X


def _raw(X, names, *, random_state=None, cluster_k="auto"):
    """The raw measures ``names`` of checked points X, sharing the spectrum; and the
    clusters as (cosine, size) pairs when the cluster cosine is asked for."""
    d = X.shape[1]
    out, clusters = {}, None
    spectrum = _measures._nonzero_spectrum(X) if {
        "isoscore", "effective_dimension", "top_component_share"} & set(names) else None
    for name in names:
        if name == "uncentered_isoscore":
            out[name] = _measures._isoscore_of_spectrum(_measures._second_moments(X), d)
        elif name == "isoscore":
            out[name] = _measures._isoscore_of_spectrum(spectrum, d)
        elif name == "partition":
            out[name] = _measures.partition_isotropy(_standardized(X))
        elif name == "effective_dimension":
            out[name] = _measures.participation_ratio(spectrum)
        elif name == "average_cosine":
            out[name] = _measures._mean_pairwise_cosine(X)
        elif name == "cluster_cosine":
            out[name], clusters, _ = _measures._cluster_cosine_and_sizes(
                X, k=cluster_k, random_state=random_state)
        else:
            out[name] = _measures.top_share(spectrum)
    return out, clusters


def _n_draws(n):
    # The measures' spread shrinks with n while each draw costs O(n d^2): fewer draws.
    return int(np.clip(4000 // max(n, 1), 10, 30))


@lru_cache(maxsize=64)
def _null_draws(n, d):
    """name -> (raw values, adjusted values) over seeded standard Gaussian n x d samples."""
    rng = np.random.default_rng([n, d])
    raws, cluster_adjusted = [], []
    for _ in range(_n_draws(n)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            raw, clusters = _raw(rng.standard_normal((n, d)), MEASURES,
                                 random_state=rng.integers(2**31), cluster_k=_null_k(n))
        raws.append(raw)
        cluster_adjusted.append(_cluster_adjusted(clusters))
    draws = {}
    for name in MEASURES:
        values = np.array([raw[name] for raw in raws])
        if name == "cluster_cosine":
            draws[name] = values, np.array(cluster_adjusted)
        else:
            draws[name] = values, _adjust(name, values, _null_value(name, values))
    if n < d:  # see the module's docstring: no null holds for the partition measure
        draws["partition"] = draws["partition"][0], np.full(len(raws), np.nan)
    return draws


def _null_k(n):
    # Up to a few hundred isotropic rows, k-means finds spurious clusters with a
    # silhouette above 0.1 (8 of them in 20 x 16), so the null chooses k as the data
    # does; beyond, it finds one cluster on isotropic data, which k=1 gives at a
    # fraction of the cost (O(n^2) silhouettes for 15 values of k).
    return "auto" if n <= 500 else 1


def _cluster_adjusted(clusters):
    # (cos + 1/(m-1)) / (1 + 1/(m-1)) = ((m-1) cos + 1) / m per cluster, averaged with
    # the raw measure's equal weight per cluster.
    return float(np.mean([((m - 1) * c + 1) / m for c, m in clusters])) if clusters else 0.0


def _adjust(name, raw, null):
    # A null that leaves no room (a ratio measure's 0, another's 1: isotropic data of so
    # few rows scores the extreme) makes the adjusted value undefined, not an error.
    room = null if RATIO[name] else 1 - null
    if room == 0:
        return float("nan")
    return raw / null if RATIO[name] else (raw - null) / room


def _null_value(name, values):
    # The partition measure's draws are heavy-tailed (a ratio of sums of exponentials
    # spanning orders of magnitude at small n): its typical value is the geometric mean.
    return float(np.exp(np.mean(np.log(values)))) if name == "partition" else float(values.mean())


def isotropic_null(n_samples, n_features):
    """What isotropic data of this size scores: name -> (raw mean, adjusted 2.5%, 97.5%)."""
    draws = _null_draws(int(n_samples), int(n_features))
    return {name: (_null_value(name, raw), *map(float, np.quantile(adjusted, [0.025, 0.975])))
            for name, (raw, adjusted) in draws.items()}


def raw_isotropy(X, measure, *, random_state=None):
    """The ``raw`` value :func:`isotropy_report` gives ``measure``.

    What the scorers report with ``adjusted=False``.
    """
    X = _measures._check_points(X).astype(np.float64, copy=False)
    return _raw(X, [measure], random_state=random_state)[0][measure]


def _adjusted(X, names, random_state):
    # In float64 like the null's draws: at large n the isotropic band is narrower than
    # the rounding of float32 products (top share at 2,000 x 576: a band of 1e-4).
    X = X.astype(np.float64, copy=False)
    raw, clusters = _raw(X, names, random_state=random_state)
    null = isotropic_null(*X.shape)
    adjusted = {}
    for name in names:
        if name == "cluster_cosine":
            adjusted[name] = _cluster_adjusted(clusters)
            # The raw null of these clusters: the mean of -1/(m-1) per cluster.
            null[name] = (float(np.mean([-1 / (m - 1) for _, m in clusters]))
                          if clusters else 0.0, *null[name][1:])
        elif name == "partition" and len(X) < X.shape[1]:
            adjusted[name] = float("nan")  # undefined: see the module's docstring
        else:
            adjusted[name] = float(_adjust(name, raw[name], null[name][0]))
    return raw, adjusted, null


@validate_params(
    {"X": ["array-like"], "measure": [StrOptions(set(MEASURES))],
     "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def adjusted_isotropy(X, measure="uncentered_isoscore", *, random_state=None):
    """One isotropy measure of ``X``, referenced to isotropic data of the same size.

    Ratio measures (``uncentered_isoscore``, ``isoscore``, ``partition``,
    ``effective_dimension``) are divided by what standard Gaussian rows of the same
    n and d score: 1 is isotropic for any n and d, 0 is one direction. Share
    measures (``average_cosine``, ``cluster_cosine``, ``top_component_share``)
    become ``(raw - null) / (1 - null)``: 0 is isotropic, 1 is every row along one
    direction. See :func:`isotropy_report` for the null and its band.

    ``uncentered_isoscore`` (the default) is IsoScore of the second moments
    ``X^T X / n``: it sees both a direction common to every row, which centering
    removes, and unequal spread, which whitening removes.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    measure : str, default="uncentered_isoscore"
    random_state : int, RandomState instance or None, default=None
        Seeds the cluster measure.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from llmiso.metrics import adjusted_isotropy, isoscore
    >>> X = np.random.default_rng(0).normal(size=(1000, 576))
    >>> round(isoscore(X), 2), round(adjusted_isotropy(X, "isoscore"), 2)
    (0.63, 1.0)
    >>> round(adjusted_isotropy(X + 1), 2)  # a common offset, which IsoScore cannot see
    0.01
    """
    X = _measures._check_points(X)
    return _adjusted(X, [measure], random_state)[1][measure]


@validate_params({"X": ["array-like"], "random_state": ["random_state"]},
                 prefer_skip_nested_validation=True)
def isotropy_report(X, *, random_state=None):
    """Every isotropy measure of ``X`` beside what isotropic data of the same size scores.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    random_state : int, RandomState instance or None, default=None
        Seeds the cluster measure (the null is seeded on its own).

    Returns
    -------
    pandas.DataFrame
        One row per measure; columns ``raw`` (the literature definition; the
        partition function on ``X`` scaled to a standard Gaussian's mean squared
        norm), ``isotropic`` (the raw value's null: the Monte-Carlo mean over
        standard Gaussian samples of the same n and d, or for the cluster cosine
        the analytic ``-1/(m-1)`` averaged over its clusters), ``adjusted`` (see
        :func:`adjusted_isotropy`), ``isotropic_low`` and ``isotropic_high``
        (2.5% and 97.5% of the adjusted measure over those Gaussian samples) and
        ``anisotropic`` (True when ``adjusted`` lies outside that band on the
        anisotropic side).

    Examples
    --------
    >>> import numpy as np
    >>> from llmiso.metrics import isotropy_report
    >>> X = np.random.default_rng(0).normal(size=(200, 16)) * np.r_[4, np.ones(15)]
    >>> isotropy_report(X, random_state=0).loc[["isoscore", "average_cosine"], "anisotropic"]
    measure
    isoscore           True
    average_cosine    False
    Name: anisotropic, dtype: bool
    """
    import pandas as pd

    X = _measures._check_points(X)
    raw, adjusted, null = _adjusted(X, MEASURES, random_state)
    rows = []
    for name in MEASURES:
        low, high = null[name][1:]
        rows.append({
            "measure": name, "raw": raw[name], "isotropic": null[name][0],
            "adjusted": adjusted[name], "isotropic_low": low, "isotropic_high": high,
            "anisotropic": bool(adjusted[name] < low if RATIO[name] else adjusted[name] > high),
        })
    return pd.DataFrame(rows).set_index("measure")


@validate_params({"X": ["array-like"], "random_state": ["random_state"]},
                 prefer_skip_nested_validation=True)
def isotropy_summary(X, *, random_state=None):
    """Every measure of ``X``, adjusted to its isotropic null: what the profile, the demo
    and the CLI report.

    Each entry has the same isotropic value whatever the number of rows and
    columns: 1 for ``uncentered_isoscore``, ``isoscore``, ``partition`` and
    ``effective_dimension`` (a share of what isotropic data of this size reaches),
    0 for ``average_cosine``, ``cluster_cosine`` and ``top_component_share``. See
    :func:`isotropy_report` for the raw values, the null and its band.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    random_state : int, RandomState instance or None, default=None
        Seeds the cluster measure.

    Returns
    -------
    dict
        Measure name -> adjusted value.

    Examples
    --------
    >>> import numpy as np
    >>> from llmiso.metrics import isotropy_summary
    >>> rng = np.random.default_rng(0)
    >>> summary = isotropy_summary(rng.normal(size=(30, 576)), random_state=0)
    >>> round(summary["isoscore"], 1), round(summary["cluster_cosine"], 2)
    (1.0, 0.0)
    """
    return isotropy_report(X, random_state=random_state)["adjusted"].to_dict()
