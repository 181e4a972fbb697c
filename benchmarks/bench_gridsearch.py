"""GridSearchCV over isotropy transforms and head penalties, embedding cache on vs off.

    python benchmarks/bench_gridsearch.py [--windows 60] [--quick]

12 candidates (4 IsotropyCenterer methods x 3 alphas) x 3 folds, sequential. With
the cache, each window is embedded once for the whole search; the target is a
search costing at most 1.5x one embedding pass of the same windows.
"""

import argparse
import os
import sys
import tempfile
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _data import real_windows  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=60)
    parser.add_argument("--quick", action="store_true", help="tiny random model")
    args = parser.parse_args()

    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
    from sklearn.pipeline import make_pipeline

    from llmiso import IsotropyCenterer, LLMEmbedder, MeanScaledRegressor, SoftmaxHeadForecaster
    from llmiso.metrics import isotropy_scorer

    warnings.filterwarnings("ignore", category=UserWarning)  # IsoScore on few held-out rows
    model = "tiny-random-llama" if args.quick else "smollm2-135m"
    windows = real_windows(args.windows + 1, window=25)
    X, y = windows[:, :24], windows[:, 24]
    LLMEmbedder(model).fit(X[:1])  # load the model outside the timings

    def search(cache_dir):
        pipe = MeanScaledRegressor(make_pipeline(
            LLMEmbedder(model, cache_dir=cache_dir), IsotropyCenterer(), SoftmaxHeadForecaster()
        ))
        grid = {
            "regressor__isotropycenterer__method": ["none", "center", "abtt", "whiten"],
            "regressor__softmaxheadforecaster__alpha": [0.1, 1.0, 10.0],
        }
        return GridSearchCV(
            pipe, grid, cv=TimeSeriesSplit(n_splits=3),
            scoring={"mae": "neg_mean_absolute_error", "isotropy": isotropy_scorer}, refit="mae",
        )

    start = time.perf_counter()
    LLMEmbedder(model).fit(X).transform(X)
    one_pass = time.perf_counter() - start
    print(f"{len(X)} windows, model {model}: one embedding pass {one_pass:.1f} s")

    with tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        cached = search(cache).fit(X, y)
        with_cache = time.perf_counter() - start
    print(f"GridSearchCV, 12 candidates x 3 folds + refit, cache on : {with_cache:7.1f} s "
          f"= {with_cache / one_pass:.2f}x one pass")
    start = time.perf_counter()
    uncached = search(None).fit(X, y)
    without = time.perf_counter() - start
    print(f"GridSearchCV, 12 candidates x 3 folds + refit, cache off: {without:7.1f} s "
          f"= {without / one_pass:.2f}x one pass")
    print(f"speed-up from the cache: {without / with_cache:.1f}x")
    same = np.allclose(cached.cv_results_["mean_test_mae"], uncached.cv_results_["mean_test_mae"])
    print(f"same scores with and without the cache: {same}")


if __name__ == "__main__":
    main()
