"""The level a window is divided by (Chronos-style): shared by the prompts, the head and
the forecaster."""

import numpy as np
from sklearn.utils._param_validation import validate_params


@validate_params({"X": ["array-like"]}, prefer_skip_nested_validation=True)
def mean_abs_scale(X):
    """Mean absolute value of each row of ``X``: the scale Chronos divides a window by.

    An all-zero row gets 1, so it stays zero.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_values)

    Returns
    -------
    ndarray of shape (n_samples,)

    Examples
    --------
    >>> from llmiso import mean_abs_scale
    >>> mean_abs_scale([[1.0, -3.0], [0.0, 0.0]])
    array([2., 1.])
    """
    scale = np.mean(np.abs(np.asarray(X, dtype=np.float64)), axis=1)
    return np.where(scale > 0, scale, 1.0)
