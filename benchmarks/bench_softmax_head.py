"""Fit time of SoftmaxHeadForecaster on 10,000 x 576 features with 256 bins and 12 outputs,
and against scikit-learn's LogisticRegression on real head features.

    python benchmarks/bench_softmax_head.py [--quick]
    python benchmarks/bench_softmax_head.py --against-sklearn [--series 100]
    python benchmarks/bench_softmax_head.py --calibration

``--against-sklearn``: the features and targets LLMForecaster's head is fitted on
for M3 monthly series (every value; SmolLM2's embedding centered and scaled beside
the scaled window: 600 columns; 12 outputs), binned as the head bins them; each
output fitted by the head's own L-BFGS and by ``LogisticRegression(solver="lbfgs",
C=1/alpha)`` on the bin labels (the same penalised cross-entropy: sklearn sums the
loss where the head averages it, hence C = 1/alpha). Prints seconds and each
solver's objective (mean cross-entropy plus the penalty) at its solution.

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

import numpy as np


def features(kind, n, rng):
    X = rng.standard_normal((n, 576))
    if kind == "embedding-like":
        X = X * np.logspace(0, -2, 576) + rng.normal(size=576)
    return X.astype(np.float32)


def _recording_head():
    """A softmax head that only keeps what LLMForecaster fits it on (its features and
    scaled targets, NaN where a window has no value that many steps ahead)."""
    from llmiso import SoftmaxHeadForecaster

    class Recording(SoftmaxHeadForecaster):
        def fit(self, X, y):
            self.X_, self.y_ = np.asarray(X, dtype=np.float32), np.asarray(y)
            return self

        def predict_quantiles(self, X, quantiles=(0.5,)):
            return np.zeros((len(X), self.y_.shape[1], len(quantiles)))

    return Recording()


def real_head_problem(n_series, quick):
    """(features, targets) of LLMForecaster's head on M3 monthly, as its fit gives them."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from _competitions import load, panel

    from llmiso import LLMEmbedder
    from llmiso.forecasting import LLMForecaster

    model = "tiny-random-llama" if quick else "smollm2-135m"
    forecaster = LLMForecaster(
        LLMEmbedder(model, cache_dir="benchmarks/results/embedding-cache/softmax-head"),
        head=_recording_head(), window_length=24, encoding="series", sp=12)
    # The head is the pipeline's last step: it records the features after the isotropy step.
    head = forecaster.fit(panel(load("M3 monthly", n_series)), fh=list(range(1, 13))).regressor_[-1]
    return head.X_, head.y_


def against_sklearn(n_series, quick):
    from sklearn.linear_model import LogisticRegression

    from llmiso import SoftmaxHeadForecaster
    from llmiso.head import softmax_objective

    X, Y = real_head_problem(n_series, quick)
    alpha = 1.0
    ours = SoftmaxHeadForecaster(alpha=alpha, shift_alpha=None, n_jobs=1)
    start = time.perf_counter()
    ours.fit(X, Y)
    ours_seconds = time.perf_counter() - start
    print(f"{X.shape[0]} x {X.shape[1]} head features, {Y.shape[1]} outputs, "
          f"{ours.n_bins} bins, alpha {alpha}")
    objective = {"ours": [], "sklearn": []}
    sk_seconds = 0.0
    for h in range(Y.shape[1]):
        known = np.isfinite(Y[:, h])
        labels = np.searchsorted(ours.bin_edges_[1:-1], Y[known, h], side="right")
        start = time.perf_counter()
        sk = LogisticRegression(C=1.0 / alpha, solver="lbfgs", max_iter=300, tol=1e-4)
        sk.fit(X[known], labels)
        sk_seconds += time.perf_counter() - start
        # Both solutions on the head's own objective: bins sklearn never saw get -inf.
        W = np.zeros((ours.n_bins, X.shape[1]))
        b = np.full(ours.n_bins, -1e4)
        W[sk.classes_], b[sk.classes_] = sk.coef_, sk.intercept_
        targets = (np.arange(known.sum()), labels, np.ones(known.sum()))
        f = softmax_objective(X[known], targets, n_bins=ours.n_bins, alpha=alpha)
        for name, (w, bias) in {"ours": (ours.coef_[h], ours.intercept_[h]),
                                "sklearn": (W, b)}.items():
            objective[name].append(f(np.concatenate([w.T.ravel(), bias]))[0])
    print(f"SoftmaxHeadForecaster (L-BFGS, preconditioned where ill-conditioned), n_jobs=1: "
          f"{ours_seconds:6.1f} s, mean objective {np.mean(objective['ours']):.5f}")
    print(f"LogisticRegression(solver='lbfgs', C=1/alpha), one output at a time:        "
          f"{sk_seconds:6.1f} s, mean objective {np.mean(objective['sklearn']):.5f}")
    print(f"objective, ours - sklearn, per output: "
          f"{np.round(np.subtract(objective['ours'], objective['sklearn']), 5).tolist()}")


