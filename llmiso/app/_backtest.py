"""Does the LLM add anything on this data? A rolling-origin backtest on the same folds.

Used by ``llmiso demo`` and ``llmiso forecast --backtest``: every model is scored
on the same origins beside the same comparison set (:func:`comparison_models`), and
the verdict compares the LLM with the same forecaster without it, the null it must
beat.
"""

import contextlib
import warnings
from pathlib import Path

import numpy as np

PACKAGE = str(Path(__file__).resolve().parents[1])

#: The name :func:`backtest` and the demo give the forecaster's null: the same
#: forecaster without the LLM (``embedder="passthrough"``).
NO_LLM = "same forecaster, no LLM"


def backtest_season(index, n_values, origins, horizon):
    """The season of the index's frequency, or 1 when the first fold holds no more than one."""
    from ..forecasting import seasonal_period

    sp = seasonal_period(index)
    return sp if n_values - origins * horizon > sp else 1


#: The name of the plain average of the statistical members, a row of every
#: accuracy table beside the forecaster.
PLAIN_AVERAGE = "plain average: AutoETS, AutoTheta, AutoCES"


def comparison_models(forecaster, sp, name="LLM"):
    """``forecaster`` beside what every accuracy table shows: the same without the LLM,
    seasonal naive, AutoETS and AutoTheta (statsforecast's, through sktime), and the
    plain average of the default combination's statistical members (sktime's
    ``EnsembleForecaster``; point forecasts only, so no coverage)."""
    from sktime.forecasting.compose import EnsembleForecaster
    from sktime.forecasting.naive import NaiveForecaster
    from sktime.forecasting.statsforecast import (
        StatsForecastAutoCES,
        StatsForecastAutoETS,
        StatsForecastAutoTheta,
    )

    with only_llmiso_warnings():  # sktime's forecasters announce a future default
        return {
            name: forecaster,
            NO_LLM: forecaster.clone().set_params(embedder="passthrough"),
            "seasonal naive": NaiveForecaster(strategy="last", sp=sp),
            "AutoETS": StatsForecastAutoETS(season_length=sp),
            "AutoTheta": StatsForecastAutoTheta(season_length=sp),
            PLAIN_AVERAGE: EnsembleForecaster([
                ("ets", StatsForecastAutoETS(season_length=sp)),
                ("theta", StatsForecastAutoTheta(season_length=sp)),
                ("ces", StatsForecastAutoCES(season_length=sp)),
            ]),
        }


@contextlib.contextmanager
def only_llmiso_warnings():
    """Show llmiso's own warnings, not sktime's notices about its future defaults.

    A filter is not enough: sktime's warning suppression re-inserts a "default"
    filter when it exits (sktime 1.2). So every warning is recorded, and only those
    raised from llmiso's code are shown again.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        yield
    for w in caught:
        if str(Path(w.filename).resolve()).startswith(PACKAGE):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def backtest(models, y, *, horizon, origins=2, sp=1):
    """Score each sktime forecaster by rolling origin: MASE and 80% interval coverage.

    Parameters
    ----------
    models : dict of str to sktime forecaster
    y : pd.DataFrame or pd.Series
        One series, or a panel (the last index level is time).
    horizon : int
        Steps ahead from each origin.
    origins : int, default=2
        Forecast origins, ``horizon`` steps apart, the last one ``horizon`` steps
        before the end.
    sp : int, default=1
        Seasonal period of MASE's in-sample scale.

    Returns
    -------
    table : pd.DataFrame
        One row per model: ``MASE`` (mean over origins), ``80% coverage``,
        ``MASE / seasonal naive`` when a model is named "seasonal naive", and the
        MASE of each origin (``MASE, origin 1`` ...), which ``verdict`` compares.
    fitted : dict of str to forecaster
        Each model as fitted at the last origin.
    """
    import pandas as pd
    from sktime.forecasting.model_evaluation import evaluate
    from sktime.performance_metrics.forecasting import MeanAbsoluteScaledError
    from sktime.performance_metrics.forecasting.probabilistic import EmpiricalCoverage
    from sktime.split import ExpandingWindowSplitter

    n_times = len(y.index.get_level_values(-1).unique())
    cv = ExpandingWindowSplitter(
        fh=list(range(1, horizon + 1)), initial_window=n_times - origins * horizon,
        step_length=horizon,
    )
    scores, fitted = {}, {}
    for name, model in models.items():
        # A forecaster without intervals (an ensemble's mean) is scored on MASE alone.
        scoring = [MeanAbsoluteScaledError(sp=sp)]
        if model.get_tag("capability:pred_int", False):
            scoring.append(EmpiricalCoverage(coverage=0.8))
        with only_llmiso_warnings():
            result = evaluate(model, cv, y, return_model=True, error_score="raise",
                              scoring=scoring)
        mase = result.filter(like="MeanAbsoluteScaledError").iloc[:, 0].to_numpy()
        coverage = result.filter(like="EmpiricalCoverage")
        scores[name] = {
            "MASE": mase.mean(),
            "80% coverage": coverage.iloc[:, 0].mean() if coverage.shape[1] else np.nan,
            **{f"MASE, origin {k}": value for k, value in enumerate(mase, 1)},
        }
        fitted[name] = result["fitted_forecaster"].iloc[-1]
    table = pd.DataFrame(scores).T
    if "seasonal naive" in table.index:
        table.insert(
            2, "MASE / seasonal naive", table["MASE"] / table.loc["seasonal naive", "MASE"]
        )
    return table, fitted


def verdict(table, llm, plain):
    """One plain sentence: does the LLM beat the same head without it, and who wins.

    With the MASE of each origin in ``table`` (as :func:`backtest` gives it), the LLM
    "helps" or "does not help" only when it is better, or worse, at every origin;
    otherwise the mean difference is within what the origins disagree on, and the
    sentence says so.
    """
    a, b = table.loc[llm, "MASE"], table.loc[plain, "MASE"]
    if not np.isfinite([a, b]).all():
        return "MASE is undefined on these folds (a constant stretch), so no verdict."
    change = abs(a - b) / b
    scores = f"MASE {a:.3f} against {b:.3f} for the same head without it"
    folds = [c for c in table.columns if c.startswith("MASE, origin")]
    better = int((table.loc[llm, folds] < table.loc[plain, folds]).sum())
    at = f", better at {better} of {len(folds)} origins" if folds else ""
    if folds and 0 < better < len(folds):
        added = (f"the LLM neither clearly helps nor hurts: {scores} "
                 f"({change:.0%} {'lower' if a < b else 'higher'}{at})")
    elif a < b:
        added = f"the LLM helps: {scores} ({change:.0%} lower{at})"
    else:
        added = f"the LLM does not help: {scores} ({change:.0%} higher{at})"
    best = table["MASE"].idxmin()
    return f"On these folds {added}; the most accurate model is {best} ({table['MASE'].min():.3f})."


def describe_head(forecaster):
    """Which head the forecaster used, its window, and the combination's members and
    weights (the default rule, ``head="auto"``, picks the head by the training windows)."""
    head = forecaster.pretrained_head_
    which = ("a head fitted on the series" if head is None
             else f"the pretrained head ({head.config.get('trained_on', 'a corpus')})")
    said = f"head: {which}, windows of {forecaster.window_length_}"
    combiner = forecaster.combiner_
    if combiner is None:
        return said + "; the head's forecast alone"
    weights = combiner.weights_.mean(axis=0)
    return said + "; combined with " + ", ".join(
        f"{name} {w:.2f}" for name, w in zip(combiner.member_names_, weights, strict=True))
