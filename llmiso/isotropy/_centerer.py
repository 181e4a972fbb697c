"""IsotropyCenterer: learn the common directions of embeddings on training data, remove them."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import randomized_svd, svd_flip
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

from ._scorers import MEASURES, make_isotropy_scorer

# Relative variance below which a principal direction is numerically empty.
_NULL_VARIANCE = 1e-9


#: What :class:`~llmiso.IsotropyCenterer` removes: the mean, all-but-the-top, whitening, per
#: cluster, nothing.
CENTERING_METHODS = ("center", "abtt", "whiten", "cluster", "none")


def _top_directions(Xc, n_components):
    """Top principal directions (rows) of centered ``Xc`` and their variances.

    As PCA picks its solver by problem size: a randomized SVD when a few directions
    of a large matrix are wanted (all-but-the-top removes about d/100), else the
    full SVD.
    """
    rank = min(Xc.shape)
    if rank > 500 and n_components < rank // 10:
        U, S, Vt = randomized_svd(Xc, n_components, n_iter=7, random_state=0)
    else:
        U, S, Vt = np.linalg.svd(Xc, full_matrices=False)
    _, Vt = svd_flip(U, Vt)  # deterministic signs
    variances = S**2 / max(len(Xc) - 1, 1)
    return Vt[:n_components], variances[:n_components]


class IsotropyCenterer(TransformerMixin, BaseEstimator):
    """Remove the directions common to all embeddings, learned on training data.

    A softmax head is blind to any component shared by every context (softmax is
    shift-invariant), yet such components dominate the geometry of LLM hidden
    states. This transformer learns them in ``fit`` and removes them in
    ``transform``, so new data are processed exactly like the training data and
    nothing leaks from the test set.

    Parameters
    ----------
    method : {"center", "abtt", "whiten", "cluster", "none"}, default="center"
        - ``"center"``: subtract the training mean.
        - ``"abtt"``: all-but-the-top (Mu & Viswanath, 2018): center, then remove
          the projections on the top ``n_components`` principal directions.
        - ``"whiten"``: PCA whitening (Su et al., 2021):
          ``(x - mean) V^T diag(1 / sqrt(variance))``, keeping the first
          ``n_components`` principal directions.
        - ``"cluster"``: k-means with ``n_clusters`` on the training data; each
          point is centered on its cluster's mean and loses its cluster's top
          ``n_components`` directions (Rajaee & Pilehvar, 2021).
        - ``"none"``: pass the data through (so a grid search can compare).
    n_components : int or "auto", default="auto"
        Directions removed (``"abtt"``, ``"cluster"``) or kept (``"whiten"``).
        ``"auto"``: ``max(1, round(n_features / 100))`` for ``"abtt"`` (the
        authors' rule of thumb), all for ``"whiten"``, none for ``"cluster"``.
    n_clusters : int, default=3
        Clusters for ``"cluster"`` (at most the number of training rows).
    metric : {"uncentered_isoscore", "isoscore", "partition", "average_cosine", \
"cluster_cosine", "effective_dimension", "top_component_share"}, \
default="uncentered_isoscore"
        Isotropy measure returned by :meth:`score`, adjusted to what isotropic
        data of the same size scores (negated for the share measures, so that
        greater is more isotropic). The default sees a common offset, which
        centering removes, as well as unequal spread, which whitening removes.
    eps : float, default=1e-4
        Whitening adds ``eps`` times the largest variance to every variance, so
        low-variance directions are shrunk rather than blown up. Directions with
        no training variance at all (below 1e-9 of the largest; there are many
        when rows are fewer than features) are dropped.
    random_state : int, RandomState instance or None, default=None
        Seeds k-means for ``"cluster"``.
    normalize : bool, default=False
        Also divide the output by its mean row norm on the training data, so a
        head's L2 penalty acts on features of unit size whatever the layer or
        model. Centering first matters here: the norm of uncentered LLM states is
        mostly their common direction, so dividing by it would shrink the
        informative spread.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
        Training mean.
    components_ : ndarray of shape (n_components, n_features)
        Principal directions removed (``"abtt"``) or kept (``"whiten"``; only
        those with training variance).
    explained_variance_ : ndarray of shape (n_components,)
        Training variance along ``components_``.
    n_components_ : int
        Number of directions in ``components_`` (or per cluster).
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        Cluster means (``"cluster"``).
    cluster_components_ : ndarray of shape (n_clusters, n_components, n_features)
        Each cluster's removed directions, zero rows where a cluster had too few
        points (``"cluster"``).
    n_clusters_ : int
        Clusters actually used (``"cluster"``).
    norm_ : float
        What the output is divided by: the training rows' mean norm after the
        transform with ``normalize=True``, else 1.
    kmeans_ : sklearn.cluster.KMeans
        The fitted clustering (``"cluster"``).
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    See Also
    --------
    llmiso.metrics.adjusted_isotropy : The measure of :meth:`score`.
    sklearn.decomposition.PCA : Whitening with ``whiten=True``.

    References
    ----------
    Mu & Viswanath, "All-but-the-Top: Simple and Effective Postprocessing for Word
    Representations", ICLR 2018. Su et al., "Whitening Sentence Representations for
    Better Semantics and Faster Retrieval", 2021. Rajaee & Pilehvar, "A
    Cluster-based Approach for Improving Isotropy in Contextual Embedding Space",
    ACL 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from llmiso import IsotropyCenterer
    >>> from llmiso.metrics import average_cosine
    >>> rng = np.random.default_rng(0)
    >>> train, test = rng.normal(size=(500, 20)) + 10, rng.normal(size=(100, 20)) + 10
    >>> centerer = IsotropyCenterer(method="center").fit(train)
    >>> print(f"{average_cosine(test):.2f} -> {average_cosine(centerer.transform(test)):.2f}")
    0.99 -> 0.01
    >>> round(centerer.score(test), 2)  # 1 is isotropic
    1.0
    """

    _parameter_constraints = {
        "method": [StrOptions(set(CENTERING_METHODS))],
        "n_components": [Interval(Integral, 0, None, closed="left"), StrOptions({"auto"})],
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "metric": [StrOptions(set(MEASURES))],
        "eps": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "normalize": ["boolean"],
    }

    def __init__(
        self,
        method="center",
        *,
        n_components="auto",
        n_clusters=3,
        metric="uncentered_isoscore",
        eps=1e-4,
        random_state=None,
        normalize=False,
    ):
        self.method = method
        self.n_components = n_components
        self.n_clusters = n_clusters
        self.metric = metric
        self.eps = eps
        self.random_state = random_state
        self.normalize = normalize

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the mean and the directions to remove from training rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : IsotropyCenterer
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        n_samples, n_features = X.shape
        self.mean_ = X.mean(axis=0)
        Xc = X - self.mean_
        if self.method in ("abtt", "whiten"):
            self.n_components_ = min(self._wanted_components(n_features), n_samples, n_features)
            self.components_, self.explained_variance_ = _top_directions(Xc, self.n_components_)
            if self.method == "whiten":
                self._drop_null_directions()
        elif self.method == "cluster":
            self._fit_clusters(X)
        self.norm_ = 1.0
        if self.normalize:
            norm = float(np.linalg.norm(self._remove(X), axis=1).mean())
            self.norm_ = norm if norm > 0 else 1.0
        return self

    def _wanted_components(self, n_features):
        if self.n_components != "auto":
            return self.n_components
        return {
            "abtt": max(1, round(n_features / 100)),
            "whiten": n_features,
            "cluster": 0,
        }[self.method]

    def _fit_clusters(self, X):
        from sklearn.cluster import KMeans

        n_samples, n_features = X.shape
        self.n_clusters_ = min(self.n_clusters, n_samples)
        kmeans = KMeans(self.n_clusters_, n_init="auto", random_state=self.random_state)
        labels = kmeans.fit_predict(X)
        self.kmeans_ = kmeans
        self.n_components_ = min(self._wanted_components(n_features), n_features)
        self.cluster_centers_ = np.zeros((self.n_clusters_, n_features), X.dtype)
        self.cluster_components_ = np.zeros(
            (self.n_clusters_, self.n_components_, n_features), X.dtype
        )
        for c in range(self.n_clusters_):
            members = X[labels == c]
            if not len(members):
                continue
            self.cluster_centers_[c] = members.mean(axis=0)
            if self.n_components_:
                top, _ = _top_directions(members - self.cluster_centers_[c], self.n_components_)
                self.cluster_components_[c, : len(top)] = top

    def transform(self, X):
        """Remove the learned common directions from ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features), or (n_samples,
            n_components) for ``"whiten"``
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        out = self._remove(X)
        return out / np.asarray(self.norm_, dtype=out.dtype) if self.norm_ != 1.0 else out

    def _remove(self, X):
        """The transform before the division by ``norm_``."""
        if self.method == "none":
            return X.copy()
        if self.method == "cluster":
            labels = self.kmeans_.predict(X)
            Xc = X - self.cluster_centers_[labels]
            W = self.cluster_components_[labels]  # (n, k, d)
            return Xc - np.einsum("nk,nkd->nd", np.einsum("nd,nkd->nk", Xc, W), W)
        Xc = X - self.mean_
        if self.method == "abtt":
            return Xc - (Xc @ self.components_.T) @ self.components_
        if self.method == "whiten":
            return (Xc @ self.components_.T) / self._whitening_scale()
        return Xc

    def _drop_null_directions(self):
        """Keep directions with variance; with fewer rows than features the rest are
        numerical noise, which whitening would blow up on new data."""
        variance = self.explained_variance_
        keep = variance > _NULL_VARIANCE * variance.max(initial=0.0)
        keep[0] = True  # one direction at least, so the output shape is defined
        self.components_, self.explained_variance_ = self.components_[keep], variance[keep]
        self.n_components_ = int(keep.sum())

    def _whitening_scale(self):
        variance = self.explained_variance_
        largest = variance.max(initial=0.0)
        if largest <= 0:  # no variance at all (one row, or identical rows)
            return np.ones_like(variance)
        return np.sqrt(variance + self.eps * largest)

    def _has_inverse(self):
        return self.method in ("none", "center", "whiten")

    @available_if(_has_inverse)
    def inverse_transform(self, X):
        """Map transformed rows back (exact for "none", "center" and full "whiten").

        With ``"whiten"`` keeping fewer than ``n_features`` directions, the result
        is the projection on the kept directions, as with PCA.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_out)

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features_in)
        """
        check_is_fitted(self)
        X = np.asarray(X) * self.norm_
        if self.method == "none":
            return X.copy()
        if self.method == "whiten":
            return (X * self._whitening_scale()) @ self.components_ + self.mean_
        return X + self.mean_

    def get_feature_names_out(self, input_features=None):
        """Input names, or ``whitened0, whitened1, ...`` for ``"whiten"``."""
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        if self.method == "whiten":
            return np.asarray([f"whitened{i}" for i in range(self.n_components_)], dtype=object)
        return names

    def score(self, X, y=None):
        """Isotropy of ``transform(X)`` by ``metric``; greater is more isotropic.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        float
        """
        return make_isotropy_scorer(self.metric)(self, X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
