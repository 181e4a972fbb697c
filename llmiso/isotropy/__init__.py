"""Stage 2: how isotropic embeddings are, and transforms that make them more so.

The measures keep their literature definitions (``_measures``) and are also set
beside what isotropic data of the same size scores (``_null``); ``IsotropyCenterer``
removes common directions learned on training rows; the scorer makes isotropy a
pipeline metric; the profile reads every layer of a model at once.
"""

from ._centerer import CENTERING_METHODS, IsotropyCenterer
from ._measures import (
    average_cosine,
    cluster_cosine,
    effective_dimension,
    isoscore,
    partition_isotropy,
    top_component_share,
)
from ._null import adjusted_isotropy, isotropy_report, isotropy_summary
from ._plot import plot_isotropy_profile
from ._profile import isotropy_profile
from ._scorers import isotropy_scorer, make_isotropy_scorer

__all__ = [
    "CENTERING_METHODS",
    "IsotropyCenterer",
    "adjusted_isotropy",
    "average_cosine",
    "cluster_cosine",
    "effective_dimension",
    "isoscore",
    "isotropy_profile",
    "isotropy_report",
    "isotropy_scorer",
    "isotropy_summary",
    "make_isotropy_scorer",
    "partition_isotropy",
    "plot_isotropy_profile",
    "top_component_share",
]
