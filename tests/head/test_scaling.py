
import numpy as np
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline

from llmiso import IsotropyCenterer, MeanScaledRegressor, SoftmaxHeadForecaster

RNG = np.random.default_rng(0)


def _trend_windows(n=140, window=12):
    t = np.arange(n, dtype=float)
    series = 50 + 2.0 * t + 10 * np.sin(2 * np.pi * t / 12) + RNG.normal(scale=1.0, size=n)
    X = np.lib.stride_tricks.sliding_window_view(series[:-1], window)
    return X, series[window:]


def test_mean_scaling_lets_the_head_forecast_a_trend():
    X, y = _trend_windows()
    train, test = slice(0, 90), slice(90, None)
    assert y[test].min() > y[train].max() - 25  # the test period is mostly new levels
    plain = make_pipeline(IsotropyCenterer(), SoftmaxHeadForecaster(alpha=1e-3)).fit(
        X[train], y[train]
    )
    scaled = MeanScaledRegressor(
        make_pipeline(IsotropyCenterer(), SoftmaxHeadForecaster(alpha=1e-3))
    ).fit(X[train], y[train])
    plain_mae = np.abs(plain.predict(X[test]) - y[test]).mean()
    scaled_mae = np.abs(scaled.predict(X[test]) - y[test]).mean()
    assert scaled_mae < 0.3 * plain_mae
    q = scaled.predict_quantiles(X[test], [0.1, 0.5, 0.9])
    assert q.shape == (len(y[test]), 3) and (np.diff(q, axis=1) > 0).all()
    np.testing.assert_allclose(q[:, 1], scaled.predict(X[test]))


def test_mean_scaling_multi_output_and_zero_rows():
    X, y = _trend_windows()
    Y = np.column_stack([y[:-2], y[1:-1], y[2:]])
    model = MeanScaledRegressor(SoftmaxHeadForecaster(n_bins=30)).fit(X[:-2], Y)
    assert model.predict(X[:4]).shape == (4, 3)
    assert model.predict_quantiles(X[:4], [0.5]).shape == (4, 3, 1)
    zero = MeanScaledRegressor(LinearRegression()).fit(
        np.vstack([X[:20], np.zeros((1, 12))]), np.r_[y[:20], 0.0]
    )
    assert np.isfinite(zero.predict(np.zeros((1, 12)))).all()
    assert not hasattr(MeanScaledRegressor(LinearRegression()), "predict_quantiles")


# -- value checks of the fit and the quantiles ----------------------------------------


