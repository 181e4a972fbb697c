"""The ``llmiso`` command.

    llmiso demo [--output-dir DIR] [--layer L] [--quiet]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np


def _say(quiet, *parts):
    if not quiet:
        print(*parts, flush=True)


def demo(output_dir="llmiso-output", layer=-1, test_size=24, quiet=False):
    """The whole story on sktime's airline series, with the embedded default model.

    Embeds every 24-month window once, measures the isotropy of the embeddings
    before and after centering (learned on the training windows), forecasts the
    last ``test_size`` months one step ahead with and without centering, against
    seasonal naive, and saves the isotropy profile and a forecast chart as PNG.
    """
    import pandas as pd
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline
    from sktime.datasets import load_airline

    from . import (
        IsotropyCenterer,
        LLMEmbedder,
        MeanScaledRegressor,
        SoftmaxHeadForecaster,
        isotropy_profile,
        plot_isotropy_profile,
    )
    from .metrics import average_cosine, cluster_cosine, isoscore

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    series = load_airline()
    y = series.to_numpy(dtype=float)
    window, season = 24, 12
    X = np.lib.stride_tricks.sliding_window_view(y[:-1], window)
    target = y[window:]
    train, test = slice(0, len(X) - test_size), slice(len(X) - test_size, None)
    _say(quiet, f"airline: {len(y)} months; {len(X)} windows of {window} values; "
         f"the last {test_size} one-step forecasts are held out")

    embedder = LLMEmbedder(layer=layer, cache_dir=out / "embedding-cache", verbose=not quiet)
    start = time.perf_counter()
    embedder.fit(X)
    Z = embedder.transform(X)
    _say(quiet, f"embedded with smollm2-135m, layer {embedder.layers_[0]}: shape {Z.shape}, "
         f"{time.perf_counter() - start:.1f} s (model load included)")

    centered = IsotropyCenterer("center").fit(Z[train]).transform(Z[test])
    iso = pd.DataFrame(
        {
            "raw": [isoscore(Z[test]), average_cosine(Z[test]), cluster_cosine(Z[test], random_state=0)],
            "centered (train mean)": [isoscore(centered), average_cosine(centered),
                                      cluster_cosine(centered, random_state=0)],
        },
        index=["IsoScore (1 = isotropic)", "average cosine (0 = isotropic)",
               "cluster cosine (0 = isotropic)"],
    )
    _say(quiet, "\nIsotropy of the held-out embeddings:\n" + iso.round(3).to_string())

    history = y[: window + len(X) - test_size]
    scale = np.mean(np.abs(history[season:] - history[:-season]))  # in-sample seasonal naive
    truth = target[test]
    rows, fans = {}, {}
    for method in ("none", "center"):
        model = MeanScaledRegressor(
            make_pipeline(clone(embedder), IsotropyCenterer(method), SoftmaxHeadForecaster())
        ).fit(X[train], target[train])
        q = model.predict_quantiles(X[test], [0.1, 0.5, 0.9])
        fans[method] = q
        rows[f"LLM, {'centered' if method == 'center' else 'uncentered'}"] = {
            "MASE": np.mean(np.abs(q[:, 1] - truth)) / scale,
            "80% coverage": np.mean((truth >= q[:, 0]) & (truth <= q[:, 2])),
        }
    naive = y[window + len(X) - test_size - season: len(y) - season]
    rows["seasonal naive"] = {"MASE": np.mean(np.abs(naive - truth)) / scale, "80% coverage": np.nan}
    table = pd.DataFrame(rows).T
    _say(quiet, f"\nOne-step forecasts of the last {test_size} months:\n" + table.round(3).to_string())

    profile = isotropy_profile(embedder, X)
    profile.to_csv(out / "isotropy_profile.csv")
    plot_isotropy_profile(profile, out / "isotropy_profile.png",
                          title="SmolLM2-135M on airline windows: isotropy per layer")
    _plot_forecasts(series, test_size, fans["center"], out / "forecast.png")
    table.to_csv(out / "forecast_scores.csv")
    _say(quiet, f"\nSaved {out / 'isotropy_profile.png'}, {out / 'forecast.png'} and CSV tables.")
    return table


def _plot_forecasts(series, test_size, quantiles, path):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4), layout="constrained")
    ax = fig.subplots()
    index = series.index.to_timestamp() if hasattr(series.index, "to_timestamp") else series.index
    ax.plot(index, series.to_numpy(), color="black", lw=1, label="airline passengers")
    when = index[-test_size:]
    ax.fill_between(when, quantiles[:, 0], quantiles[:, 2], alpha=0.3, label="10%-90%")
    ax.plot(when, quantiles[:, 1], color="C0", label="median, one step ahead")
    ax.set_title("SmolLM2 embeddings, centered, softmax head")
    ax.legend()
    fig.savefig(path, dpi=110)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="llmiso", description="Forecast with LLM embeddings.")
    commands = parser.add_subparsers(dest="command", required=True)
    run_demo = commands.add_parser("demo", help="the whole story on sktime's airline series")
    run_demo.add_argument("--output-dir", default="llmiso-output")
    run_demo.add_argument("--layer", type=int, default=-1)
    run_demo.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "demo":
        demo(args.output_dir, layer=args.layer, quiet=args.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
