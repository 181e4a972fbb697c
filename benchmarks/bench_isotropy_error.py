"""The seed paper's experiment on our models: does isotropy per layer predict forecast error?

    python benchmarks/bench_isotropy_error.py [--model NAME] [--quick] [--out DIR]

Datasets: ten Gaussian-process kernels as in Chronos's KernelSynth, drawn with
scikit-learn's GP prior on a grid of [0, 1] (seeded, no download): DotProduct
sigma_0 0 and 1, ExpSineSquared with periods of 7 and 24 steps, RationalQuadratic
alpha 1 and 10, RBF length scale 0.1 and 1, WhiteKernel noise 1 and 0.1; plus
sktime's airline, lynx and shampoo series. Two GP series of 200 values per
kernel. Every third layer of the model (and the last) is read in one pass per
series (``embed_series``: the state at the separator after each value).

Per layer and dataset: the softmax head the forecaster uses (centered, unit mean
norm, 100 bins, alpha 0.1), fitted on the first 80% of one-step-ahead windows of
each series and scored on the rest by NMSE (mean squared error of the median /
mean of y squared, the paper's); the same head on the scaled raw window (no LLM);
isotropy of the training embeddings (adjusted and raw) and, from the paper's
source, the cluster cosine of the self-attention outputs at sampled tokens.
Then: the Spearman correlation between each isotropy measure and NMSE across
(layer x dataset) with a bootstrap interval, the mean within-dataset correlation
over layers, and a leave-one-dataset-out test of a trust threshold (is "isotropy
above t" right about the LLM head beating the no-LLM head on an unseen dataset?).
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

WINDOW = 24
SUMMARY = ("uncentered_isoscore", "isoscore", "cluster_cosine", "average_cosine",
           "effective_dimension")


def kernels(length):
    from sklearn.gaussian_process.kernels import (
        RBF,
        DotProduct,
        ExpSineSquared,
        RationalQuadratic,
        WhiteKernel,
    )

    return {
        "dot_sigma0": DotProduct(sigma_0=0.0),
        "dot_sigma1": DotProduct(sigma_0=1.0),
        "periodic_7": ExpSineSquared(length_scale=1.0, periodicity=7 / length),
        "periodic_24": ExpSineSquared(length_scale=1.0, periodicity=24 / length),
        "rq_alpha1": RationalQuadratic(alpha=1.0, length_scale=0.1),
        "rq_alpha10": RationalQuadratic(alpha=10.0, length_scale=0.1),
        "rbf_0.1": RBF(length_scale=0.1),
        "rbf_1": RBF(length_scale=1.0),
        "white_1": WhiteKernel(noise_level=1.0),
        "white_0.1": WhiteKernel(noise_level=0.1),
    }


def gp_series(kernel, length, n_series, seed):
    """Seeded draws from the GP prior on a grid of [0, 1]; a small jitter keeps the
    covariance positive definite for the smooth kernels."""
    grid = np.linspace(0, 1, length)[:, None]
    cov = kernel(grid) + 1e-6 * np.eye(length)
    rng = np.random.default_rng(seed)
    return [rng.multivariate_normal(np.zeros(length), cov, method="cholesky")
            for _ in range(n_series)]


def datasets(length, n_series, real=True, names=None):
    out = {name: gp_series(k, length, n_series, seed)
           for seed, (name, k) in enumerate(kernels(length).items())
           if names is None or name in names}
    if real:
        from sktime.datasets import load_airline, load_lynx, load_shampoo_sales

        for name, load in (("airline", load_airline), ("lynx", load_lynx),
                           ("shampoo", load_shampoo_sales)):
            out[name] = [np.asarray(load(), dtype=float)]
    return out


def head():
    from sklearn.pipeline import make_pipeline

    from llmiso import IsotropyCenterer, SoftmaxHeadForecaster

    return make_pipeline(IsotropyCenterer("center", normalize=True),
                         SoftmaxHeadForecaster(n_bins=100, alpha=0.1))


def split(series, rows_per_series):
    """Train/test masks over the stacked rows: first 80% of each series' targets train."""
    train, test = [], []
    for n in rows_per_series:
        cut = int(round(0.8 * n))
        train.append(np.arange(n) < cut)
        test.append(np.arange(n) >= cut)
    return np.concatenate(train), np.concatenate(test)


