import numpy as np
import pandas as pd
import pytest
from sktime.datasets import load_airline, load_lynx, load_shampoo_sales

from llmiso import IsotropyCenterer, SoftmaxHeadForecaster
from llmiso.forecasting import Combination, LLMForecaster

NO_LLM = "passthrough"


@pytest.mark.parametrize("baseline, sp", [(None, None), ("naive", None), ("seasonal_naive", 3)])
def test_without_the_llm_is_the_same_head_on_the_scaled_window(baseline, sp):
    """No LLM: the head reads each window divided by its mean |value|, nothing else.

    Each step's head learns from every window with a value that many steps after it:
    the last window before the end trains step 1 (its step 2 is missing, NaN). Its
    targets are each step's change from the baseline forecast, in the window's scale:
    the last value (naive), or the value ``sp`` steps before the step.
    """
    from sklearn.pipeline import make_pipeline

    from llmiso import mean_abs_scale

    y = load_shampoo_sales().astype(float)
    forecaster = LLMForecaster(
        NO_LLM,
        head=SoftmaxHeadForecaster(n_bins=20, alpha=0.3),
        combine=None,
        window_length=6,
        baseline=baseline,
        sp=sp,
    ).fit(y, fh=[1, 2])
    values = y.to_numpy()
    windows = np.lib.stride_tricks.sliding_window_view(values, 6)
    scale = mean_abs_scale(windows)
    X = windows[:-1] / scale[:-1, None]
    targets = np.column_stack([values[6:], np.append(values[7:], np.nan)])
    if baseline is None:
        anchor = np.zeros((len(windows), 2))
    elif baseline == "naive":
        anchor = windows[:, [-1, -1]]
    else:  # step 1 repeats the value 3 steps before it (window's 4th), step 2 the 5th
        anchor = windows[:, [3, 4]]
    head = make_pipeline(
        IsotropyCenterer(normalize=True), SoftmaxHeadForecaster(n_bins=20, alpha=0.3)
    )
    head.fit(X, (targets - anchor[:-1]) / scale[:-1, None])
    expected = anchor[-1] + head.predict(windows[-1:] / scale[-1]) * scale[-1]
    np.testing.assert_allclose(forecaster.predict().to_numpy(), expected.ravel(), rtol=1e-9)


def test_the_season_comes_from_the_index_and_fits_in_the_window():
    """sp=None: 12 for a monthly index if the window holds a year, else the last value."""
    y = load_airline()
    assert LLMForecaster(NO_LLM, window_length=12).fit(y, fh=[1]).sp_ == 12
    assert LLMForecaster(NO_LLM, window_length=6).fit(y, fh=[1]).sp_ == 1
    assert LLMForecaster(NO_LLM, window_length=6, sp=4).fit(y, fh=[1]).sp_ == 4
    yearly = load_lynx()
    assert LLMForecaster(NO_LLM, window_length=12).fit(yearly, fh=[1]).sp_ == 1


def test_the_seasonality_test_matches_statsmodels_acf():
    """is_seasonal: |r_sp| above 1.645 sqrt((1 + 2 sum_{k<sp} r_k^2) / n), with
    statsmodels' autocorrelations; False below three seasons or for sp 1."""
    from statsmodels.tsa.stattools import acf

    from llmiso.forecasting import is_seasonal

    rng = np.random.default_rng(0)
    for values, sp in [(load_airline().to_numpy(), 12), (load_lynx().to_numpy(), 10),
                       (load_shampoo_sales().to_numpy(), 12), (rng.normal(size=60).cumsum(), 4),
                       (np.sin(np.arange(48) * np.pi / 2) + rng.normal(size=48) / 3, 4)]:
        r = acf(values, nlags=sp, fft=False)
        limit = 1.645 * np.sqrt((1 + 2 * np.sum(r[1:sp] ** 2)) / len(values))
        assert is_seasonal(values, sp) == (abs(r[sp]) > limit)
    assert is_seasonal(load_airline().to_numpy(), 12) and not is_seasonal(load_shampoo_sales(), 12)
    assert not is_seasonal(load_airline().to_numpy()[:35], 12)
    assert not is_seasonal(load_airline().to_numpy(), 1) and not is_seasonal(np.ones(40), 4)


