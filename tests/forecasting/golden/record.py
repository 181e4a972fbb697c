"""Record the golden forecasts that the refactor of LLMForecaster must not change.

    python tests/forecasting/golden/record.py   # writes golden.npz beside this file

Recorded once, before LLMForecaster was split into parts (issue 30), on the tiny
random model in float32; ``tests/forecasting/test_golden.py`` fits the same
configurations and compares. Re-record only for a change that is meant to move
forecasts, and say so in the commit.
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
LEVELS = [0.1, 0.5, 0.9]


def panel():
    """Three monthly series of 40 values at different levels, trend and season."""
    t = np.arange(40.0)
    rng = np.random.default_rng(7)
    index = pd.period_range("2001-01", periods=40, freq="M")
    frames = []
    for key, level in (("a", 10.0), ("b", 200.0), ("c", 3_000.0)):
        values = level * (1 + 0.01 * t + 0.2 * np.sin(2 * np.pi * t / 12)
                          + 0.03 * rng.normal(size=40))
        frames.append(pd.DataFrame({"y": values}, index=pd.MultiIndex.from_product(
            [[key], index], names=["id", "time"])))
    return pd.concat(frames)


def configurations():
    """Name -> LLMForecaster parameters: the defaults and the variants the issue names."""
    from llmiso import LLMEmbedder, SoftmaxHeadForecaster
    from llmiso.forecasting import Combination, SeriesPass

    def plain(models):  # the plain average, as the default was when this was recorded
        return Combination(models, weights="equal", calibrate=False, average="quantiles")

    def params(**changes):
        return {"embedder": LLMEmbedder("tiny-random-llama", dtype="float32", layer=-1),
                "head": SoftmaxHeadForecaster(n_bins=20, shift_alpha=None),
                "combine": plain(("ets", "theta")), "window_length": 12,
                "encoding": "auto", **changes}

    return {
        "default": params(),
        "head_alone": params(combine=None),
        "no_llm": params(embedder="passthrough"),
        "statistical_baseline": params(baseline="theta", combine=plain("ets")),
        "series_recursive": params(encoding=SeriesPass(stride=12), combine=None,
                                   strategy="recursive"),
    }


def outputs(forecaster, y):
    """The arrays compared: forecasts, quantiles, intervals and fitted attributes."""
    head = forecaster.regressor_[-1]
    found = {
        "predict": forecaster.predict(fh=[1, 2, 3]).to_numpy(),
        "quantiles": forecaster.predict_quantiles(fh=[1, 2, 3], alpha=LEVELS).to_numpy(),
        "interval": forecaster.predict_interval(fh=[1, 2, 3], coverage=0.8).to_numpy(),
        "coef": head.coef_, "intercept": head.intercept_, "bin_edges": head.bin_edges_,
        "head_features": forecaster.head_features(y),
        "n_embedding_features": np.array(forecaster.n_embedding_features_),
        "sp": np.array(forecaster.sp_),
    }
    return found


def fit(name, params):
    from llmiso.forecasting import LLMForecaster

    y = panel()
    fh = [1] if params.get("strategy") == "recursive" else [1, 2, 3]
    return LLMForecaster(**params).fit(y, fh=fh), y


def record():
    arrays = {}
    for name, params in configurations().items():
        forecaster, y = fit(name, params)
        for key, value in outputs(forecaster, y).items():
            arrays[f"{name}/{key}"] = value
    np.savez(HERE / "golden.npz", **arrays)
    return arrays


if __name__ == "__main__":
    import os

    os.environ.setdefault("LLMISO_DTYPE", "float32")
    print(f"recorded {len(record())} arrays in {HERE / 'golden.npz'}")
