"""
LLMForecaster in sktime's evaluate and ForecastingBenchmark
===========================================================

:class:`~llmiso.forecasting.LLMForecaster` is an sktime forecaster, so sktime's own
tools run it: :func:`~sktime.forecasting.model_evaluation.evaluate` backtests it on
one series, and :class:`~sktime.benchmarking.forecasting.ForecastingBenchmark` puts
it beside other forecasters on several. Beside it, what every accuracy table of
llmiso shows (:func:`~llmiso.app.comparison_models`): the same forecaster without
the LLM (its null: ``embedder="passthrough"``), seasonal naive, AutoETS, AutoTheta
and the plain average of AutoETS, AutoTheta and AutoCES.
"""

# %%
# A rolling-origin backtest of one series
# ---------------------------------------
import os
import tempfile
import warnings
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from sktime.benchmarking.forecasting import ForecastingBenchmark
from sktime.datasets import load_airline, load_shampoo_sales
from sktime.forecasting.model_evaluation import evaluate
from sktime.performance_metrics.forecasting import MeanAbsoluteScaledError
from sktime.split import ExpandingWindowSplitter

from llmiso.app import comparison_models
from llmiso.forecasting import LLMForecaster, forecasting_embedder

warnings.filterwarnings("ignore", category=FutureWarning)  # sktime's notices of new defaults
MODEL = os.environ.get("LLMISO_EXAMPLE_MODEL", "smollm2-135m")
OUT = Path(tempfile.mkdtemp())

horizon, origins = 6, 3
y = load_shampoo_sales()
cv = ExpandingWindowSplitter(fh=list(range(1, horizon + 1)),
                             initial_window=len(y) - origins * horizon, step_length=horizon)
forecaster = LLMForecaster(forecasting_embedder(MODEL), sp=12)
results = evaluate(forecaster, cv, y, scoring=MeanAbsoluteScaledError(sp=12))
print("shampoo sales, LLMForecaster(sp=12), MASE per origin:")
print(results[["cutoff", "test_MeanAbsoluteScaledError"]].to_string(index=False))

# %%
# A benchmark over two series
# ---------------------------
# Every forecaster is fitted on the same folds, so their errors compare fold by fold.
benchmark = ForecastingBenchmark()
for name, model in comparison_models(forecaster, sp=12, name="LLMForecaster").items():
    benchmark.add_estimator(model, estimator_id=name.split(":")[0])
for loader in (load_airline, load_shampoo_sales):
    n = len(loader())
    benchmark.add_task(
        loader,
        ExpandingWindowSplitter(fh=list(range(1, horizon + 1)),
                                initial_window=n - origins * horizon, step_length=horizon),
        [MeanAbsoluteScaledError(sp=12)],
    )
benchmark.run(str(OUT / "benchmark.csv"), force_rerun="all")
found = pd.read_csv(OUT / "benchmark.csv")
table = pd.DataFrame({
    "dataset": found["validation_id"].str.extract(r"dataset=load_(\w+)\]")[0],
    "model": found["model_id"],
    "MASE": found["means.MeanAbsoluteScaledError"],
}).pivot(index="dataset", columns="model", values="MASE")
print(table.round(3).to_string())

# %%
# The table as a picture
# ----------------------
fig = Figure(figsize=(10, 3.4), layout="constrained")
ax = fig.subplots()
table.T.plot.bar(ax=ax, rot=0)
ax.set_ylabel("MASE (mean over 3 origins)")
ax.set_title("lower is better")