def nmse(y, pred):
    return float(np.mean((y - pred) ** 2) / np.mean(y**2))


def run_dataset(embedder, series, layers, attention_windows, attention_tokens, seed):
    from llmiso.metrics import isotropy_report

    # Rows: windows that have a next value; the last window of each series has none.
    embedded = embedder.embed_series(series, WINDOW)
    feats, scales, targets, raw_windows, rows = [], [], [], [], []
    for y, (emb, scale) in zip(series, embedded, strict=True):
        n = len(y) - WINDOW
        feats.append(emb[:n])
        scales.append(scale[:n])
        targets.append(y[WINDOW:])
        raw_windows.append(np.lib.stride_tricks.sliding_window_view(y, WINDOW)[:n])
        rows.append(n)
    E, s, y = np.vstack(feats), np.concatenate(scales), np.concatenate(targets)
    W = np.vstack(raw_windows)
    train, test = split(series, rows)
    t = y / s

    def score(features):
        model = head().fit(features[train], t[train])
        return nmse(y[test], model.predict(features[test]) * s[test])

    no_llm = score(W / s[:, None])
    windows = W[np.random.default_rng(seed).choice(len(W), min(attention_windows, len(W)),
                                                   replace=False)]
    attention = embedder.attention_outputs(windows, sample_size=attention_tokens,
                                           random_state=seed)
    out = []
    width = E.shape[1] // len(layers)
    for k, layer in enumerate(layers):
        Z = E[:, k * width:(k + 1) * width].astype(np.float64)
        row = {"layer": layer, "nmse": score(Z), "nmse_no_llm": no_llm,
               "n_train": int(train.sum()), "n_test": int(test.sum())}
        if np.ptp(Z[train], axis=0).any():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                report = isotropy_report(Z[train], random_state=0)
            row.update({m: report.loc[m, "adjusted"] for m in SUMMARY})
            row.update({f"{m}_raw": report.loc[m, "raw"] for m in SUMMARY})
        if layer >= 1:
            A = attention[layer - 1].astype(np.float64)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                report = isotropy_report(A, random_state=0)
            row["attention_cluster_cosine"] = report.loc["cluster_cosine", "adjusted"]
            row["attention_cluster_cosine_raw"] = report.loc["cluster_cosine", "raw"]
        out.append(row)
    return out


def spearman_with_interval(x, y, n_boot=1000, seed=0):
    from scipy.stats import spearmanr

    ok = np.isfinite(x) & np.isfinite(y)
    x, y = np.asarray(x)[ok], np.asarray(y)[ok]
    rho = spearmanr(x, y).statistic
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(n_boot):
        i = rng.integers(0, len(x), len(x))
        if np.ptp(x[i]) > 0 and np.ptp(y[i]) > 0:
            boots.append(spearmanr(x[i], y[i]).statistic)
    low, high = np.quantile(boots, [0.025, 0.975])
    return float(rho), float(low), float(high), int(len(x))


def correlations(table, measures):
    from scipy.stats import spearmanr

    rows = []
    for m in measures:
        rho, low, high, n = spearman_with_interval(table[m], table["nmse"])
        within = [spearmanr(g[m], g["nmse"]).statistic
                  for _, g in table.dropna(subset=[m]).groupby("dataset") if g[m].nunique() > 2]
        rows.append({"measure": m, "spearman": rho, "low": low, "high": high, "points": n,
                     "within_dataset_mean": float(np.nanmean(within)) if within else np.nan})
    return pd.DataFrame(rows).set_index("measure")


def held_out_trust(table, measure, higher_is_isotropic=True):
    """Leave one dataset out: fit the threshold t on the others ("isotropy beyond t => the
    LLM head beats the no-LLM head"), score how often it is right on the left-out one;
    beside it, the majority answer of the other datasets (the rule to beat)."""
    data = table.dropna(subset=[measure]).copy()
    data["llm_wins"] = data["nmse"] < data["nmse_no_llm"]
    sign = 1 if higher_is_isotropic else -1
    right = base = total = 0
    thresholds = {}
    for left_out in data["dataset"].unique():
        fit, held = data[data["dataset"] != left_out], data[data["dataset"] == left_out]
        values = sign * fit[measure].to_numpy()
        candidates = np.unique(values)
        accuracy = [np.mean((values >= c) == fit["llm_wins"]) for c in candidates]
        t = candidates[int(np.argmax(accuracy))]
        thresholds[left_out] = float(sign * t)
        right += int(np.sum((sign * held[measure].to_numpy() >= t) == held["llm_wins"]))
        majority = fit["llm_wins"].mean() >= 0.5
        base += int(np.sum(held["llm_wins"] == majority))
        total += len(held)
    return {"measure": measure, "held_out_accuracy": right / total,
            "majority_baseline": base / total, "points": total,
            "llm_wins_share": float(data["llm_wins"].mean()),
            "threshold_median": float(np.median(list(thresholds.values())))}


