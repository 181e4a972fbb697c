"""Statistical models over many series at once, through statsforecast.

:class:`StatisticalModels` answers three questions, each one statsforecast call per
group of series: what each model forecast from every training origin
(``StatsForecast.cross_validation``, the models fitted once per series and run
forward over the later origins, ``refit=False``), and, fitted on each whole series
in ``fit``, what it forecasts from the end of each series, with quantiles
(``StatsForecast.predict``); longer histories (an ``update``, a recursive path)
are run forward through the fitted models (each model's ``forward``), not refitted.
Imports statsforecast lazily.
"""

import copy

import numpy as np
import pandas as pd

from ._windows import pad_with_last

# Short names a user can give for a model, built with the forecaster's season: AutoETS,
# AutoTheta, AutoCES, AutoARIMA, DynamicOptimizedTheta.
NAMES = ("ets", "theta", "ces", "arima", "dotm")
# Values a fit needs at least: where a model refuses so few (statsforecast's ETS:
# "tiny datasets", under 8 values), the naive forecast stands in (fallback_model).
MIN_FIT = 1
# Values before a series' first origin where the series has them: a model fitted on
# fewer (and reused at the later origins, refit=False) forecasts far worse there than
# from the cutoff, and the head learns to correct the wrong forecasts (M3 quarterly,
# no LLM: relative MASE 1.13 with 8 values, 0.89 with 16, 0.82 with 24, 0.76 with 40;
# docs/benchmarks.md).
MIN_HISTORY = 40


def make_models(spec, sp):
    """statsforecast model objects for ``spec``: a name, a model, or a list of them."""
    from statsforecast.models import (
        AutoARIMA,
        AutoCES,
        AutoETS,
        AutoTheta,
        DynamicOptimizedTheta,
    )

    build = {"ets": lambda: AutoETS(season_length=sp), "theta": lambda: AutoTheta(season_length=sp),
             "ces": lambda: AutoCES(season_length=sp), "arima": lambda: AutoARIMA(season_length=sp),
             "dotm": lambda: DynamicOptimizedTheta(season_length=sp)}
    specs = list(spec) if isinstance(spec, (list, tuple)) else [spec]
    models = []
    for one in specs:
        if isinstance(one, str):
            if one not in build:
                raise ValueError(f"Unknown statistical model {one!r}: use one of {NAMES}, "
                                 "or pass a statsforecast model object such as AutoETS().")
            models.append(build[one]())
        elif hasattr(one, "forecast") and hasattr(one, "forward"):
            models.append(copy.deepcopy(one))  # never fit the user's object
        else:
            raise TypeError(f"{one!r} is not a statsforecast model (it needs forecast and "
                            "forward methods); for an sktime forecaster, pass it alone.")
    # statsforecast names output columns by alias: two models of one class need two.
    names = [repr(model) for model in models]
    for k, model in enumerate(models):
        if names.count(names[k]) > 1:
            model.alias = f"{names[k]}_{k}"
    return models


class StatisticalModels:
    """statsforecast models fitted on each series of a panel, in groups of series.

    Parameters
    ----------
    spec : str, statsforecast model, or list of them
        As ``make_models`` takes it.
    sp : int
        The season length the named models are built with.
    n_jobs : int or None
        Where the groups run (``_parallel.run_groups``).
    """

    def __init__(self, spec, sp, n_jobs=None):
        self.spec, self.sp, self.n_jobs = spec, sp, n_jobs

    def fit(self, series):
        """Fit every model on each whole series (one ``StatsForecast.fit`` per group)."""
        self.models_ = make_models(self.spec, self.sp)
        self.histories_ = [np.asarray(values, dtype=float) for values in series]
        if not self.models_:  # an empty pool: nothing to fit
            self.engines_ = []
            return self
        parts = _in_groups(_fit_group, self.models_, self.histories_, n_jobs=self.n_jobs)
        self.engines_ = [engine for part in parts for engine in part]
        return self

    def refit(self, series):
        """Fit again on the series moved forward; nothing to do for the same series."""
        if [len(v) for v in series] != [len(v) for v in self.histories_]:
            self.fit(series)
        return self

    def origin_forecasts(self, series, n_origins, horizon):
        """(n_models, n_origins_i, horizon) forecasts of each series from its latest origins.

        The origins of series ``i`` are its values ``len - 1 - n_origins[i]`` to
        ``len - 2`` (every training window that has at least one value after it).
        Series with the same number of origins share one ``cross_validation`` call
        per group of series.
        """
        parts = _in_groups(_origin_group, self.models_, list(series), list(n_origins), horizon,
                           n_jobs=self.n_jobs)
        return [paths for part in parts for paths in part]

    def validation_forecasts(self, series, n_windows, horizon, levels):
        """(n_models, n_windows_i, horizon, n_levels) per series: forecasts of each
        series' last ``n_windows[i]`` whole windows of ``horizon`` values inside its
        history, from the models fitted at the first of them (out of sample)."""
        if not self.models_:
            return [np.empty((0, k, horizon, len(levels))) for k in n_windows]
        parts = _in_groups(_validation_group, self.models_, list(series), list(n_windows),
                           horizon, tuple(levels), n_jobs=self.n_jobs)
        return [paths for part in parts for paths in part]

    def predict(self, horizon, levels=None, histories=None):
        """(n_models, n_series, horizon, n_levels) quantiles from the end of each series.

        ``histories`` None, or the series ``fit`` saw: the fitted models' forecasts.
        Longer histories (the same series moved forward): the fitted models run
        forward over them, their parameters kept. ``levels`` None: the point
        forecast alone (n_levels 1). A quantile q below 0.5 is the lower end of the
        model's central interval of level ``100 (1 - 2q)``, above 0.5 the upper end
        of ``100 (2q - 1)``, and 0.5 the point forecast.
        """
        levels = [0.5] if levels is None else list(levels)
        if not self.models_:
            return np.empty((0, len(self.histories_), horizon, len(levels)))
        if histories is None or all(
                len(h) == len(f) for h, f in zip(histories, self.histories_, strict=True)):
            parts = [_predict_group(engine, self.models_, horizon, levels)
                     for engine in self.engines_]
        else:
            parts = [_forward_group(engine, self.models_, histories[i : i + len(engine.uids)],
                                    horizon, levels)
                     for engine, i in zip(self.engines_, self._group_starts(), strict=True)]
        return np.concatenate(parts, axis=1)

    def _group_starts(self):
        return np.cumsum([0] + [len(engine.uids) for engine in self.engines_[:-1]])


