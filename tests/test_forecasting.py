import numpy as np
import pandas as pd
import pytest
from sktime.datasets import load_airline, load_shampoo_sales
from sktime.forecasting.model_evaluation import evaluate
from sktime.performance_metrics.forecasting import MeanAbsoluteScaledError
from sktime.split import ExpandingWindowSplitter

from llmiso.forecasting import LLMForecaster

TINY = dict(model="tiny-random-llama", window_length=6, dtype="float32", n_bins=20)


def test_passes_sktime_check_estimator():
    from sktime.utils.estimator_checks import check_estimator

    results = check_estimator(LLMForecaster, raise_exceptions=False, verbose=False)
    failed = {name: result for name, result in results.items() if result != "PASSED"}
    assert len(results) > 500 and not failed, failed


def test_direct_forecast_shapes_and_quantiles():
    y = load_airline()
    forecaster = LLMForecaster(**TINY).fit(y, fh=range(1, 7))
    pred = forecaster.predict()
    assert len(pred) == 6 and pred.index[0] == pd.Period("1961-01", freq="M")
    q = forecaster.predict_quantiles(alpha=[0.05, 0.5, 0.95])
    assert (q.iloc[:, 0] < q.iloc[:, 1]).all() and (q.iloc[:, 1] < q.iloc[:, 2]).all()
    np.testing.assert_allclose(q.iloc[:, 1].to_numpy(), pred.to_numpy())


def test_recursive_matches_direct_at_one_step():
    y = load_airline()
    direct = LLMForecaster(**TINY).fit(y, fh=[1])
    recursive = LLMForecaster(**TINY, strategy="recursive").fit(y)  # no fh needed
    np.testing.assert_allclose(direct.predict().to_numpy(), recursive.predict(fh=[1]).to_numpy())
    assert len(recursive.predict(fh=[1, 2, 3])) == 3


def test_update_moves_the_window_forward():
    y = load_airline()
    forecaster = LLMForecaster(**TINY).fit(y.iloc[:-1], fh=[1])
    forecaster.update(y.iloc[-1:], update_params=False)
    refit_free = forecaster.predict()
    assert refit_free.index[0] == pd.Period("1961-01", freq="M")
    np.testing.assert_array_equal(forecaster._tails[None], y.to_numpy()[-6:])


def test_series_encoding_reads_each_series_once():
    y = load_airline()
    forecaster = LLMForecaster(**TINY, encoding="series").fit(y.iloc[:-1], fh=[1, 2])
    assert len(forecaster._tails[None]) == 11  # window 6 + stride 6 - 1: the last context
    forecaster.update(y.iloc[-1:], update_params=False)
    np.testing.assert_array_equal(forecaster._tails[None], y.to_numpy()[-11:])
    q = forecaster.predict_quantiles(alpha=[0.1, 0.5, 0.9])
    assert q.shape == (2, 3) and (q.diff(axis=1).iloc[:, 1:] > 0).all().all()
    assert forecaster.head_features(y).shape == (len(y) - 5, 16)
    recursive = LLMForecaster(**TINY, encoding="series", strategy="recursive").fit(y)
    assert np.isfinite(recursive.predict(fh=[1, 2, 3]).to_numpy()).all()


@pytest.mark.parametrize("encoding", ["window", "series"])
def test_panel_is_one_global_model(encoding):
    from sktime.utils._testing.hierarchical import _make_hierarchical

    y = _make_hierarchical(hierarchy_levels=(3,), min_timepoints=30, max_timepoints=30, random_state=0)
    forecaster = LLMForecaster(**TINY, encoding=encoding).fit(y, fh=[1, 2])
    pred = forecaster.predict()
    assert pred.index.nlevels == 2 and len(pred) == 6
    assert forecaster.predict_interval(coverage=0.8).shape == (6, 2)


def test_evaluate_with_expanding_window():
    y = load_shampoo_sales()
    cv = ExpandingWindowSplitter(fh=[1, 2, 3], initial_window=24, step_length=3)
    results = evaluate(LLMForecaster(**TINY), cv, y, scoring=MeanAbsoluteScaledError(sp=12))
    assert len(results) == 4 and np.isfinite(results.iloc[:, 0]).all()


def test_forecasting_benchmark(tmp_path):
    from sktime.benchmarking.forecasting import ForecastingBenchmark
    from sktime.forecasting.naive import NaiveForecaster

    benchmark = ForecastingBenchmark()
    benchmark.add_estimator(LLMForecaster(**TINY), estimator_id="llm")
    benchmark.add_estimator(NaiveForecaster(sp=12, strategy="last"), estimator_id="snaive")
    cv = ExpandingWindowSplitter(fh=[1, 2, 3], initial_window=120, step_length=12)
    benchmark.add_task(load_airline, cv, [MeanAbsoluteScaledError(sp=12)])
    results = benchmark.run(str(tmp_path / "results.csv"))
    assert len(results) == 2


def test_tuning_reaches_the_parameters():
    from sktime.forecasting.model_selection import ForecastingGridSearchCV

    y = load_shampoo_sales()
    search = ForecastingGridSearchCV(
        LLMForecaster(**TINY),
        ExpandingWindowSplitter(fh=[1], initial_window=30, step_length=2),
        {"centering": ["none", "center"], "alpha": [0.1, 10.0]},
    ).fit(y, fh=[1])
    assert search.best_params_["centering"] in ("none", "center")


def test_clear_errors():
    y = load_airline()
    with pytest.raises(ValueError, match="has 10 values, but a window of 6 plus a horizon of 5"):
        LLMForecaster(**TINY).fit(y.iloc[:10], fh=range(1, 6))
    with pytest.raises(NotImplementedError, match="in-sample"):
        LLMForecaster(**TINY).fit(y, fh=[-1, 1])
    y_nan = y.copy()
    y_nan.iloc[50] = np.nan
    with pytest.raises(ValueError, match="missing"):
        LLMForecaster(**TINY).fit(y_nan, fh=[1])


def test_constant_series_forecasts_the_constant():
    y = pd.Series(5.0, index=pd.period_range("2000-01", periods=40, freq="M"))
    pred = LLMForecaster(**TINY).fit(y, fh=[1, 2]).predict()
    np.testing.assert_allclose(pred.to_numpy(), 5.0, rtol=1e-3)


def test_default_model_on_airline():
    y = load_airline()
    forecaster = LLMForecaster(window_length=24).fit(y.iloc[:-12], fh=range(1, 13))
    pred = forecaster.predict()
    truth = y.iloc[-12:]
    mape = np.mean(np.abs(pred.to_numpy() - truth.to_numpy()) / truth.to_numpy())
    assert mape < 0.25  # a sane forecast of the right level and season
