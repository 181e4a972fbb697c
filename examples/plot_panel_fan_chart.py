"""
A panel, its statistical members and their weights, as a fan chart
===================================================================

:class:`~llmiso.forecasting.LLMForecaster` forecasts every series of a panel with
one head learned across them, and combines the head's quantiles with those of
statistical models fitted to each series (AutoETS, AutoTheta and AutoCES by
default: its ``combine``). This example forecasts six quarterly US macroeconomic
series two years ahead, scores each member and the combination on the held-out
quarters, and draws the forecast as a fan chart: the median with its 50% and 80%
bands, beside each member's median.
"""

# %%
# Six quarterly series, the last two years held out
# -------------------------------------------------
import os
import warnings

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sktime.datasets import load_macroeconomic
from sktime.forecasting.naive import NaiveForecaster

from llmiso.app import plot_fan_chart
from llmiso.forecasting import LLMForecaster, forecasting_embedder
from llmiso.metrics import mean_absolute_scaled_error

warnings.filterwarnings("ignore", category=FutureWarning)  # sktime's notices of new defaults
MODEL = os.environ.get("LLMISO_EXAMPLE_MODEL", "smollm2-135m")

# The last 30 years (120 quarters) of each.
wide = load_macroeconomic()[["realgdp", "realcons", "realinv", "cpi", "m1", "pop"]].iloc[-120:]
horizon = 8
train, test = wide.iloc[:-horizon], wide.iloc[-horizon:]
# sktime's panel: one row per (series, quarter), as sktime's hierarchical data.
panel = pd.concat({name: train[[name]].set_axis(["y"], axis=1) for name in wide.columns},
                  names=["series", "quarter"])
print(f"{wide.shape[1]} series of {len(train)} quarters; forecasting {horizon} ahead")

# %%
# One forecaster for the panel
# ----------------------------
# With ``sp`` alone it takes its defaults: windows of two seasons, and (a panel of
# more than ``FIT_HEAD_FROM`` training windows) a head fitted across the series.
forecaster = LLMForecaster(forecasting_embedder(MODEL), sp=4)
forecaster.fit(panel, fh=list(range(1, horizon + 1)))
print("head:", "shipped, pretrained" if forecaster.pretrained_head_ is not None
      else "fitted on the panel", "| window:", forecaster.window_length_)
order = forecaster.predict().index.unique(level=0)  # the series, as the forecaster holds them
weights = pd.DataFrame(forecaster.combiner_.weights_, index=order,
                       columns=forecaster.combiner_.member_names_)
print("weights per series:\n" + weights.round(2).to_string())

# %%
# Each member against the combination
# -----------------------------------
# MASE on the held-out quarters (scaled by each series' in-sample seasonal naive),
# beside the same forecaster without the LLM, seasonal naive, and the plain average
# of the statistical members' forecasts.
def mase(forecast):
    """Each series' MASE of ``forecast`` (a panel's one-column frame)."""
    return pd.Series({name: mean_absolute_scaled_error(
        test[name].to_numpy(), forecast.xs(name, level=0).to_numpy().ravel(),
        y_train=train[name].to_numpy(), sp=4) for name in wide.columns})


fh = list(range(1, horizon + 1))
members = forecaster.member_quantiles(alpha=[0.5])
scores = pd.DataFrame({name.split("(")[0]: mase(frame) for name, frame in members.items()})
statistical = [frame.to_numpy() for name, frame in members.items() if name != "head"]
plain = members["head"].copy()
plain.iloc[:, :] = np.mean(statistical, axis=0)
scores["plain average of AutoETS, AutoTheta, CES"] = mase(plain)
scores["seasonal naive"] = mase(NaiveForecaster(strategy="last", sp=4).fit(panel, fh=fh)
                                .predict())
scores["same, no LLM"] = mase(forecaster.clone().set_params(embedder="passthrough")
                              .fit(panel, fh=fh).predict())
scores["combination"] = mase(forecaster.predict())
print(scores.T.round(3).to_string())
print("geometric mean:\n" + np.exp(np.log(scores).mean()).round(3).to_string())

# %%
# The fan chart
# -------------
# Two of the series, with the quarters that followed in black.
fig = Figure(figsize=(10, 3.6), layout="constrained")
for ax, name in zip(fig.subplots(1, 2), ["realgdp", "realinv"], strict=True):
    plot_fan_chart(wide[name], forecaster, series=name, history=40, ax=ax, title=name)
