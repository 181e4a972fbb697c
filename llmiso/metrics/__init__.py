"""Isotropy measures, isotropy scorers, and scores of predicted distributions.

Every measure takes ``X`` of shape (n_samples, n_features), one point per row.
"""

from ._distribution import negative_log_likelihood, pinball_loss, weighted_quantile_loss
from ._isotropy import (
    average_cosine,
    cluster_cosine,
    effective_dimension,
    isoscore,
    isotropy_summary,
    partition_isotropy,
    top_component_share,
)
from ._scorers import isotropy_scorer, make_isotropy_scorer

__all__ = [
    "average_cosine",
    "cluster_cosine",
    "effective_dimension",
    "isoscore",
    "isotropy_scorer",
    "isotropy_summary",
    "make_isotropy_scorer",
    "negative_log_likelihood",
    "partition_isotropy",
    "pinball_loss",
    "top_component_share",
    "weighted_quantile_loss",
]
