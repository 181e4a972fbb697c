"""Isotropy measures, isotropy scorers, and scores of forecasts and predicted distributions.

Every isotropy measure takes ``X`` of shape (n_samples, n_features), one point per
row. The raw measures keep their literature definitions; :func:`isotropy_report`,
:func:`adjusted_isotropy`, :func:`isotropy_summary` and the scorers set each beside
what isotropic data of the same size scores (its null), so values of different n
and d compare. The isotropy functions live in :mod:`llmiso.isotropy`; this module
gathers them with the forecast scores.
"""

from ..isotropy import (
    adjusted_isotropy,
    average_cosine,
    cluster_cosine,
    effective_dimension,
    isoscore,
    isotropy_report,
    isotropy_scorer,
    isotropy_summary,
    make_isotropy_scorer,
    partition_isotropy,
    top_component_share,
)
from ._distribution import negative_log_likelihood, pinball_loss, weighted_quantile_loss
from ._forecast import mean_absolute_scaled_error

__all__ = [
    "adjusted_isotropy",
    "average_cosine",
    "cluster_cosine",
    "effective_dimension",
    "isoscore",
    "isotropy_report",
    "isotropy_scorer",
    "isotropy_summary",
    "make_isotropy_scorer",
    "mean_absolute_scaled_error",
    "negative_log_likelihood",
    "partition_isotropy",
    "pinball_loss",
    "top_component_share",
    "weighted_quantile_loss",
]
