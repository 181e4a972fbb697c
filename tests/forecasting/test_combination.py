"""The combination by evidence: validation windows, out-of-sample members, weights,
calibrated intervals, and a head cross-fitted without the windows it is scored on."""

import numpy as np
import pandas as pd
import pytest
from conftest import tiny
from sktime.datasets import load_airline

from llmiso.forecasting import Combination, LLMForecaster


def _series(n=60, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 100 + t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(size=n)


def test_statistical_members_at_the_validation_windows_are_out_of_sample():
    """Each model is fitted at the first validation origin and run forward: its first
    window's forecast is that of a fit on the values up to that origin."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    values = _series()
    combination = Combination("ets", weights="evidence", n_validation=3).fit(
        [values], sp=12, horizon=4)
    found = combination.models_.validation_forecasts([values], [3], 4, [0.1, 0.5, 0.9])[0]
    cutoff = len(values) - 4 - 3 + 1  # values before the first validation origin's window
    frame = pd.DataFrame({"unique_id": 0, "ds": np.arange(cutoff), "y": values[:cutoff]})
    direct = StatsForecast(models=[AutoETS(season_length=12)], freq=1).forecast(
        df=frame, h=4, level=[80])
    np.testing.assert_allclose(found[0, 0, :, 1], direct["AutoETS"], rtol=1e-6)
    np.testing.assert_allclose(found[0, 0, :, 2], direct["AutoETS-hi-80"], rtol=1e-6)


def test_evidence_weights_favour_the_member_with_the_smaller_errors():
    values = _series()
    V, H = 4, 3
    starts = np.arange(len(values) - H - V + 1, len(values) - H + 1)
    truth = values[starts[:, None] + np.arange(H)]
    # The head's deciles (Combination's validation levels) around the truth.
    perfect = truth[..., None] + np.linspace(-1.0, 1.0, 9)
    fitted = Combination(("ets", "theta"), weights="evidence", n_validation=V,
                         shrinkage=0.5).fit([values], sp=12, horizon=H,
                                            head_validation=[perfect + 1e-3])
    weights = fitted.weights_[0]
    assert weights[0] > 0.66 and weights[0] == weights.max()  # at most 1/2 + 1/6
    np.testing.assert_allclose(weights.sum(), 1)
    assert (weights >= 0.5 / 3 - 1e-12).all()  # shrunk: never below half the equal weight
    equal = Combination(("ets", "theta"), weights="equal", n_validation=V).fit(
        [values], sp=12, horizon=H, head_validation=[perfect])
    np.testing.assert_allclose(equal.weights_, 1 / 3)
    # A series without evidence (no head forecasts) gets equal weights.
    blind = Combination(("ets", "theta")).fit([values], sp=12, horizon=H)
    np.testing.assert_allclose(blind.weights_, 1 / 3)


def test_calibration_scales_each_side_to_cover_80_percent():
    """Too narrow intervals are widened, too wide ones narrowed, each side on its own,
    until 10% of the validation values fall beyond each end."""
    from llmiso.forecasting import interval_scale

    rng = np.random.default_rng(1)
    truth = rng.normal(size=(400, 6))
    median = np.zeros_like(truth)
    for half_width, expect in ((0.3, "wider"), (5.0, "narrower"), (1.2816, "same")):
        paths = np.stack([median - half_width, median, median + half_width], axis=-1)
        scale = interval_scale(paths, truth, prior=0)
        covered = np.mean(np.abs(truth) <= half_width * scale.mean())
        assert covered == pytest.approx(0.8, abs=0.02)
        assert {"wider": (scale > 2).all(), "narrower": (scale < 0.5).all(),
                "same": (abs(scale - 1) < 0.1).all()}[expect]
    skewed = np.stack([median - 1.0, median, median + 1.0], axis=-1)
    low, high = interval_scale(skewed, np.abs(truth) * 2, prior=0)  # all above the median
    assert low < 0.5 < 2 < high


def test_calibrated_quantiles_keep_the_median_and_stay_ordered():
    values = _series(80)
    fitted = Combination("ets", calibrate=True).fit([values], sp=12, horizon=4)
    fitted.interval_scale_ = np.array([3.0, 0.2])  # as a calibration could find
    head = np.stack([np.full((1, 4), 150.0) + d for d in (-9.0, -1.0, 0.0, 1.0, 9.0)], axis=-1)
    levels = [0.05, 0.1, 0.5, 0.9, 0.95]
    q = fitted.combine(head, [values], levels, 4)
    assert (np.diff(q, axis=-1) >= 0).all()
    fitted.interval_scale_ = np.ones(2)
    np.testing.assert_allclose(q[..., 2], fitted.combine(head, [values], levels, 4)[..., 2])


def test_the_held_out_head_never_sees_the_values_it_is_scored_on():
    """The value just after the first validation origin is the first window's truth: a
    change to it changes the main head, but not the held-out forecast of that window
    (whose features end at the origin); the series' last value moves none of them."""
    from llmiso.forecasting._regressor import make_regressor
    from llmiso.forecasting._validation import held_out_paths

    y, V, H = load_airline(), 3, 3
    runs = {}
    for where, bump in (("none", 0.0), ("after the first origin", 500.0), ("last", 500.0)):
        changed = y.copy()
        changed.iloc[-(H + V - 1) if where == "after the first origin" else -1] += bump
        combine = Combination("ets", weights="evidence", n_validation=V)
        forecaster = LLMForecaster(**tiny(combine=combine))
        forecaster.fit(changed, fh=list(range(1, H + 1)))
        series = forecaster._panel.series
        count = len(series[0]) - 6
        paths = held_out_paths(series, [count], [count], forecaster._encode(series),
                               forecaster.baseline_, V,
                               lambda head=forecaster.head: make_regressor(
                                   head, None, with_llm=True, n_features=22, n_values=6),
                               window_length=6, horizon=H, levels=[0.1, 0.5, 0.9])
        runs[where] = forecaster, paths[0]
    np.testing.assert_allclose(runs["after the first origin"][1][0], runs["none"][1][0],
                               rtol=1e-9)
    np.testing.assert_allclose(runs["last"][1], runs["none"][1], rtol=1e-9)
    heads = [runs[k][0].regressor_[-1].coef_ for k in runs]
    assert not np.allclose(heads[0], heads[1]) and not np.allclose(heads[0], heads[2])
    # The forecaster's weights read those forecasts.
    np.testing.assert_allclose(runs["none"][0].combiner_.validation_errors_[0, 0],
                               np.abs(runs["none"][1][..., 1] - _airline_truth(y, V, H)).mean())


def _airline_truth(y, V, H):
    values = y.to_numpy(dtype=float)
    starts = np.arange(len(values) - H - V + 1, len(values) - H + 1)
    return values[starts[:, None] + np.arange(H)]


def test_the_forecaster_combines_by_evidence_and_says_which_members_won():
    y = load_airline()
    combine = Combination(("ets", "theta"), weights="evidence", calibrate=True,
                          average="quantiles")
    forecaster = LLMForecaster(**tiny(combine=combine)).fit(y, fh=[1, 2, 3])
    combiner = forecaster.combiner_
    assert combiner.member_names_ == ["head", "AutoETS", "AutoTheta"]
    assert combiner.weights_.shape == (1, 3) and not np.allclose(combiner.weights_, 1 / 3)
    assert np.isfinite(combiner.validation_errors_).all()
    q = forecaster.predict_quantiles(alpha=[0.1, 0.5, 0.9]).to_numpy()
    assert (np.diff(q, axis=1) > 0).all()
    assert forecaster.get_params()["combine__shrinkage"] == 0.75
    # The combination is the weighted mean of the members, its intervals calibrated.
    members = forecaster.member_quantiles(alpha=[0.1, 0.5, 0.9])
    assert list(members) == ["head", "AutoETS", "AutoTheta"]
    weighted = sum(w * m.to_numpy() for w, m in zip(combiner.weights_[0], members.values(),
                                                    strict=True))
    np.testing.assert_allclose(q[:, 1], weighted[:, 1], rtol=1e-9)
    low, high = combiner.interval_scale_
    np.testing.assert_allclose(q[:, 0], weighted[:, 1] - low * (weighted[:, 1] - weighted[:, 0]),
                               rtol=1e-9)


@pytest.mark.parametrize("name", ["ces", "arima", "dotm"])
def test_the_stronger_pool_is_reachable_by_name(name):
    from llmiso.forecasting._statistical import make_models

    assert len(make_models(("ets", name), 12)) == 2


def test_series_with_few_origins_get_fewer_validation_windows():
    """The held-out head learns from n_origins origins before the validation windows
    (embedded for it); a series with fewer origins is scored on fewer windows, the
    members on the same ones; one too short for any gets equal weights."""
    rng = np.random.default_rng(3)
    index = pd.period_range("2000-01", periods=60, freq="M")
    frames = [pd.DataFrame({"y": 50 + np.sin(np.arange(n) / 2) * 5 + rng.normal(size=n)},
                           index=pd.MultiIndex.from_product([[k], index[-n:]]))
              for k, n in (("long", 60), ("short", 15), ("tiny", 9))]
    y = pd.concat(frames)
    combine = Combination("ets", weights="evidence", n_validation=6)
    forecaster = LLMForecaster(**tiny(combine=combine, n_origins=8)).fit(y, fh=[1, 2, 3])
    paths = forecaster.combiner_.validation_paths_
    assert [None if p is None else p.shape[1] for p in paths] == [6, 4, None]
    np.testing.assert_allclose(forecaster.combiner_.weights_[2], 0.5)


def test_a_default_forecasters_parts_are_reachable_by_set_params():
    """The docstring's ``combine__weights`` (and every part's parameters) on a forecaster
    built with no arguments: each shortcut becomes the part fit would build from it."""
    from llmiso import IsotropyCenterer, SoftmaxHeadForecaster
    from llmiso.forecasting import forecasting_embedder

    forecaster = LLMForecaster().set_params(combine__weights="evidence", head__alpha=0.5,
                                            embedder__layer=3, centerer__method="abtt")
    params = forecaster.get_params()
    assert params["combine"].get_params() == Combination(weights="evidence").get_params()
    assert params["head"].get_params() == SoftmaxHeadForecaster(
        shift_alpha=None, alpha=0.5).get_params()
    assert params["embedder"].get_params() == forecasting_embedder(layer=3).get_params()
    assert params["centerer"].get_params() == IsotropyCenterer(
        "abtt", normalize=True).get_params()
    # A part given in the same call is the one set; an estimator is kept, not copied.
    head = SoftmaxHeadForecaster(n_bins=20)
    both = LLMForecaster().set_params(combine="ets", combine__n_validation=3, head=head,
                                      head__alpha=2.0)
    assert both.combine.get_params()["models"] == "ets" and both.combine.n_validation == 3
    assert both.head is head and head.alpha == 2.0
    with pytest.raises(ValueError, match="head='pretrained' has no parameters"):
        LLMForecaster(head="pretrained").set_params(head__alpha=2.0)


@pytest.mark.parametrize("params", [{}, {"embedder": "passthrough"}, {"head": "pretrained"},
                                    {"combine": None}, {"combine": "ets"}])
def test_get_params_set_params_and_clone_round_trip(params):
    from sklearn.base import clone

    forecaster = LLMForecaster(**params)
    shallow = forecaster.get_params(deep=False)
    assert clone(forecaster).get_params(deep=False) == shallow
    assert LLMForecaster().set_params(**shallow).get_params(deep=False) == shallow


def test_a_grid_search_over_the_combinations_weights_and_models():
    from sktime.forecasting.model_selection import ForecastingGridSearchCV
    from sktime.split import SingleWindowSplitter

    y = load_airline()[:60]
    search = ForecastingGridSearchCV(
        LLMForecaster(**tiny(combine=("ets", "theta"))),
        cv=SingleWindowSplitter(window_length=48, fh=[1, 2, 3]),
        param_grid={"combine__weights": ["equal", "evidence"],
                    "combine__models": [("ets",), ("ets", "theta")]},
    ).fit(y, fh=[1, 2, 3])
    assert len(search.cv_results_) == 4
    assert set(search.best_params_) == {"combine__weights", "combine__models"}
    best = search.best_forecaster_.combiner_
    assert best.weights == search.best_params_["combine__weights"]
    assert len(best.member_names_) == 1 + len(search.best_params_["combine__models"])


LEVELS9 = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]