def _frame(series):
    return pd.concat([pd.DataFrame({"unique_id": i, "ds": np.arange(len(values)), "y": values})
                      for i, values in enumerate(series)], ignore_index=True)


def _engine(models):
    from statsforecast import StatsForecast
    from statsforecast.models import Naive

    return StatsForecast(models=[copy.deepcopy(m) for m in models], freq=1, n_jobs=1,
                         fallback_model=Naive())


def _in_groups(function, models, series, *args, n_jobs=None):
    """``function(models, group, *args)`` per group of series, where the embeddings run:
    in this process, joblib workers or a Dask cluster (one statsforecast call per group)."""
    from ._parallel import SERIES_PER_TASK, run_groups

    calls = [(models, series[i : i + SERIES_PER_TASK],
              *[a[i : i + SERIES_PER_TASK] if isinstance(a, list) else a for a in args])
             for i in range(0, len(series), SERIES_PER_TASK)]
    return list(run_groups(function, calls, n_jobs))


def _columns(models):
    return [repr(model) for model in models]


def _fit_group(models, series):
    return [_engine(models).fit(df=_frame(series))]  # a list: one result per group


def _origin_group(models, series, n_origins, horizon):
    # Padded: the latest origins' windows reach past the end (never read at an origin).
    padded = [pad_with_last(values, horizon - 1) for values in series]
    return [paths[..., 0] for paths in _windows_group(models, padded, n_origins, horizon, [0.5])]


def _validation_group(models, series, n_windows, horizon, levels):
    return _windows_group(models, series, n_windows, horizon, levels)


def _windows_group(models, series, n_windows, horizon, levels):
    """(n_models, n_windows_i, horizon, n_levels) per series: ``cross_validation`` over
    each series' last ``n_windows[i]`` windows of ``horizon`` values (the models fitted
    at the first window's cutoff and run forward, ``refit=False``), one call per group
    of series with the same number of windows."""
    widths = sorted({_width(q) for q in levels if q != 0.5})
    out = [np.empty((len(models), 0, horizon, len(levels))) for _ in series]
    for count in sorted(set(n_windows) - {0}):
        group = [i for i, k in enumerate(n_windows) if k == count]
        result = _engine(models).cross_validation(
            df=_frame([series[i] for i in group]), h=horizon, n_windows=count, step_size=1,
            refit=False, level=widths or None)
        result = result.sort_values(["unique_id", "cutoff", "ds"])
        for m, name in enumerate(_columns(models)):
            for k, q in enumerate(levels):
                values = result[_column(name, q)].to_numpy(dtype=float).reshape(
                    len(group), count, horizon)
                for j, i in enumerate(group):
                    if out[i].shape[1] != count:
                        out[i] = np.empty((len(models), count, horizon, len(levels)))
                    out[i][m, :, :, k] = values[j]
    return out


def _column(name, q):
    """statsforecast's column of model ``name``'s quantile ``q``."""
    return name if q == 0.5 else f"{name}-{'lo' if q < 0.5 else 'hi'}-{_width(q)}"


def _predict_group(engine, models, horizon, levels):
    widths = sorted({_width(q) for q in levels if q != 0.5})
    result = engine.predict(h=horizon, level=widths or None)
    result = result.reset_index() if "unique_id" not in result.columns else result
    result = result.sort_values(["unique_id", "ds"])
    n_series = len(engine.uids)
    out = np.empty((len(models), n_series, horizon, len(levels)))
    for m, name in enumerate(_columns(models)):
        for k, q in enumerate(levels):
            out[m, :, :, k] = result[_column(name, q)].to_numpy(dtype=float).reshape(
                n_series, horizon)
    return out


def _forward_group(engine, models, histories, horizon, levels):
    """Each fitted model of each series run forward over its longer history."""
    widths = sorted({_width(q) for q in levels if q != 0.5})
    out = np.empty((len(models), len(histories), horizon, len(levels)))
    for i, history in enumerate(histories):
        for m in range(len(models)):
            found = engine.fitted_[i, m].forward(y=np.asarray(history, dtype=float), h=horizon,
                                                 level=widths or None)
            for k, q in enumerate(levels):
                key = "mean" if q == 0.5 else f"{'lo' if q < 0.5 else 'hi'}-{_width(q)}"
                out[m, i, :, k] = found[key]
    return out


def _width(q):
    """The central interval's level (in %) whose end is the quantile ``q``."""
    width = round(abs(200 * q - 100), 6)
    return int(width) if float(width).is_integer() else width
