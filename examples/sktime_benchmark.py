"""LLMForecaster in sktime: evaluate() with an expanding window, and a ForecastingBenchmark
beside the same forecaster without the LLM, seasonal naive, AutoETS and AutoTheta.

    python examples/sktime_benchmark.py [--quick]   # --quick: a smoke test, tiny random model
"""

import argparse
import warnings

import pandas as pd
from sktime.benchmarking.forecasting import ForecastingBenchmark
from sktime.datasets import load_airline, load_shampoo_sales
from sktime.forecasting.model_evaluation import evaluate
from sktime.forecasting.naive import NaiveForecaster
from sktime.forecasting.statsforecast import StatsForecastAutoETS, StatsForecastAutoTheta
from sktime.performance_metrics.forecasting import MeanAbsoluteScaledError
from sktime.split import ExpandingWindowSplitter

from llmiso import LLMEmbedder
from llmiso.forecasting import LLMForecaster

warnings.filterwarnings("ignore", category=FutureWarning)  # sktime's notices of new defaults
parser = argparse.ArgumentParser()
parser.add_argument("--quick", action="store_true",
                    help="one origin, a 3-month horizon, the tiny random model (a smoke test)")
args = parser.parse_args()
model = "tiny-random-llama" if args.quick else "smollm2-135m"
horizon = 3 if args.quick else 6
origins = 1 if args.quick else 3

# 1. evaluate: a rolling-origin backtest of one forecaster on one series.
y = load_shampoo_sales()
cv = ExpandingWindowSplitter(
    fh=list(range(1, horizon + 1)), initial_window=len(y) - origins * horizon, step_length=horizon
)
forecaster = LLMForecaster(LLMEmbedder(model, cache_dir="llmiso-output/embedding-cache"),
                           window_length=12)
results = evaluate(forecaster, cv, y, scoring=MeanAbsoluteScaledError(sp=12))
print("shampoo sales, LLMForecaster, MASE per origin:")
print(results[["cutoff", "test_MeanAbsoluteScaledError"]].to_string(index=False))

# 2. ForecastingBenchmark: several forecasters on several series, one table.
benchmark = ForecastingBenchmark()
benchmark.add_estimator(forecaster, estimator_id="LLMForecaster")
benchmark.add_estimator(forecaster.clone().set_params(embedder="passthrough"),
                        estimator_id="same-without-LLM")
benchmark.add_estimator(NaiveForecaster(strategy="last", sp=12), estimator_id="seasonal-naive")
benchmark.add_estimator(StatsForecastAutoETS(season_length=12), estimator_id="AutoETS")
benchmark.add_estimator(StatsForecastAutoTheta(season_length=12), estimator_id="AutoTheta")
for loader in (load_airline, load_shampoo_sales):
    n = len(loader())
    benchmark.add_task(
        loader,
        ExpandingWindowSplitter(fh=list(range(1, horizon + 1)),
                                initial_window=n - origins * horizon, step_length=horizon),
        [MeanAbsoluteScaledError(sp=12)],
    )
benchmark.run("llmiso-output/benchmark.csv", force_rerun="all")
results = pd.read_csv("llmiso-output/benchmark.csv")  # one row per (task, model)
table = pd.DataFrame({
    "dataset": results["validation_id"].str.extract(r"dataset=load_(\w+)\]")[0],
    "model": results["model_id"],
    "MASE": results["means.MeanAbsoluteScaledError"],
}).pivot(index="dataset", columns="model", values="MASE")
print("\nForecastingBenchmark, mean MASE over origins:")
print(table.round(3).to_string())
