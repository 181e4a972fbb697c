"""Point-forecast scores: the one MASE that the benchmarks and the demo share."""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params


@validate_params(
    {"y_true": ["array-like"], "y_pred": ["array-like"], "y_train": ["array-like"],
     "sp": [Interval(Integral, 1, None, closed="left")]},
    prefer_skip_nested_validation=True,
)
def mean_absolute_scaled_error(y_true, y_pred, *, y_train, sp=1):
    """MASE: the mean absolute error over the in-sample mean absolute error of seasonal naive.

    The scale is ``mean |y_train[t] - y_train[t - sp]|``, as in the M competitions
    and Chronos's evaluation; a training part of ``sp`` values or fewer has no
    seasonal difference, so the scale falls back to ``sp=1``. NaN where that scale
    is 0 (a constant training part): MASE is undefined there.

    Parameters
    ----------
    y_true : array-like of shape (horizon,)
    y_pred : array-like of shape (horizon,)
    y_train : array-like of shape (n_train,)
        The values the forecast was made from.
    sp : int, default=1
        Seasonal period of the scale.

    Returns
    -------
    float

    Examples
    --------
    >>> from llmiso.metrics import mean_absolute_scaled_error
    >>> round(mean_absolute_scaled_error([5.0, 6.0], [4.0, 6.0], y_train=[1.0, 2.0, 4.0]), 3)
    0.333
    """
    y_true = np.asarray(y_true, dtype=np.float64).ravel()
    y_pred = np.asarray(y_pred, dtype=np.float64).ravel()
    y_train = np.asarray(y_train, dtype=np.float64).ravel()
    if y_true.shape != y_pred.shape or not len(y_true):
        raise ValueError(f"y_true and y_pred must be non-empty and of the same length, got "
                         f"{len(y_true)} and {len(y_pred)}.")
    if len(y_train) < 2:
        raise ValueError(f"y_train needs at least 2 values for MASE's scale, got {len(y_train)}.")
    m = sp if len(y_train) > sp else 1
    scale = np.mean(np.abs(y_train[m:] - y_train[:-m]))
    if scale == 0:
        return float("nan")
    return float(np.mean(np.abs(y_true - y_pred)) / scale)
