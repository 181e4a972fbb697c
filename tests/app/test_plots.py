"""The fan chart: the median, its 50% and 80% bands, and the members' medians."""

import numpy as np
import pandas as pd
from conftest import tiny


def _fitted(panel=False):
    from sktime.datasets import load_airline

    from llmiso.forecasting import LLMForecaster

    y = load_airline().iloc[:72]
    if panel:
        y = pd.concat({"a": y.to_frame("y"), "b": (2 * y).to_frame("y")},
                      names=["series", "time"])
    forecaster = LLMForecaster(**tiny(combine=("ets", "theta"), sp=12, window_length=12))
    return y, forecaster.fit(y, fh=[1, 2, 3])


def test_a_fan_chart_draws_both_bands_and_each_members_median():
    from llmiso.app import plot_fan_chart

    y, forecaster = _fitted()
    ax = plot_fan_chart(y, forecaster).axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[:2] == ["actual", "median"]
    assert [label.split(" (")[0] for label in labels[2:]] == ["head", "AutoETS", "AutoTheta"]
    # Each dashed line is that member's median.
    members = forecaster.member_quantiles(alpha=[0.5])
    for line, frame in zip(ax.get_lines()[2:], members.values(), strict=True):
        np.testing.assert_allclose(line.get_ydata(), frame.to_numpy().ravel())
    # The bands' edges are the quantiles 0.1-0.9 (80%) and 0.25-0.75 (50%).
    q = forecaster.predict_quantiles(alpha=[0.1, 0.25, 0.75, 0.9]).to_numpy()
    for band, (low, high) in zip(ax.collections[:2], [(0, 3), (1, 2)], strict=True):
        edges = set(np.round(band.get_paths()[0].vertices[:, 1], 6))
        assert set(np.round(q[:, [low, high]].ravel(), 6)) <= edges


def test_a_fan_chart_of_one_series_of_a_panel():
    from llmiso.app import plot_fan_chart

    y, forecaster = _fitted(panel=True)
    second = y.xs("b", level=0)["y"]
    ax = plot_fan_chart(second, forecaster, series="b").axes[0]
    median = forecaster.predict().xs("b", level=0).to_numpy().ravel()
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), median)
    assert np.median(ax.get_lines()[1].get_ydata()) > 1.5 * second.iloc[:24].mean()
