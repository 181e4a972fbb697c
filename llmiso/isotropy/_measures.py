"""Isotropy measures of a point cloud ``X`` of shape (n_samples, n_features)."""

import warnings
from numbers import Integral

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

# Parameters shared by the measures; X itself is checked by _check_points.
_X = {"X": ["array-like"]}
_SEEDED = {**_X, "random_state": ["random_state"]}
_SAMPLE = [Interval(Integral, 2, None, closed="left"), None]


def _check_points(X):
    """2-D, finite, at least 2 rows; float32 stays float32 so large inputs stay cheap."""
    return check_array(X, dtype=[np.float64, np.float32], ensure_min_samples=2)


def _sample_rows(X, sample_size, random_state):
    if sample_size is None or sample_size >= len(X):
        return X
    if sample_size < 2:
        raise ValueError(f"sample_size must be at least 2, got {sample_size}.")
    rng = check_random_state(random_state)
    return X[np.sort(rng.choice(len(X), sample_size, replace=False))]


def _mean_pairwise_cosine(X):
    """Exact mean cosine of distinct pairs in O(n d).

    ``sum_{i != j} u_i.u_j = |sum u|^2 - sum |u|^2`` over the unit rows ``u``.
    """
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    U = np.divide(X, norms, out=np.zeros_like(X), where=norms > 0)  # zero rows: cosine 0
    total = U.sum(axis=0, dtype=np.float64)
    n = len(U)
    return float((total @ total - np.sum(U.astype(np.float64) ** 2)) / (n * (n - 1)))


def _covariance_spectrum(X):
    """Eigenvalues (descending, >= 0) of the sample covariance of ``X``."""
    Xc = X - X.mean(axis=0, dtype=np.float64).astype(X.dtype)
    return _gram_spectrum(Xc) / (len(X) - 1)


def _gram_spectrum(X):
    """The min(n, d) largest eigenvalues of ``X^T X``, descending (the rest are 0).

    From the n x n side when there are fewer rows than columns: O(n^2 d), not O(d^3).
    """
    if len(X) < X.shape[1]:
        return np.linalg.svd(X.astype(np.float64), compute_uv=False) ** 2
    return np.clip(np.linalg.eigvalsh((X.T @ X).astype(np.float64))[::-1], 0.0, None)


def _gram_directions(X):
    """Orthonormal eigenvectors of ``X^T X`` spanning the rows (d x min(n, d))."""
    if len(X) < X.shape[1]:
        return np.linalg.svd(X.astype(np.float64), full_matrices=False)[2].T
    return np.linalg.eigh((X.T @ X).astype(np.float64))[1]


@validate_params({**_SEEDED, "sample_size": _SAMPLE}, prefer_skip_nested_validation=True)
def average_cosine(X, *, sample_size=None, random_state=None):
    """Mean cosine similarity of distinct pairs of rows (Ethayarajh, 2019).

    ``mean_{i != j} <x_i, x_j> / (|x_i| |x_j|)``, computed exactly in O(n d). Near 0
    for isotropic data, near 1 when one direction is common to every row. Blind to
    unequal variances once the data are centered: use :func:`isoscore` for those.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    sample_size : int, default=None
        Score a random subset of this many rows (None: all rows).
    random_state : int, RandomState instance or None, default=None
        Picks the subset.

    Returns
    -------
    float in [-1, 1]; lower is more isotropic. Unbiased: isotropic data centered
    at the origin score 0 on average for any n and d.

    References
    ----------
    Ethayarajh, "How Contextual are Contextualized Word Representations?", EMNLP 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from llmiso.metrics import average_cosine
    >>> X = np.random.default_rng(0).normal(size=(1000, 20))
    >>> print(f"{average_cosine(X):.2f} {average_cosine(X + 10):.2f}")
    -0.00 0.99
    """
    X = _sample_rows(_check_points(X), sample_size, random_state)
    return _mean_pairwise_cosine(X)


@validate_params(_X, prefer_skip_nested_validation=True)
def partition_isotropy(X):
    """Partition-function isotropy ``I(X) = min_c Z(c) / max_c Z(c)`` (Mu & Viswanath, 2018).

    ``Z(c) = sum_i exp(<c, x_i>)`` with ``c`` over the unit eigenvectors of
    ``X^T X``, as in Arora et al. (2016). Computed with log-sum-exp, so hidden
    states whose norms are in the hundreds do not overflow.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    float in [0, 1]; 1 is isotropic. Depends on the scale of ``X`` (the
    exponentials grow with the norms) and, at the same scale, on n: standard
    Gaussian rows score about 0.9 at 2,000 x 576 and can score anything from
    0.001 to 0.1 at 50 x 576. :func:`isotropy_report` compares it at a fixed
    scale with isotropic data of the same size.

    References
    ----------
    Arora et al., "A Latent Variable Model Approach to PMI-based Word Embeddings",
    TACL 2016. Mu & Viswanath, "All-but-the-Top: Simple and Effective
    Postprocessing for Word Representations", ICLR 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from llmiso.metrics import partition_isotropy
    >>> X = np.random.default_rng(0).normal(size=(5000, 10))
    >>> partition_isotropy(X) > 0.85, partition_isotropy(X + 3) < 1e-3
    (True, True)
    """
    X = _check_points(X)
    directions = _gram_directions(X)
    log_z = _column_logsumexp(X, directions.astype(X.dtype))
    if directions.shape[1] < X.shape[1]:
        # Directions orthogonal to every row: each projection is 0, so Z(c) = n.
        log_z = np.append(log_z, np.log(len(X)))
    return float(np.exp(log_z.min() - log_z.max()))


