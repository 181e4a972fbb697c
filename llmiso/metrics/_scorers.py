"""Isotropy as a scikit-learn scorer: ``scorer(estimator, X, y=None)``."""

from .._pipeline import features_reaching_final_step
from . import _isotropy

# name -> (measure, True when higher means more isotropic)
MEASURES = {
    "isoscore": (_isotropy.isoscore, True),
    "partition": (_isotropy.partition_isotropy, True),
    "average_cosine": (_isotropy.average_cosine, False),
    "cluster_cosine": (_isotropy.cluster_cosine, False),
    "effective_dimension": (_isotropy.effective_dimension, True),
}


class _IsotropyScorer:
    """``scorer(estimator, X, y=None)``: the isotropy of the features that reach the
    final step of ``estimator``; greater is more isotropic (see make_isotropy_scorer)."""

    def __init__(self, metric, kwargs):
        self.metric = metric
        self.kwargs = kwargs

    def __call__(self, estimator, X, y=None, **kwargs):
        measure, higher_is_isotropic = MEASURES[self.metric]
        value = measure(features_reaching_final_step(estimator, X), **self.kwargs)
        return value if higher_is_isotropic else -value

    def __repr__(self):
        args = "".join(f", {k}={v!r}" for k, v in self.kwargs.items())
        return f"make_isotropy_scorer({self.metric!r}{args})"


def make_isotropy_scorer(metric="isoscore", **kwargs):
    """A scorer of the isotropy of the features that reach a model's final step.

    Use it in ``GridSearchCV(scoring=...)`` or ``cross_validate`` beside an error
    metric, to see how isotropic each candidate's embeddings are on held-out data.
    As sklearn scorers must, greater is better: the cosine measures, for which
    lower is more isotropic, are returned negated.

    Parameters
    ----------
    metric : {"isoscore", "partition", "average_cosine", "cluster_cosine", \
"effective_dimension"}, default="isoscore"
    **kwargs
        Passed to the measure (e.g. ``random_state`` for "cluster_cosine").

    Returns
    -------
    callable ``scorer(estimator, X, y=None) -> float``

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.linear_model import Ridge
    >>> from llmiso.metrics import make_isotropy_scorer
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(200, 5)) * [5, 1, 1, 1, 1], rng.normal(size=200)
    >>> pipe = make_pipeline(StandardScaler(), Ridge()).fit(X, y)
    >>> round(make_isotropy_scorer("isoscore")(pipe, X, y), 2)
    0.97
    """
    if metric not in MEASURES:
        raise ValueError(f"metric must be one of {sorted(MEASURES)}, got {metric!r}.")
    return _IsotropyScorer(metric, kwargs)


isotropy_scorer = make_isotropy_scorer("isoscore")
"""IsoScore of the features that reach the final step (greater is more isotropic)."""