def test_the_auto_baseline_is_seasonal_only_for_seasonal_series():
    """baseline="auto" chooses per series of a panel: a seasonal one is corrected from
    its seasonal naive forecast (the window's first values, a season before each
    step), a trending one from its last value; the head is the one written here."""
    from sklearn.pipeline import make_pipeline

    from llmiso import mean_abs_scale

    t = np.arange(72)
    rng = np.random.default_rng(1)
    series = {"seasonal": 100 + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(size=72),
              "trending": 100 + rng.normal(size=72).cumsum()}
    index = pd.period_range("2000-01", periods=72, freq="M")
    panel = pd.concat({k: pd.DataFrame({"y": v}, index=index) for k, v in series.items()})
    forecaster = LLMForecaster(NO_LLM, head=SoftmaxHeadForecaster(n_bins=20), combine=None,
                               window_length=12,
                               baseline="auto")
    forecaster.fit(panel, fh=[1, 2, 3])
    assert forecaster.sp_ == 12
    assert forecaster.baseline_.seasonal_ == {"seasonal": True, "trending": False}
    X, targets, last = [], [], []
    for name, values in series.items():
        windows = np.lib.stride_tricks.sliding_window_view(values, 12)
        scale = mean_abs_scale(windows)
        anchor = windows[:, [0, 1, 2]] if name == "seasonal" else windows[:, [-1, -1, -1]]
        future = np.column_stack([np.append(values[12 + k:], [np.nan] * k) for k in range(3)])
        X.append(windows[:-1] / scale[:-1, None])
        targets.append((future - anchor[:-1]) / scale[:-1, None])
        last.append((windows[-1:] / scale[-1], anchor[-1], scale[-1]))
    head = make_pipeline(IsotropyCenterer(normalize=True), SoftmaxHeadForecaster(n_bins=20))
    head.fit(np.vstack(X), np.vstack(targets))
    expected = np.concatenate([a + head.predict(w)[0] * s for w, a, s in last])
    np.testing.assert_allclose(forecaster.predict().to_numpy().ravel(), expected, rtol=1e-9)


@pytest.mark.parametrize("params, message", [
    ({"baseline": "mean"}, "'baseline' parameter of LLMForecaster must be"),
    ({"sp": 13}, "sp must be a season length from 1 to window_length=12"),
    ({"sp": 0}, "'sp' parameter"),
])
def test_a_bad_baseline_or_season_is_named(params, message):
    with pytest.raises(ValueError, match=message):
        LLMForecaster(NO_LLM, window_length=12, **params).fit(load_airline(), fh=[1])




# -- a statistical backbone -------------------------------------------------------------


class ZeroHead:
    """A head that forecasts no change: the forecast is the backbone's own."""

    def __init__(self):
        pass

    def get_params(self, deep=True):
        return {}

    def set_params(self, **params):
        return self

    def fit(self, X, y):
        self.X_, self.y_ = np.asarray(X), np.asarray(y)
        return self

    def predict_quantiles(self, X, quantiles):
        return np.zeros((len(X), self.y_.shape[1], len(quantiles)))


def _statsforecast(model, values, h, level=None):
    from statsforecast import StatsForecast

    frame = pd.DataFrame({"unique_id": 0, "ds": np.arange(len(values)), "y": values})
    return StatsForecast(models=[model], freq=1).forecast(df=frame, h=h, level=level)


def test_the_backbone_forecasts_each_origin_from_a_fit_at_the_first():
    """Origin forecasts: AutoETS fitted once at the first origin and run forward
    (cross_validation, refit=False), so each sees only the values up to it."""
    from statsforecast.models import AutoETS

    y = load_airline()
    # combine=None: the combination's evidence would embed earlier origins too.
    forecaster = LLMForecaster(NO_LLM, head=ZeroHead(), baseline="ets", window_length=12,
                               n_origins=10, combine=None).fit(y, fh=[1, 2, 3])
    values = y.to_numpy(dtype=float)
    T = len(values)
    fitted = AutoETS(season_length=12).fit(values[: T - 10])  # the first origin: T - 11
    for end in (T - 11, T - 5, T - 2):
        expected = fitted.forward(y=values[: end + 1], h=3)["mean"]
        np.testing.assert_allclose(forecaster.baseline_.origins(0, values, [end])[0], expected,
                                   rtol=1e-6)
    # The head's targets: the truth's change from those forecasts, scaled by each window
    # (a head other than the softmax gets the 8 origins with a whole horizon after them).
    targets = forecaster.regressor_[-1].y_
    assert targets.shape == (8, 3)
    end = T - 5
    scale = np.abs(values[end - 11 : end + 1]).mean()
    truth = values[end + 1 : end + 4]
    np.testing.assert_allclose(
        targets[-2], (truth - fitted.forward(y=values[: end + 1], h=3)["mean"]) / scale, rtol=1e-6
    )


