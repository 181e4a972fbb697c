"""llmiso: forecast numbers with pretrained language models, and know, through
isotropy, when their embeddings can be trusted.

Importing llmiso is light: torch, transformers and sktime load only when a model
runs or the sktime forecaster is used.
"""

from ._models import DEFAULT_MODEL, ModelNotAvailableError
from .centerer import IsotropyCenterer
from .embedder import LLMEmbedder
from .plotting import plot_isotropy_profile
from .profile import isotropy_profile
from .scaling import MeanScaledRegressor, mean_abs_scale
from .softmax_head import SoftmaxBinRegressor, SoftmaxBinRegressorCV, SoftmaxHeadForecaster

__version__ = "0.1.0"

__all__ = [
    "IsotropyCenterer",
    "LLMEmbedder",
    "MeanScaledRegressor",
    "SoftmaxBinRegressor",
    "SoftmaxBinRegressorCV",
    "SoftmaxHeadForecaster",
    "DEFAULT_MODEL",
    "mean_abs_scale",
    "ModelNotAvailableError",
    "__version__",
    "isotropy_profile",
    "plot_isotropy_profile",
]
