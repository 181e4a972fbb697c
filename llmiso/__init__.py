"""llmiso: forecast numbers with pretrained language models, and know, through
isotropy, when their embeddings can be trusted.

The package follows the pipeline's stages, each a subpackage that imports only
the stages before it: ``embedding`` (LLMEmbedder), ``isotropy`` (IsotropyCenterer,
the measures, the profile), ``metrics`` (isotropy and forecast scores), ``head``
(SoftmaxHeadForecaster), ``forecasting`` (LLMForecaster, sktime), and ``app`` (the
command and the demo). Importing llmiso is light: torch, transformers and sktime
load only when a model runs or the sktime forecaster is used.
"""

from .embedding import DEFAULT_MODEL, LLMEmbedder, ModelNotAvailableError
from .head import (
    MeanScaledRegressor,
    SoftmaxBinRegressor,
    SoftmaxBinRegressorCV,
    SoftmaxHeadForecaster,
    SoftmaxHeadForecasterCV,
    mean_abs_scale,
)
from .isotropy import IsotropyCenterer, isotropy_profile, plot_isotropy_profile

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_MODEL",
    "IsotropyCenterer",
    "LLMEmbedder",
    "MeanScaledRegressor",
    "ModelNotAvailableError",
    "SoftmaxBinRegressor",
    "SoftmaxBinRegressorCV",
    "SoftmaxHeadForecaster",
    "SoftmaxHeadForecasterCV",
    "__version__",
    "isotropy_profile",
    "mean_abs_scale",
    "plot_isotropy_profile",
]
