"""The forecasts the head learns to correct: one strategy object per kind of baseline.

Every baseline answers two questions for each series of a panel: what it forecast
from the end of each training window (:meth:`origins`, the head's targets are the
truth's change from it), and what it forecasts from the end of the series
(:meth:`forecast`, what the head's correction is added to). The forecaster never
branches on the kind of baseline; it asks the object.
"""

import numpy as np

from ._seasons import is_seasonal

NAMES = ("seasonal_naive", "naive", "auto")


class _Baseline:
    """Base: a baseline fitted on the training series of a panel."""

    #: Values of a series' end that :meth:`forecast` reads (None: the whole history).
    context = 1

    def fit(self, series, horizon, sp):
        """Learn from ``series`` (a list of 1-D arrays) whatever the forecasts need."""
        self.horizon, self.sp = horizon, sp
        return self

    def origins(self, i, values, ends):
        """(len(ends), horizon) forecasts of series ``i`` from ``values[: end + 1]``, per end."""
        raise NotImplementedError

    def forecast(self, i, values):
        """(horizon,) forecast of series ``i`` from the end of ``values`` (its known history)."""
        return self.origins(i, values, [len(values) - 1])[0]


class NoBaseline(_Baseline):
    """Zero: the head learns the scaled value itself."""

    def origins(self, i, values, ends):
        return np.zeros((len(ends), self.horizon))


class SeasonalNaive(_Baseline):
    """The value ``season`` steps before each step (1: the last value), per series.

    ``seasons``: ``"sp"`` (the forecaster's season for every series), ``1`` (the
    naive forecast), or ``"auto"`` (per series, ``sp`` where its training values
    pass the 90% autocorrelation test of :func:`is_seasonal`, else 1).
    """

    def __init__(self, seasons="sp"):
        self.seasons = seasons

    def fit(self, series, horizon, sp):
        super().fit(series, horizon, sp)
        if self.seasons == "auto":
            self.seasonal_ = [is_seasonal(values, sp) for values in series]
            self.season_ = [sp if seasonal else 1 for seasonal in self.seasonal_]
        else:
            self.season_ = [sp if self.seasons == "sp" else 1] * len(series)
        self.context = max(self.season_, default=1)
        return self

    def origins(self, i, values, ends):
        season = self.season_[i]
        steps = np.arange(1, self.horizon + 1)
        offsets = steps - season * np.ceil(steps / season).astype(int)  # in (-season, 0]
        return np.asarray(values, dtype=np.float64)[np.asarray(ends)[:, None] + offsets]


def make_baseline(baseline):
    """The strategy object for the forecaster's ``baseline`` parameter."""
    if baseline is None:
        return NoBaseline()
    return SeasonalNaive({"seasonal_naive": "sp", "naive": 1, "auto": "auto"}[baseline])
