"""The forecasts the head learns to correct: one strategy object per kind of baseline.

Every baseline answers two questions for each series of a panel: what it forecast
from the end of each training window (:meth:`origins`, the head's targets are the
truth's change from it), and what it forecasts from the end of each series
(:meth:`forecasts`, what the head's correction is added to). Both come from what
``fit`` learned: statistical models are fitted there, once, never at predict. The
forecaster asks the object and never branches on its kind.
"""

import copy

import numpy as np

from ._seasons import is_seasonal
from ._statistical import MIN_FIT, MIN_HISTORY, StatisticalModels
from ._statistical import NAMES as STATISTICAL
from ._windows import pad_with_last

NAMES = ("seasonal_naive", "naive", "auto", *STATISTICAL)


class _Baseline:
    """Base: a baseline fitted on the training series of a panel."""

    #: Values of a series' end that :meth:`forecasts` reads (None: the whole history).
    context = 1
    #: Values before a series' first origin that a fit asks for (``min_fit``: needs).
    min_history = min_fit = 1

    def fit(self, panel, horizon, sp, n_origins, n_jobs=None):
        """Learn from ``panel`` (its ``series``, 1-D arrays) whatever the forecasts need.

        ``n_origins[i]``: how many of series i's latest values are training origins
        (the last origin is its second-to-last value).
        """
        self.horizon, self.sp, self.n_jobs = horizon, sp, n_jobs
        return self

    def origins(self, i, values, ends):
        """(len(ends), horizon) forecasts of series ``i`` from ``values[: end + 1]``, per end."""
        raise NotImplementedError

    def forecasts(self, histories):
        """(n_series, horizon) forecasts from the end of each series' known history."""
        return np.vstack([self.origins(i, values, [len(values) - 1])[0]
                          for i, values in enumerate(histories)])

    def fitted_models(self, spec):
        """Statistical models of ``spec`` this baseline has already fitted, or None."""
        return None

    def refit(self, histories):
        """Refit on the series moved forward (``update`` with ``update_params``); a
        baseline without parameters reads the new values as they come."""
        return self


class NoBaseline(_Baseline):
    """Zero: the head learns the scaled value itself."""

    def origins(self, i, values, ends):
        return np.zeros((len(ends), self.horizon))


class SeasonalNaive(_Baseline):
    """The value ``season`` steps before each step (1: the last value), per series.

    ``seasons``: ``"sp"`` (the forecaster's season for every series), ``1`` (the
    naive forecast), or ``"auto"`` (per series, ``sp`` where its training values
    pass the 90% autocorrelation test of :func:`is_seasonal`, else 1; ``seasonal_``
    maps each series' key to the answer).
    """

    def __init__(self, seasons="sp"):
        self.seasons = seasons

    def fit(self, panel, horizon, sp, n_origins, n_jobs=None):
        super().fit(panel, horizon, sp, n_origins, n_jobs)
        if self.seasons == "auto":
            self.seasonal_ = {key: is_seasonal(values, sp)
                              for key, values in zip(panel.keys, panel.series, strict=True)}
            self.season_ = [sp if seasonal else 1 for seasonal in self.seasonal_.values()]
        else:
            self.season_ = [sp if self.seasons == "sp" else 1] * len(panel.series)
        self.context = max(self.season_, default=1)
        return self

    def origins(self, i, values, ends):
        season = self.season_[i]
        steps = np.arange(1, self.horizon + 1)
        offsets = steps - season * np.ceil(steps / season).astype(int)  # in (-season, 0]
        return np.asarray(values, dtype=np.float64)[np.asarray(ends)[:, None] + offsets]


