"""SoftmaxHeadForecasterCV: the softmax head with its penalty chosen by cross-validation."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, _fit_context, clone
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import check_is_fitted, validate_data

from ._softmax import SoftmaxHeadForecaster
from ._targets import validate_with_missing_targets


class SoftmaxHeadForecasterCV(MetaEstimatorMixin, RegressorMixin, BaseEstimator):
    """:class:`SoftmaxHeadForecaster` whose penalty is chosen by cross-validation in ``fit``.

    Like ``LogisticRegressionCV``: each of ``alphas`` is given to a clone of ``head``,
    fitted on the training part of every split of ``cv`` and scored by the mean
    negative log-likelihood of the held-out targets (a proper score of the whole
    predicted distribution, in nats per unit of the target); the best ``alpha_`` is
    then refitted on all rows as ``head_``, which answers every prediction. The
    default splits are time-ordered (``TimeSeriesSplit``), since rows are usually
    windows of a series in time order. Each split places its own bins, so nothing
    of the held-out rows leaks into the candidate it scores.

    ``SoftmaxBinRegressorCV`` is the same class under its earlier name.

    Parameters
    ----------
    head : SoftmaxHeadForecaster or None, default=None
        The head whose ``alpha`` is chosen; its other settings are kept (tunable
        as ``head__n_bins``, ...). None: ``SoftmaxHeadForecaster()``.
    alphas : array-like of float, default=(0.01, 0.1, 1.0, 10.0)
        Candidate L2 penalties.
    cv : int or cross-validation generator, default=3
        An int is the number of ``TimeSeriesSplit`` folds.

    Attributes
    ----------
    head_ : SoftmaxHeadForecaster
        The head refitted on all rows with ``alpha_``.
    alpha_ : float
        The chosen penalty.
    cv_scores_ : ndarray of shape (n_alphas,)
        Mean held-out negative log-likelihood of each candidate (lower is better).
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    See Also
    --------
    SoftmaxHeadForecaster : The head with a fixed penalty.

    Examples
    --------
    >>> import numpy as np
    >>> from llmiso import SoftmaxHeadForecaster, SoftmaxHeadForecasterCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(600, 20))
    >>> y = X @ rng.normal(size=20) + rng.normal(scale=0.5, size=600)
    >>> search = SoftmaxHeadForecasterCV(SoftmaxHeadForecaster(n_bins=50)).fit(X, y)
    >>> float(search.alpha_) in (0.01, 0.1, 1.0, 10.0), search.head_.n_bins
    (True, 50)
    """

    _parameter_constraints = {
        "head": [HasMethods(["fit", "negative_log_likelihood"]), None],
        "alphas": ["array-like"],
        "cv": ["cv_object"],
    }

    def __init__(self, head=None, *, alphas=(0.01, 0.1, 1.0, 10.0), cv=3):
        self.head = head
        self.alphas = alphas
        self.cv = cv

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Choose ``alpha_`` by cross-validation, then fit ``head_`` on all rows with it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        self : SoftmaxHeadForecasterCV
        """
        from sklearn.model_selection import TimeSeriesSplit, check_cv

        X, y = validate_with_missing_targets(self, X, y)
        alphas = np.asarray(self.alphas, dtype=np.float64).ravel()
        if not len(alphas) or (alphas < 0).any():
            raise ValueError(f"alphas must be non-negative penalties, got {self.alphas!r}.")
        head = SoftmaxHeadForecaster() if self.head is None else self.head
        cv = TimeSeriesSplit(self.cv) if isinstance(self.cv, Integral) else check_cv(self.cv)
        scores = np.zeros(len(alphas))
        if len(X) > 2 * cv.get_n_splits() and len(alphas) > 1:
            for train, test in cv.split(X):
                for i, alpha in enumerate(alphas):
                    candidate = clone(head).set_params(alpha=alpha).fit(X[train], y[train])
                    scores[i] += candidate.negative_log_likelihood(X[test], y[test])
        self.cv_scores_ = scores / cv.get_n_splits()
        self.alpha_ = float(alphas[int(np.argmin(self.cv_scores_))])
        self.head_ = clone(head).set_params(alpha=self.alpha_).fit(X, y)
        return self

    def predict(self, X):
        """``head_.predict``: the median (or mean) of the predicted distribution."""
        X = self._checked(X)
        return self.head_.predict(X)

    def predict_quantiles(self, X, quantiles=(0.1, 0.5, 0.9)):
        """``head_.predict_quantiles``: exact quantiles of the predicted distribution."""
        X = self._checked(X)
        return self.head_.predict_quantiles(X, quantiles)

    def predict_bin_proba(self, X):
        """``head_.predict_bin_proba``: the bin probabilities."""
        X = self._checked(X)
        return self.head_.predict_bin_proba(X)

    def negative_log_likelihood(self, X, y):
        """``head_.negative_log_likelihood``: mean negative log density of ``y``."""
        X = self._checked(X)
        return self.head_.negative_log_likelihood(X, y)

    def _checked(self, X):
        check_is_fitted(self)
        return validate_data(self, X, reset=False, dtype=[np.float64, np.float32])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


# The earlier name of the same class: existing code keeps working, with no warning.
SoftmaxBinRegressorCV = SoftmaxHeadForecasterCV