def test_the_mixture_is_the_mixture_of_the_members_distributions():
    """Two overlapping normals: the quantiles match the exact mixture's; two apart: the
    mixture's 10% and 90% quantiles are the members' own outer ones, far outside what
    averaging the quantiles level by level gives, and its median is between them."""
    from scipy.stats import norm

    from llmiso.forecasting import mix_quantiles

    levels = np.array(LEVELS9)
    a, b = norm.ppf(levels), norm.ppf(levels, 1, 2)
    x = np.linspace(-8, 10, 40001)
    exact = np.interp(levels, (norm.cdf(x) + norm.cdf(x, 1, 2)) / 2, x)
    np.testing.assert_allclose(mix_quantiles(np.stack([a, b]), levels), exact, atol=0.05)
    apart = np.stack([norm.ppf(levels, -3), norm.ppf(levels, 3)])
    mixed = mix_quantiles(apart, levels)
    level_wise = apart.mean(axis=0)
    assert mixed[0] < level_wise[0] - 2 and mixed[-1] > level_wise[-1] + 2
    np.testing.assert_allclose(mixed[0], norm.ppf(0.2, -3), atol=0.05)  # half its mass
    assert abs(mixed[4]) < 1e-6  # the middle of the gap between them
    # Weights per series: all on one member gives that member back.
    per_series = np.stack([np.tile(a, (2, 1)), np.tile(b, (2, 1))])
    np.testing.assert_allclose(mix_quantiles(per_series, levels, np.array([[1, 0], [0, 1]])),
                               np.stack([a, b]), atol=1e-6)