def test_with_no_change_the_forecast_is_the_backbones_from_the_whole_history():
    from statsforecast.models import AutoETS, AutoTheta

    y = load_airline()
    values = y.to_numpy(dtype=float)
    forecaster = LLMForecaster(
        NO_LLM,
        head=ZeroHead(),
        baseline=["ets", AutoTheta(season_length=12)],
        combine=None,
        window_length=12,
        n_origins=5,
    ).fit(y, fh=[1, 2, 3])
    ets = _statsforecast(AutoETS(season_length=12), values, 3)["AutoETS"].to_numpy()
    theta = _statsforecast(AutoTheta(season_length=12), values, 3)["AutoTheta"].to_numpy()
    np.testing.assert_allclose(
        forecaster.predict().to_numpy().ravel(), (ets + theta) / 2, rtol=1e-6
    )
    # update moves the cutoff: the backbone refits on the longer history.
    later = load_airline()[:-3]
    forecaster.fit(later, fh=[1, 2, 3]).update(y[-3:])
    np.testing.assert_allclose(
        forecaster.predict().to_numpy().ravel(), (ets + theta) / 2, rtol=1e-6
    )


def test_combine_averages_the_heads_quantiles_with_each_models():
    from statsforecast.models import AutoETS

    y = load_airline()
    values = y.to_numpy(dtype=float)
    plain = Combination("ets", weights="equal", calibrate=False, average="quantiles")
    forecaster = LLMForecaster(NO_LLM, head=ZeroHead(), baseline="naive", combine=plain,
                               window_length=12).fit(y, fh=[1, 2])
    q = forecaster.predict_quantiles(alpha=[0.1, 0.5, 0.9]).to_numpy()
    ets = _statsforecast(AutoETS(season_length=12), values, 2, level=[80])
    expected = np.column_stack([ets["AutoETS-lo-80"], ets["AutoETS"], ets["AutoETS-hi-80"]])
    np.testing.assert_allclose(q, (values[-1] + expected) / 2, rtol=1e-6)


def test_an_sktime_forecaster_backbone_matches_the_built_in_naive():
    from sktime.forecasting.naive import NaiveForecaster

    y = load_shampoo_sales().astype(float)
    head = SoftmaxHeadForecaster(n_bins=20)
    built_in = LLMForecaster(NO_LLM, head=head, baseline="naive", window_length=6).fit(y, fh=[1, 2])
    sktime = LLMForecaster(NO_LLM, head=head, baseline=NaiveForecaster(),
                           window_length=6).fit(y, fh=[1, 2])
    np.testing.assert_allclose(sktime.predict().to_numpy(), built_in.predict().to_numpy(),
                               rtol=1e-9)


def test_n_origins_limits_the_training_windows_and_what_is_embedded():
    y = load_airline()
    forecaster = LLMForecaster(NO_LLM, head=ZeroHead(), window_length=12, n_origins=7)
    forecaster.fit(y, fh=[1, 2])
    head = forecaster.regressor_[-1]
    assert head.y_.shape == (6, 2)  # the 6 of the 7 origins with two values after them
    values = y.to_numpy(dtype=float)
    np.testing.assert_allclose(head.y_[0, 0] * np.abs(values[-19:-7]).mean(),
                               values[-7] - values[-19])  # seasonal naive: 12 steps before


def test_a_short_series_keeps_a_horizon_of_origins_the_naive_standing_in():
    """Too short for ETS at its first origins: statsforecast's naive forecast stands in."""
    y = pd.Series(np.arange(1.0, 9.0))
    forecaster = LLMForecaster(NO_LLM, head=ZeroHead(), baseline="ets", window_length=3)
    forecaster.fit(y, fh=[1, 2])
    values = y.to_numpy()
    # Origins 5 and 6 (a horizon of them): fitted on 6 values, too few for ETS.
    np.testing.assert_allclose(forecaster.baseline_.origins(0, values, [5, 6]),
                               [[6.0, 6.0], [7.0, 7.0]])
    assert forecaster.regressor_[-1].y_.shape == (1, 2)  # the origin with both steps known
