"""Fit time of SoftmaxBinRegressor on 10,000 x 576 features with 256 bins and 12 outputs.

    python benchmarks/bench_softmax_head.py [--quick]

Two kinds of features: isotropic (standard normal) and embedding-like (uncentered,
their scales spread over two decades, as an LLM's hidden states are); three solvers
in the same run: L-BFGS on the weights themselves (the plain solver), in
preconditioned coordinates, and the default, which preconditions only features
whose second moments have a condition number above PRECONDITION_ABOVE. Prints
seconds, the most L-BFGS iterations any output needed, and the mean in-sample
negative log-likelihood (lower: nearer the optimum), and checks that n_jobs=2
gives the coefficients of n_jobs=1.
"""

import argparse
import time
from functools import partial

import numpy as np


def features(kind, n, rng):
    X = rng.standard_normal((n, 576))
    if kind == "embedding-like":
        X = X * np.logspace(0, -2, 576) + rng.normal(size=576)
    return X.astype(np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 rows, 64 bins, 4 outputs")
    args = parser.parse_args()
    n, n_bins, n_outputs = (1000, 64, 4) if args.quick else (10_000, 256, 12)

    import llmiso.head._softmax as softmax_head
    from llmiso import SoftmaxBinRegressor

    default = softmax_head.fit_one_softmax
    solvers = {"plain": partial(default, precondition=False),
               "preconditioned": partial(default, precondition=True),
               "default": default}
    rng = np.random.default_rng(0)
    for kind in ("isotropic", "embedding-like"):
        X = features(kind, n, rng)
        signal = X[:, :10] @ rng.normal(size=10)
        y = signal / signal.std() * 3 + rng.normal(size=n)
        Y = np.column_stack([y + rng.normal(size=n) * h / 4 for h in range(n_outputs)])
        for name, solver in solvers.items():
            softmax_head.fit_one_softmax = solver
            fitted = {}
            for n_jobs in (2, 1) if name == "default" else (2,):
                head = SoftmaxBinRegressor(n_bins=n_bins, n_jobs=n_jobs)
                start = time.perf_counter()
                head.fit(X, Y)
                seconds = time.perf_counter() - start
                fitted[n_jobs] = head
                print(f"{kind:14s} {n} x 576, {n_bins} bins, {n_outputs} outputs, {name:14s} "
                      f"n_jobs={n_jobs}: fit {seconds:6.2f} s, {head.n_iter_:4d} L-BFGS iterations (most per "
                      f"output), in-sample NLL {head._negative_log_likelihood(X, Y):.4f}",
                      flush=True)
            if len(fitted) == 2:
                print("  n_jobs=2 gives the same coefficients as n_jobs=1: "
                      f"{np.array_equal(fitted[1].coef_, fitted[2].coef_)}")
    softmax_head.fit_one_softmax = default


if __name__ == "__main__":
    main()