def _column_logsumexp(X, C, chunk=8192):
    """``log sum_i exp(X @ C)[i, j]`` for every column j, streaming over row chunks.

    Keeps memory at one (chunk, d) block and the exponentials in X's precision, with
    a running maximum per column so nothing overflows.
    """
    peak = np.full(C.shape[1], -np.inf)
    total = np.zeros(C.shape[1])
    for start in range(0, len(X), chunk):
        P = X[start : start + chunk] @ C
        new_peak = np.maximum(peak, P.max(axis=0))
        total = total * np.exp(peak - new_peak) + np.exp(P - new_peak.astype(P.dtype)).sum(
            axis=0, dtype=np.float64
        )
        peak = new_peak
    return peak + np.log(total)


@validate_params({**_X, "center": ["boolean"]}, prefer_skip_nested_validation=True)
def isoscore(X, *, center=True):
    """IsoScore (Rudman et al., 2022): how uniformly the variance spreads over all dimensions.

    The covariance eigenvalues ``lambda`` (the variances along the principal
    components) are scaled to norm ``sqrt(d)``; the isotropy defect is
    ``delta = |lambda_hat - 1| / sqrt(2 (d - sqrt(d)))`` and the score is
    ``((d - delta^2 (d - sqrt(d)))^2 - d) / (d (d - 1))``. It agrees with the
    authors' package (``isoscore`` 2.0.1, points as rows).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    center : bool, default=True
        True: the covariance, as the authors define it, blind to a common offset.
        False: the second moments ``X^T X / n`` instead, so a direction common to
        every row counts as the anisotropy it is (what centering removes).

    Returns
    -------
    float in [0, 1]; 1 is isotropic, 0 means one direction holds all variance.
    Biased low for finite samples (0.63 for 1,000 standard Gaussian rows in 576
    dimensions): :func:`isotropy_report` sets it beside isotropic data of the same size.

    References
    ----------
    Rudman, Gillman, Rayne & Eickhoff, "IsoScore: Measuring the Uniformity of
    Embedding Space Utilization", Findings of ACL 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from llmiso.metrics import isoscore
    >>> rng = np.random.default_rng(0)
    >>> round(isoscore(rng.normal(size=(5000, 10))), 2)
    1.0
    >>> round(isoscore(np.outer(rng.normal(size=500), rng.normal(size=10))), 2)
    0.0
    """
    X = _check_points(X)
    n_samples, d = X.shape
    if d < 2:
        raise ValueError("IsoScore needs at least 2 features.")
    if n_samples < d:
        warnings.warn(
            f"IsoScore of {n_samples} points in {d} dimensions: with fewer points than "
            "dimensions the covariance is rank-deficient and the score is biased low.",
            UserWarning,
            stacklevel=3,  # past validate_params' wrapper, to the caller
        )
    return _isoscore_of_spectrum(_nonzero_spectrum(X) if center else _second_moments(X), d)


def _isoscore_of_spectrum(variances, d):
    normalized = np.zeros(d)
    normalized[: len(variances)] = variances * np.sqrt(d) / np.linalg.norm(variances)
    defect = np.linalg.norm(normalized - 1) / np.sqrt(2 * (d - np.sqrt(d)))
    return float(((d - defect**2 * (d - np.sqrt(d))) ** 2 - d) / (d * (d - 1)))


def _second_moments(X):
    """Eigenvalues (descending, >= 0) of ``X^T X / n``: the spread about the origin."""
    spectrum = _gram_spectrum(X) / len(X)
    if spectrum.sum() <= 0:
        raise ValueError("Every row of X is zero; isotropy is undefined.")
    return spectrum


def participation_ratio(spectrum):
    """``(sum lambda)^2 / sum lambda^2``: how many directions carry the variance."""
    return float(spectrum.sum() ** 2 / np.sum(spectrum**2))


def top_share(spectrum):
    """The first eigenvalue's share of the total."""
    return float(spectrum[0] / spectrum.sum())


def _nonzero_spectrum(X):
    spectrum = _covariance_spectrum(X)
    if spectrum.sum() <= 0:
        raise ValueError("X has no variance (all rows are equal); isotropy is undefined.")
    return spectrum