def test_a_wider_member_widens_the_mixture_around_the_same_median():
    from llmiso.forecasting import mix_quantiles

    levels = np.array(LEVELS9)
    narrow = np.linspace(-1, 1, 9)
    for factor in (2.0, 4.0):
        mixed = mix_quantiles(np.stack([narrow, factor * narrow]), levels)
        assert abs(mixed[4]) < 1e-6
        assert narrow[-1] < mixed[-1] < factor * narrow[-1]
        assert np.all(np.diff(mixed) > 0)


def test_the_forecasters_quantiles_are_the_mixture_of_its_members():
    """What predict_quantiles gives is mix_quantiles of member_quantiles with the
    weights; ordered at every level; and the quantile average when asked."""
    from sktime.datasets import load_airline

    from llmiso.forecasting import Combination, LLMForecaster, mix_quantiles

    y = load_airline().iloc[:80]
    forecaster = LLMForecaster(**tiny(combine=Combination(("ets", "theta")), sp=12,
                                      window_length=12)).fit(y, fh=[1, 2, 3])
    q = forecaster.predict_quantiles(alpha=LEVELS9).to_numpy()
    members = np.stack([frame.to_numpy() for frame in
                        forecaster.member_quantiles(alpha=LEVELS9).values()])
    np.testing.assert_allclose(q, mix_quantiles(members, LEVELS9), rtol=1e-9)
    assert np.all(np.diff(q, axis=1) > 0)
    np.testing.assert_allclose(forecaster.predict().to_numpy().ravel(), q[:, 4])
    forecaster.set_params(combine__average="quantiles").fit(y, fh=[1, 2, 3])
    np.testing.assert_allclose(forecaster.predict_quantiles(alpha=LEVELS9).to_numpy(),
                               members.mean(axis=0), rtol=1e-9)
