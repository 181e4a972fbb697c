"""Fit time of SoftmaxBinRegressor on 10,000 x 576 features with 256 bins.

    python benchmarks/bench_softmax_head.py [--quick]
"""

import argparse
import time

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 rows")
    args = parser.parse_args()
    n = 1000 if args.quick else 10_000

    from llmiso import SoftmaxBinRegressor

    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 576), dtype=np.float32)
    y = X[:, :10] @ rng.normal(size=10) + rng.normal(size=n)
    Y = np.column_stack([y + rng.normal(size=n) * h / 4 for h in range(12)])
    fitted = {}
    for label, target, n_jobs in [("1 output", y, 1), ("12 outputs", Y, 1),
                                  ("12 outputs", Y, 2)]:
        head = SoftmaxBinRegressor(n_bins=256, n_jobs=n_jobs)
        start = time.perf_counter()
        head.fit(X, target)
        seconds = time.perf_counter() - start
        r = np.corrcoef(head.predict(X).ravel(), np.ravel(target))[0, 1]
        fitted[label, n_jobs] = head
        print(f"{n} x 576, 256 bins, {label:10s}, n_jobs={n_jobs}: fit {seconds:6.2f} s, "
              f"{head.n_iter_} L-BFGS iterations (most per output), in-sample r = {r:.3f}")
    one, two = fitted["12 outputs", 1], fitted["12 outputs", 2]
    print("n_jobs=2 gives the same coefficients as n_jobs=1: "
          f"{np.array_equal(one.coef_, two.coef_)}")


if __name__ == "__main__":
    main()