def plot(table, path):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.5), layout="constrained")
    axes = fig.subplots(1, 2)
    for name, g in table.groupby("dataset", sort=False):
        best = g["nmse"].min()
        axes[0].plot(g["layer"], g["attention_cluster_cosine_raw"], marker="o", markersize=2,
                     label=f"{name} (NMSE {best:.3g})")
        axes[1].plot(g["layer"], g["cluster_cosine"], marker="o", markersize=2)
    axes[0].set_title("cluster cosine of attention outputs, raw (the paper's plot)", fontsize=10)
    axes[1].set_title("cluster cosine of the head's embeddings, adjusted (0 is isotropic)",
                      fontsize=10)
    for ax in axes:
        ax.set_xlabel("layer")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, ncol=2, title="dataset (best NMSE over layers)", title_fontsize=7)
    fig.savefig(path, dpi=110)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="a local model (default: SmolLM2-135M)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny random model, two kernels, short series (the CI smoke test)")
    parser.add_argument("--out", default="benchmarks/results/isotropy_error")
    args = parser.parse_args(argv)
    from llmiso import DEFAULT_MODEL, LLMEmbedder

    started = time.perf_counter()
    if args.quick:
        model, data = "tiny-random-llama", datasets(80, 2, real=False,
                                                   names=["rbf_0.1", "white_1"])
        attention_windows, attention_tokens = 10, 200
    else:
        model, data = args.model or DEFAULT_MODEL, datasets(200, 2)
        attention_windows, attention_tokens = 40, 1000
    probe = LLMEmbedder(model, layer=0).fit(np.ones((1, WINDOW)))
    n_layers = probe.n_model_layers_
    # Every third layer and the last: the profile's shape at a third of the head fits.
    layers = sorted(set(range(0, n_layers + 1, 1 if args.quick else 3)) | {n_layers})
    embedder = LLMEmbedder(model, layer=layers).fit(np.ones((1, WINDOW)))
    rows = []
    for seed, (name, series) in enumerate(data.items()):
        t0 = time.perf_counter()
        for row in run_dataset(embedder, series, layers, attention_windows,
                               attention_tokens, seed):
            rows.append({"dataset": name, **row})
        print(f"{name}: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    table = pd.DataFrame(rows)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "per_layer.csv", index=False)

    measures = [*SUMMARY, *(f"{m}_raw" for m in SUMMARY), "attention_cluster_cosine",
                "attention_cluster_cosine_raw"]
    corr = correlations(table, measures)
    higher = {m: not m.split("_raw")[0].endswith("cosine") for m in measures}
    trust = pd.DataFrame([held_out_trust(table, m, higher[m]) for m in measures]).set_index(
        "measure"
    )
    corr.to_csv(out / "correlations.csv")
    trust.to_csv(out / "trust.csv")
    plot(table, out / "isotropy_error.png")
    pd.set_option("display.width", 200)
    best = table.loc[table.groupby("dataset", sort=False)["nmse"].idxmin(),
                     ["dataset", "layer", "nmse", "nmse_no_llm"]]
    print(f"model {model}, {len(data)} datasets, layers {layers}, "
          f"{time.perf_counter() - started:.0f} s")
    print("\nbest layer per dataset (NMSE; the same head without the LLM beside it):")
    print(best.round(4).to_string(index=False))
    print("\nSpearman(isotropy, NMSE) across layer x dataset, 95% bootstrap interval:")
    print(corr.round(3).to_string())
    print("\nleave-one-dataset-out trust rule (isotropy beyond t => LLM head beats no-LLM head):")
    print(trust.round(3).to_string())
    (out / "summary.json").write_text(json.dumps(
        {"model": model, "seconds": time.perf_counter() - started}, indent=1))


if __name__ == "__main__":
    main()