class Statistical(_Baseline):
    """The mean forecast of one or more statsforecast models (AutoETS, AutoTheta, ...).

    The forecasts from the training origins come from one ``cross_validation`` call
    per group of series: the models fitted once at each series' first origin and
    run forward, ``refit=False``. The forecast from the cutoff comes from the models
    fitted in ``fit`` on each whole history (``models_``). (Running the first
    origin's fit forward to the cutoff instead, so that the head's corrections meet
    the parameters they were learned for, was worse: docs/benchmarks.md.)
    """

    context = None
    min_history, min_fit = MIN_HISTORY, MIN_FIT

    def __init__(self, spec):
        self.spec = spec

    def fit(self, panel, horizon, sp, n_origins, n_jobs=None):
        super().fit(panel, horizon, sp, n_origins, n_jobs)
        self.models_ = StatisticalModels(self.spec, sp, n_jobs).fit(panel.series)
        found = self.models_.origin_forecasts(panel.series, n_origins, horizon)
        self._origins = [paths.mean(axis=0) for paths in found]
        self._lengths = [len(values) for values in panel.series]
        return self

    def origins(self, i, values, ends):
        return _stored(self._origins[i], self._lengths[i], ends)

    def forecasts(self, histories):
        return self.models_.predict(self.horizon, histories=histories).mean(axis=0)[:, :, 0]

    def fitted_models(self, spec):
        return self.models_ if spec == self.spec else None

    def refit(self, histories):
        self.models_.refit(histories)
        return self


class Sktime(_Baseline):
    """Any sktime forecaster, its origins' forecasts from ``update_predict``.

    One clone per series is fitted at its first origin and updated, without
    refitting its parameters, through the later ones: a loop in sktime, far
    slower than statsforecast's for many series. Another clone per series is
    fitted on its whole history in ``fit``; longer histories reach it through
    ``update`` without refitting.
    """

    context = None

    def __init__(self, forecaster):
        self.forecaster = forecaster

    def fit(self, panel, horizon, sp, n_origins, n_jobs=None):
        super().fit(panel, horizon, sp, n_origins, n_jobs)
        from sktime.split import ExpandingWindowSplitter

        fh = np.arange(1, horizon + 1)
        self._origins, self._lengths = [], [len(values) for values in panel.series]
        for values, count in zip(panel.series, n_origins, strict=True):
            padded = _pd_series(pad_with_last(values, horizon - 1))
            first = len(values) - 1 - count  # the first origin
            forecaster = self.forecaster.clone().fit(padded.iloc[: first + 1], fh=fh)
            cv = ExpandingWindowSplitter(fh=fh, initial_window=first + 1, step_length=1)
            table = forecaster.update_predict(padded, cv=cv, update_params=False)
            # Columns are the cutoffs, rows the times: step k of origin c is row c + k.
            grid = table.to_numpy(dtype=float)
            times, cutoffs = table.index.to_numpy(), table.columns.to_numpy()
            self._origins.append(np.array([[grid[np.searchsorted(times, c + k), j] for k in fh]
                                           for j, c in enumerate(cutoffs)]))
        return self.refit(panel.series)

    def origins(self, i, values, ends):
        return _stored(self._origins[i], self._lengths[i], ends)

    def refit(self, histories):
        fh = np.arange(1, self.horizon + 1)
        self.forecasters_ = [self.forecaster.clone().fit(_pd_series(values), fh=fh)
                             for values in histories]
        self._fitted_lengths = [len(values) for values in histories]
        return self

    def forecasts(self, histories):
        out = []
        fitted = zip(self.forecasters_, histories, self._fitted_lengths, strict=True)
        for forecaster, values, length in fitted:
            if len(values) > length:  # moved forward: a copy of the fit reads the new values
                forecaster = copy.deepcopy(forecaster)
                forecaster.update(_pd_series(values).iloc[length:], update_params=False)
            out.append(forecaster.predict().to_numpy(dtype=float).ravel())
        return np.vstack(out)


def _stored(origins, length, ends):
    """A series' forecasts from ``ends``, from those stored by ``fit``: row j is the
    origin ``length - 1 - len(origins) + j``."""
    first = length - 1 - len(origins)
    return origins[np.asarray(ends) - first]


def _pd_series(values):
    import pandas as pd

    return pd.Series(np.asarray(values, dtype=float))


def make_baseline(baseline):
    """The strategy object for the forecaster's ``baseline`` parameter."""
    if baseline is None:
        return NoBaseline()
    if isinstance(baseline, str) and baseline in ("seasonal_naive", "naive", "auto"):
        return SeasonalNaive({"seasonal_naive": "sp", "naive": 1, "auto": "auto"}[baseline])
    if hasattr(baseline, "update_predict") and hasattr(baseline, "clone"):
        return Sktime(baseline)
    return Statistical(baseline)
