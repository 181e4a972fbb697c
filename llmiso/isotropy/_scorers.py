"""Isotropy as a scikit-learn scorer: ``scorer(estimator, X, y=None)``."""

from .._pipeline import features_reaching_final_step
from . import _null

MEASURES = _null.MEASURES


class _IsotropyScorer:
    """``scorer(estimator, X, y=None)``: the isotropy of the features that reach the
    final step of ``estimator``; greater is more isotropic (see make_isotropy_scorer)."""

    def __init__(self, metric, adjusted, kwargs):
        self.metric = metric
        self.adjusted = adjusted
        self.kwargs = kwargs

    def __call__(self, estimator, X, y=None, **kwargs):
        features = features_reaching_final_step(estimator, X)
        if self.adjusted:
            value = _null.adjusted_isotropy(features, self.metric, **self.kwargs)
        else:
            value = _null.raw_isotropy(features, self.metric, **self.kwargs)
        return value if _null.RATIO[self.metric] else -value

    def __repr__(self):
        args = "" if self.adjusted else ", adjusted=False"
        args += "".join(f", {k}={v!r}" for k, v in self.kwargs.items())
        return f"make_isotropy_scorer({self.metric!r}{args})"


def make_isotropy_scorer(metric="uncentered_isoscore", *, adjusted=True, **kwargs):
    """A scorer of the isotropy of the features that reach a model's final step.

    Use it in ``GridSearchCV(scoring=...)`` or ``cross_validate`` beside an error
    metric, to see how isotropic each candidate's embeddings are on held-out data.
    As sklearn scorers must, greater is better: the share measures (cosines, top
    component share), for which lower is more isotropic, are returned negated.

    The default, the uncentered IsoScore adjusted to its isotropic null, sees both
    what centering removes (a direction common to every row) and what whitening
    removes (unequal spread), and scores 1 on isotropic data of any size.

    Parameters
    ----------
    metric : {"uncentered_isoscore", "isoscore", "partition", "average_cosine", \
"cluster_cosine", "effective_dimension", "top_component_share"}, \
default="uncentered_isoscore"
    adjusted : bool, default=True
        Referenced to isotropic data of the same size (see
        :func:`llmiso.metrics.adjusted_isotropy`); False: the raw value, as the
        ``raw`` column of :func:`llmiso.metrics.isotropy_report` gives it, whose
        isotropic value moves with the number of rows and columns.
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
    >>> X, y = rng.normal(size=(200, 5)) * [5, 1, 1, 1, 1] + 3, rng.normal(size=200)
    >>> scorer = make_isotropy_scorer()
    >>> round(scorer(make_pipeline(Ridge()).fit(X, y), X, y), 2)  # offset and stretched
    0.2
    >>> round(scorer(make_pipeline(StandardScaler(), Ridge()).fit(X, y), X, y), 2)
    1.0
    """
    if metric not in MEASURES:
        raise ValueError(f"metric must be one of {list(MEASURES)}, got {metric!r}.")
    return _IsotropyScorer(metric, adjusted, kwargs)


isotropy_scorer = make_isotropy_scorer()
"""Adjusted uncentered IsoScore of the features that reach the final step (greater is
more isotropic; 1 is isotropic)."""