def calibration():
    """The issue's linear-Gaussian target: held-out R^2 and 10%-90% coverage per setting."""
    from llmiso import SoftmaxHeadForecaster

    def data(seed, n):
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(n, 20))
        return X, X @ np.random.default_rng(99).normal(size=20) + rng.normal(scale=0.5, size=n)

    X, y = data(0, 1500)
    Xt, yt = data(1, 5000)
    settings = [{"shift_alpha": None}, {"n_basis": 8, "alpha": 1e-3, "shift_alpha": None}, {},
                {"alpha": 10.0}, {"alpha": 100.0}, {"shift_alpha": 1.0, "alpha": 100.0}]
    for params in settings:
        start = time.perf_counter()
        head = SoftmaxHeadForecaster(**params).fit(X, y)
        seconds = time.perf_counter() - start
        q = head.predict_quantiles(Xt, [0.1, 0.5, 0.9])
        r2 = 1 - np.mean((yt - q[:, 1]) ** 2) / np.var(yt)
        covered = np.mean((yt >= q[:, 0]) & (yt <= q[:, 2]))
        print(
            f"SoftmaxHeadForecaster({params or 'defaults'}): R^2 {r2:.3f}, coverage {covered:.3f}, "
            f"{head.n_iter_} iterations, {seconds:.2f} s"
        )


