"""Stage 3: heads that turn features into forecast distributions.

``SoftmaxBinRegressor`` is the paper's log-linear model over value bins (its
solver in ``_lbfgs``); ``MeanScaledRegressor`` fits any regressor in units of each
window's level.
"""

from .._scale import mean_abs_scale
from ._scaling import MeanScaledRegressor
from ._softmax import SoftmaxBinRegressor, SoftmaxBinRegressorCV

__all__ = ["MeanScaledRegressor", "SoftmaxBinRegressor", "SoftmaxBinRegressorCV", "mean_abs_scale"]