@validate_params(_X, prefer_skip_nested_validation=True)
def effective_dimension(X):
    """Number of directions that carry the variance: the participation ratio.

    ``(sum lambda)^2 / sum lambda^2`` over the covariance eigenvalues: ``d`` when the
    variance is spread evenly over ``d`` directions, 1 when one direction holds it.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    float in [1, n_features]. Biased low for finite samples: isotropic data
    reach about ``d (n - 1) / (n + d - 1)`` (27.6 for 30 x 576), not ``d``.

    Examples
    --------
    >>> import numpy as np
    >>> from llmiso.metrics import effective_dimension
    >>> round(effective_dimension(np.random.default_rng(0).normal(size=(5000, 8))), 1)
    8.0
    """
    return participation_ratio(_nonzero_spectrum(_check_points(X)))


@validate_params(_X, prefer_skip_nested_validation=True)
def top_component_share(X):
    """Share of the total variance along the first principal component, in (0, 1].

    Biased high for finite samples: isotropic data score about ``1/d`` only when
    n is much larger than d (0.050 at 30 x 576, against 1/576 = 0.002).

    Examples
    --------
    >>> import numpy as np
    >>> from llmiso.metrics import top_component_share
    >>> X = np.random.default_rng(0).normal(size=(2000, 4)) * [10, 1, 1, 1]
    >>> round(top_component_share(X), 2)
    0.97
    """
    return top_share(_nonzero_spectrum(_check_points(X)))


@validate_params(
    {**_SEEDED, "k": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
     "sample_size": _SAMPLE, "return_k": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def cluster_cosine(X, *, k="auto", sample_size=2000, random_state=None, return_k=False):
    """Cluster-based isotropy (Cai et al., 2021), the indicator the paper computes per layer.

    Center ``X``; sample up to ``sample_size`` rows; with ``k="auto"`` run k-means for
    k = 2..16 and keep the k with the best silhouette score, falling back to one
    cluster when that score is below 0.1; center each cluster on its own mean; return
    the average pairwise cosine within clusters, averaged over clusters.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    k : "auto" or int, default="auto"
        Number of clusters, or chosen by silhouette as above.
    sample_size : int or None, default=2000
        Rows used (None: all). Silhouette scores cost O(n^2).
    random_state : int, RandomState instance or None, default=None
        Seeds the sample and k-means.
    return_k : bool, default=False
        Also return the number of clusters used.

    Returns
    -------
    score : float
        Lower is more isotropic. Biased low for small clusters: a cluster of m
        isotropic points centered on its own mean averages ``-1/(m-1)``, not 0
        (-0.034 for 30 points), so small samples or many clusters look "more
        isotropic than isotropic". :func:`adjusted_isotropy` removes that term
        cluster by cluster.
    k : int
        Only if ``return_k``.

    References
    ----------
    Cai, Huang, Bian & Church, "Isotropy in the Contextual Embedding Space: Clusters
    and Manifolds", ICLR 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from llmiso.metrics import cluster_cosine
    >>> rng = np.random.default_rng(0)
    >>> blobs = np.vstack([rng.normal(size=(300, 5)) + 20 * c for c in np.eye(5)[:3]])
    >>> score, k = cluster_cosine(blobs, random_state=0, return_k=True)
    >>> k, abs(score) < 0.05
    (3, True)
    """
    score, _, best_k = _cluster_cosine_and_sizes(X, k=k, sample_size=sample_size,
                                                 random_state=random_state)
    return (score, best_k) if return_k else score


def _cluster_cosine_and_sizes(X, *, k="auto", sample_size=2000, random_state=None):
    """The cluster cosine; per cluster of 2 or more members, (its cosine, its size); k."""
    X = _sample_rows(_check_points(X), sample_size, random_state)
    X = X - X.mean(axis=0)
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    if k == 1:
        labels, best_k = np.zeros(len(X), dtype=int), 1
    else:
        with warnings.catch_warnings():
            # Fewer distinct points than k (e.g. repeated tokens) is expected, not a fault.
            warnings.simplefilter("ignore", ConvergenceWarning)
            labels, best_k = _choose_clusters(X, k, seed)
    per_cluster = [
        (_mean_pairwise_cosine(members - members.mean(axis=0)), len(members))
        for members in (X[labels == c] for c in np.unique(labels))
        if len(members) >= 2
    ]
    score = float(np.mean([c for c, _ in per_cluster])) if per_cluster else 0.0
    return score, per_cluster, best_k


def _choose_clusters(X, k, seed):
    """K-means labels and k: given, or by best silhouette over 2..16 (1 below 0.1)."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    if k == "auto":
        best_k, best_score, labels = 1, -np.inf, np.zeros(len(X), dtype=int)
        for candidate in range(2, min(16, len(X) - 1) + 1):
            fitted = KMeans(candidate, n_init="auto", random_state=seed).fit(X)
            if len(np.unique(fitted.labels_)) < 2:
                continue
            score = silhouette_score(X, fitted.labels_)
            if score > best_score:
                best_k, best_score, labels = candidate, score, fitted.labels_
        if best_score < 0.1:
            best_k, labels = 1, np.zeros(len(X), dtype=int)
    else:
        best_k = int(k)
        labels = KMeans(best_k, n_init="auto", random_state=seed).fit(X).labels_
    return labels, best_k