def product_floor(n, d, n_bins):
    """Seconds of one evaluation's two (n x d+1) x (d+1 x n_bins) float32 products on
    one thread, measured now (a fit on two threads has half of that per evaluation)."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(1)
    a = rng.normal(size=(n, d + 1)).astype(np.float32)
    b = rng.normal(size=(d + 1, n_bins)).astype(np.float32)
    with threadpool_limits(1, user_api="blas"):
        a @ b
        start = time.perf_counter()
        for _ in range(10):
            a @ b
        return 2 * (time.perf_counter() - start) / 10


def issue_problem(n, d, n_outputs, rng):
    """Standard-normal features; each output the sum of ten features plus noise that
    grows with the step (issue 37's problem)."""
    X = rng.normal(size=(n, d)).astype(np.float32)
    signal = X[:, :10].sum(axis=1)
    return X, np.column_stack([signal + rng.normal(size=n) * (1 + h / 4)
                               for h in range(n_outputs)])


def floor(quick, real=False, sweep=False):
    """The fit of 12 outputs with 256 bins (the defaults, and the forecaster's head with
    no shift term; n_jobs=None, so every core) against the floor of its products
    measured in the same run: each evaluation is two (n x d+1) x (d+1 x 256) float32
    products, at the rate one thread reaches on that shape, on two threads. Problems:
    issue 37's (10,000 x 576 standard-normal features), the one this benchmark
    used before (a scaled signal), and with ``real`` the forecaster's own head
    features on M3 monthly. ``sweep``: 1 to 12 outputs of issue 37's problem, each
    time against the last."""
    from llmiso import SoftmaxHeadForecaster

    n, d, n_bins, n_outputs = (2000, 64, 32, 4) if quick else (10_000, 576, 256, 12)
    rng = np.random.default_rng(0)
    problems = {"issue 37": issue_problem(n, d, n_outputs, rng)}
    X = rng.normal(size=(n, d)).astype(np.float32)
    signal = X[:, :10] @ rng.normal(size=10)
    y = signal / signal.std() * 3 + rng.normal(size=n)
    problems["scaled signal"] = (X, np.column_stack([y + rng.normal(size=n) * h / 4
                                                     for h in range(n_outputs)]))
    if real:
        problems["M3 monthly head features"] = real_head_problem(5 if quick else 100, quick)
    for name, (X, Y) in problems.items():
        per_evaluation = product_floor(len(X), X.shape[1], n_bins)
        for params in ({}, {"shift_alpha": None}):
            last = None
            swept = sweep and name == "issue 37"
            for outputs in range(1, Y.shape[1] + 1) if swept else [Y.shape[1]]:
                head = SoftmaxHeadForecaster(n_bins=n_bins, **params)
                start = time.perf_counter()
                head.fit(X, Y[:, :outputs])
                seconds = time.perf_counter() - start
                evaluations = int(head.n_evaluations_.sum())
                made = evaluations * per_evaluation / 2
                at_36 = outputs * 36 * per_evaluation / 2
                jump = "" if last is None else f", {seconds / last:.2f}x the fit of one fewer"
                last = seconds
                print(f"{name}: SoftmaxHeadForecaster({params or 'defaults'}), {len(X)} x "
                      f"{X.shape[1]}, {n_bins} bins, {outputs} outputs: {seconds:.1f} s, "
                      f"{evaluations} evaluations ({evaluations / outputs:.0f} per output); "
                      f"floor {made:.1f} s for the evaluations made (fit / floor "
                      f"{seconds / made:.2f}x), {at_36:.1f} s for 36 per output (fit / that "
                      f"floor {seconds / at_36:.2f}x){jump}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 rows, 32 bins, 2 outputs")
    parser.add_argument("--calibration", action="store_true",
                        help="the linear-Gaussian target: R^2 and coverage per setting")
    parser.add_argument("--against-sklearn", action="store_true",
                        help="real head features: ours against LogisticRegression")
    parser.add_argument("--series", type=int, default=100, help="M3 monthly series")
    parser.add_argument("--floor", action="store_true",
                        help="the defaults' fit against the floor of its products")
    parser.add_argument("--real", action="store_true",
                        help="with --floor: also the forecaster's head features on M3 monthly")
    parser.add_argument("--sweep", action="store_true",
                        help="with --floor: 1 to 12 outputs, each against the last")
    args = parser.parse_args()
    if args.floor:
        return floor(args.quick, real=args.real, sweep=args.sweep)
    if args.calibration:
        return calibration()
    if args.against_sklearn:
        return against_sklearn(5 if args.quick else args.series, args.quick)
    n, n_bins, n_outputs = (500, 32, 2) if args.quick else (10_000, 256, 12)

    from llmiso import SoftmaxHeadForecaster

    solvers = {"plain": False, "preconditioned": True, "default": "auto"}
    rng = np.random.default_rng(0)
    for kind in ("isotropic", "embedding-like"):
        X = features(kind, n, rng)
        signal = X[:, :10] @ rng.normal(size=10)
        y = signal / signal.std() * 3 + rng.normal(size=n)
        Y = np.column_stack([y + rng.normal(size=n) * h / 4 for h in range(n_outputs)])
        for name, precondition in solvers.items():
            fitted = {}
            for n_jobs in (2, 1) if name == "default" else (2,):
                head = SoftmaxHeadForecaster(n_bins=n_bins, n_jobs=n_jobs,
                                             precondition=precondition)
                start = time.perf_counter()
                head.fit(X, Y)
                seconds = time.perf_counter() - start
                fitted[n_jobs] = head
                print(
                    f"{kind:14s} {n} x 576, {n_bins} bins, {n_outputs} outputs, {name:14s} "
                    f"n_jobs={n_jobs}: fit {seconds:6.2f} s, {head.n_iter_:4d} L-BFGS iterations "
                      f"(most per "
                    f"output), in-sample NLL {head.negative_log_likelihood(X, Y):.4f}",
                    flush=True,
                )
            if len(fitted) == 2:
                print("  n_jobs=2 gives the same coefficients as n_jobs=1: "
                      f"{np.array_equal(fitted[1].coef_, fitted[2].coef_)}")


if __name__ == "__main__":
    main()
