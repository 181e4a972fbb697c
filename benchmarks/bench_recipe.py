"""What each choice of the planning recipe is worth, on the folds it was measured on.

    python benchmarks/bench_recipe.py [--quick]

Folds: airline 12 months ahead with windows of 24, lynx and shampoo 6 steps ahead
with windows of 12; two rolling origins each. The recipe: SmolLM2-135M, layer 24,
prompts ending with the separator, centered and scaled to unit mean norm, 122 bins
fixed on [0, 3] of the target divided by its window's level (two of them open-ended),
penalty 0.1 (sklearn's C = 10), no baseline (the head learns the scaled value
itself). Each row changes one thing; the last rows are LLMForecaster's defaults
(which correct the seasonal naive forecast) and the same without the LLM. Scores:
MASE relative to seasonal naive, geometric mean over the three series, and 80%
interval coverage.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from bench_accuracy import score_fold  # noqa: E402


def configurations(model, cache_dir, deep=24):
    """LLMForecaster's components per row, one change each; ``deep`` is the recipe's layer
    (24 of SmolLM2's 30). The recipe reads the embedding alone and learns the scaled
    value itself; the rows that say so add the window or a baseline."""
    from sklearn.base import clone

    from llmiso import IsotropyCenterer, LLMEmbedder, SoftmaxHeadForecaster

    llm = LLMEmbedder(model, layer=deep, cache_dir=cache_dir)
    centered = IsotropyCenterer("center", normalize=True)
    fixed = dict(n_bins=122, bin_range=(0, 3), bin_placement="fixed")

    def recipe(embedder=llm, centerer=centered, alpha=0.1, bins=fixed, n_basis=None, **rest):
        return {"embedder": embedder, "centerer": centerer,
                "head": SoftmaxHeadForecaster(alpha=alpha, n_basis=n_basis, **bins),
                "include_values": False, "baseline": None, **rest}

    defaults = {"embedder": clone(llm).set_params(layer=-1)}
    return {
        "the recipe": recipe(),
        "no trailing separator (prompt ends on the last digit)": recipe(
            embedder=clone(llm).set_params(trailing_separator=False)),
        "not scaled to unit mean norm": recipe(centerer=IsotropyCenterer("center")),
        "not centered (scaled to unit mean norm)": recipe(
            centerer=IsotropyCenterer("none", normalize=True)),
        "last layer": recipe(embedder=clone(llm).set_params(layer=-1)),
        "layer 12": recipe(embedder=clone(llm).set_params(layer=12)),
        "bins from the target's robust scale (100)": recipe(bins={}),
        "penalty 1": recipe(alpha=1.0),
        "weights tied by a basis over the bins (n_basis=8)": recipe(n_basis=8),
        "one pass over the series (encoding='series')": recipe(encoding="series"),
        "same head, no LLM": recipe(embedder="passthrough"),
        "LLM + the scaled window (include_values=True)": recipe(include_values=True),
        "the seasonal naive baseline (bins from the robust scale, penalty 1)": recipe(
            baseline="seasonal_naive", alpha=1.0, bins={}),
        "LLMForecaster's defaults": defaults,
        "LLMForecaster's defaults, no LLM": {"embedder": "passthrough"},
        "LLMForecaster's defaults, baseline='auto' (seasonal naive where a test finds a season)":
            {**defaults, "baseline": "auto"},
        "the same, no LLM": {"embedder": "passthrough", "baseline": "auto"},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny model, shampoo only")
    parser.add_argument("--cache-dir", default="benchmarks/results/embedding-cache/recipe")
    args = parser.parse_args()
    from sktime.datasets import load_airline, load_lynx, load_shampoo_sales
    from sktime.forecasting.naive import NaiveForecaster
    from tqdm.auto import tqdm

    from llmiso.forecasting import LLMForecaster

    warnings.filterwarnings("ignore")  # sktime's notices about future defaults
    model = "tiny-random-llama" if args.quick else "smollm2-135m"
    # name: (series, seasonal period, horizon, window)
    data = {"shampoo": (load_shampoo_sales(), 12, 6, 12)}
    if not args.quick:
        data = {"airline": (load_airline(), 12, 12, 24), "lynx": (load_lynx(), 10, 6, 12), **data}
    rows, start = [], time.perf_counter()
    for name, (y, sp, horizon, window) in data.items():
        configs = configurations(model, f"{args.cache_dir}/{name}",
                                 deep=-1 if args.quick else 24)
        if args.quick:
            configs = {k: configs[k] for k in ("the recipe", "same head, no LLM")}
        for label, config in tqdm(configs.items(), desc=name, file=sys.stderr):
            y = y.astype(float)
            # The season the naive forecast gets, where it fits a window.
            forecaster = LLMForecaster(window_length=window, sp=sp if sp <= window else 1,
                                       **config)
            ours, naive = [], []
            for k in range(2):
                cut = len(y) - (2 - k) * horizon
                train, test = y.iloc[:cut], y.iloc[cut : cut + horizon]
                ours.append(score_fold(forecaster, train, test, sp)[1])
                naive.append(
                    score_fold(NaiveForecaster(strategy="last", sp=sp), train, test, sp)[1]
                )
            rows.append(
                {
                    "change": label,
                    "series": name,
                    "rel_MASE": np.mean([f["MASE"] for f in ours])
                    / np.mean([f["MASE"] for f in naive]),
                    "coverage80": np.mean([f["coverage80"] for f in ours]),
                }
            )
    table = pd.DataFrame(rows)
    summary = table.groupby("change", sort=False).agg(
        geomean_rel_MASE=("rel_MASE", lambda v: float(np.exp(np.log(v).mean()))),
        coverage80=("coverage80", "mean"),
    ).join(table.pivot_table(index="change", columns="series", values="rel_MASE", sort=False))
    pd.set_option("display.width", 200)
    print(summary.round(3).to_string())
    print(f"\n({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
