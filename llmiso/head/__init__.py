"""Stage 3: heads that turn features into forecast distributions.

``SoftmaxHeadForecaster`` is the paper's log-linear model over value bins (its
solver in ``_lbfgs``, its targets in ``_targets``), ``SoftmaxHeadForecasterCV``
chooses its penalty; ``MeanScaledRegressor`` fits any regressor in units of each
window's level.
"""

from .._scale import mean_abs_scale
from ._lbfgs import softmax_objective
from ._scaling import MeanScaledRegressor
from ._softmax import SoftmaxBinRegressor, SoftmaxHeadForecaster
from ._softmax_cv import SoftmaxBinRegressorCV, SoftmaxHeadForecasterCV
from ._weights import HeadWeights

__all__ = [
    "HeadWeights",
    "MeanScaledRegressor",
    "SoftmaxBinRegressor",
    "SoftmaxBinRegressorCV",
    "SoftmaxHeadForecaster",
    "SoftmaxHeadForecasterCV",
    "mean_abs_scale",
    "softmax_objective",
]
