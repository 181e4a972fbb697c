"""MeanScaledRegressor: fit any regressor on windows and targets divided by each window's level."""

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, _fit_context, clone
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from .._pipeline import final_step, last_step
from .._scale import mean_abs_scale
from ._softmax import SoftmaxHeadForecaster


def _final_step_has(method):
    def check(self):
        return hasattr(last_step(self._regressor()), method)

    return check


class MeanScaledRegressor(MetaEstimatorMixin, RegressorMixin, BaseEstimator):
    """Divide each window and its target by the window's mean absolute value.

    Chronos's answer to trends: a model fitted on windows of a rising series never
    saw the levels it must forecast next, but in units of each window's own level
    the targets look alike. ``fit`` divides every row of ``X`` and its target(s) by
    the row's mean absolute value ``s`` (1 for an all-zero row); predictions and
    quantiles are multiplied back by ``s``. Wrap a whole pipeline in it:
    ``MeanScaledRegressor(make_pipeline(LLMEmbedder(), IsotropyCenterer(),
    SoftmaxHeadForecaster()))``.

    Parameters
    ----------
    regressor : estimator, default=None
        Any regressor or Pipeline; None means :class:`SoftmaxHeadForecaster()`.

    Attributes
    ----------
    regressor_ : estimator
        The fitted clone of ``regressor``, in scaled units.
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from llmiso import MeanScaledRegressor
    >>> t = np.arange(60.0)
    >>> series = 10 + t + 3 * np.sin(t)                      # a trend
    >>> X = np.lib.stride_tricks.sliding_window_view(series[:-1], 8)
    >>> y = series[8:]
    >>> model = MeanScaledRegressor(LinearRegression()).fit(X[:40], y[:40])
    >>> bool(np.abs(model.predict(X[40:]) - y[40:]).max() < 1.0)  # beyond the training range
    True
    """

    _parameter_constraints = {"regressor": [HasMethods(["fit", "predict"]), None]}

    def __init__(self, regressor=None):
        self.regressor = regressor

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit ``regressor`` on ``X / s`` and ``y / s``.

        Parameters
        ----------
        X : array-like of shape (n_samples, window_length)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        self : MeanScaledRegressor
        """
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float64)
        scale = mean_abs_scale(X)
        y_scaled = y / (scale if y.ndim == 1 else scale[:, None])
        self.regressor_ = clone(self._regressor()).fit(X / scale[:, None], y_scaled)
        return self

    def _scaled(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        scale = mean_abs_scale(X)
        return X / scale[:, None], scale

    def features_for_inner(self, X):
        """``(X / s, regressor_)``: what the inner model is given for ``X``."""
        return self._scaled(X)[0], self.regressor_

    def predict(self, X):
        """Predictions of the inner model, back in the units of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, window_length)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        return self._unscale(X, "predict")

    @available_if(_final_step_has("predict_quantiles"))
    def predict_quantiles(self, X, quantiles=(0.1, 0.5, 0.9)):
        """Quantiles of the inner model, back in the units of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, window_length)
        quantiles : array-like of float in (0, 1), default=(0.1, 0.5, 0.9)

        Returns
        -------
        ndarray of shape (n_samples, [n_outputs,] n_quantiles)
        """
        return self._unscale(X, "predict_quantiles", quantiles=quantiles)

    def _unscale(self, X, method, **kwargs):
        X_scaled, scale = self._scaled(X)
        X_final, final = final_step(self.regressor_, X_scaled)
        out = np.asarray(getattr(final, method)(X_final, **kwargs))
        return out * scale.reshape((-1,) + (1,) * (out.ndim - 1))

    def _regressor(self):
        """``regressor``, or the default :class:`SoftmaxHeadForecaster` (not fitted)."""
        return self.regressor if self.regressor is not None else SoftmaxHeadForecaster()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        multi_output = self._regressor().__sklearn_tags__().target_tags.multi_output
        tags.target_tags.multi_output = multi_output
        return tags
