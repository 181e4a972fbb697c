"""The combination: the head's forecast averaged with statistical models', level by level."""

from sklearn.base import BaseEstimator

from ._statistical import StatisticalModels


class Combination(BaseEstimator):
    """Average the head's quantiles with statistical models' quantiles, level by level.

    A part of :class:`LLMForecaster` (its ``combine``): the plain mean of the points
    and of each quantile level over the head and ``models`` (a model's quantile q is
    the end of its central interval of level ``|200 q - 100|``%). The models are
    fitted on each whole series in ``fit``; ``paths`` runs them forward over longer
    histories (after ``update``) without refitting them.

    Parameters
    ----------
    models : str, statsforecast model, or tuple/list of them, default=("ets", "theta")
        ``"ets"`` (AutoETS), ``"theta"`` (AutoTheta), or statsforecast model objects,
        built with the forecaster's season.

    Attributes
    ----------
    models_ : StatisticalModels
        The fitted statistical models (shared with a statistical baseline of the
        same models, so they are fitted once).
    """

    def __init__(self, models=("ets", "theta")):
        self.models = models

    def fit(self, series, *, sp, n_jobs=None, fitted=None):
        """Fit the models on each whole series (or take ``fitted``, the same models
        already fitted on the same series)."""
        self.models_ = (fitted if fitted is not None
                        else StatisticalModels(self.models, sp, n_jobs).fit(series))
        return self

    def refit(self, series):
        """Refit the models on the series moved forward (``update_params=True``)."""
        self.models_.refit(series)
        return self

    def combine(self, head, histories, levels, horizon):
        """(n_series, horizon, n_levels): ``head``'s quantiles averaged with each model's."""
        paths = self.models_.predict(horizon, levels, histories=histories)
        return (head + paths.sum(axis=0)) / (1 + len(paths))


def make_combination(combine):
    """The combination part for the forecaster's ``combine`` (None: the head alone)."""
    from sklearn.base import clone

    if combine is None:
        return None
    if isinstance(combine, Combination):
        return clone(combine)
    return Combination(combine)
