"""The ``llmiso`` command: forecast a CSV, profile its isotropy, or run the demo.

    llmiso forecast DATA.csv --horizon H [--output forecast.csv] [--plot forecast.png]
    llmiso isotropy DATA.csv [--plot isotropy_profile.png]
    llmiso demo [--output-dir llmiso-output]
"""

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

QUANTILES = (0.1, 0.5, 0.9)
# Below these, the embeddings the head sees use too few directions to be trusted.
MIN_EFFECTIVE_DIMENSION = 3.0
MAX_AVERAGE_COSINE = 0.5


def _print(quiet, *parts):
    if not quiet:
        print(*parts, flush=True)


def _panel(frame):
    """A one-column frame, or a panel (series name, time) for several columns."""
    if frame.shape[1] == 1:
        return frame
    long = frame.stack().swaplevel().sort_index()
    long.index.names = ["series", "time"]
    return long.to_frame("value")


def _windows(frame, window_length):
    return np.vstack([
        np.lib.stride_tricks.sliding_window_view(frame[c].to_numpy(float), window_length)
        for c in frame.columns
    ])


def embedding_isotropy(forecaster, frame):
    """Isotropy of the training windows' embeddings, as the head saw them."""
    from .metrics import average_cosine, cluster_cosine, effective_dimension, isoscore
    features = forecaster.head_features(frame)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # few windows: said in the docs
        return {
            "isoscore": isoscore(features),
            "average_cosine": average_cosine(features),
            "effective_dimension": effective_dimension(features),
            "cluster_cosine": cluster_cosine(features, random_state=0),
        }


def forecast(path, horizon, *, output="forecast.csv", plot="forecast.png", time_column=None,
             value_columns=None, window_length=24, layer=-1, centering="center",
             encoding="window", model="smollm2-135m", quiet=False):
    """Fit LLMForecaster on the CSV's series; write quantile forecasts and a fan chart."""
    from ._data_files import read_series
    from .forecasting import LLMForecaster

    frame = read_series(path, time_column=time_column, value_columns=value_columns,
                        min_length=window_length + horizon)
    _print(quiet, f"{path}: {frame.shape[1]} series of {len(frame)} values; "
           f"forecasting {horizon} steps from windows of {window_length}")
    forecaster = LLMForecaster(window_length=window_length, model=model, layer=layer,
                               centering=centering, encoding=encoding, verbose=not quiet)
    forecaster.fit(_panel(frame), fh=list(range(1, horizon + 1)))
    quantiles = forecaster.predict_quantiles(alpha=list(QUANTILES))
    table = quantiles.copy()
    table.columns = [f"q{level:g}" for _, level in quantiles.columns]
    table = table.rename(columns={"q0.5": "median"})
    table.index.names = ["series", "time"][-table.index.nlevels :]
    table.to_csv(output)
    _print(quiet, f"wrote {output}")

    iso = embedding_isotropy(forecaster, frame)
    _print(quiet, "isotropy of the embeddings the head used: "
           + ", ".join(f"{k} {v:.3f}" for k, v in iso.items()))
    if iso["effective_dimension"] < MIN_EFFECTIVE_DIMENSION or iso["average_cosine"] > MAX_AVERAGE_COSINE:
        print("warning: the embeddings are strongly anisotropic (few directions carry their "
              "variance); treat this forecast with caution, or try --centering whiten or "
              "another --layer (see `llmiso isotropy`).", file=sys.stderr)
    if plot:
        _fan_chart(frame, table, plot)
        _print(quiet, f"wrote {plot}")
    return table


def _fan_chart(frame, table, path):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4), layout="constrained")
    ax = fig.subplots()
    for i, column in enumerate(frame.columns):
        history = frame[column]
        rows = table.xs(column, level=0) if table.index.nlevels > 1 else table
        x_hist = history.index.to_timestamp() if hasattr(history.index, "to_timestamp") else history.index
        x_fut = rows.index.to_timestamp() if hasattr(rows.index, "to_timestamp") else rows.index
        ax.plot(x_hist, history.to_numpy(), color=f"C{i}", lw=1, label=str(column))
        ax.fill_between(x_fut, rows["q0.1"], rows["q0.9"], color=f"C{i}", alpha=0.25)
        ax.plot(x_fut, rows["median"], color=f"C{i}", ls="--")
    ax.set_title("LLMForecaster: median and 10%-90% band")
    ax.legend()
    fig.savefig(path, dpi=110)


def isotropy(path, *, plot="isotropy_profile.png", time_column=None, value_columns=None,
             window_length=24, model="smollm2-135m", quiet=False):
    """Print and plot the per-layer isotropy profile of the CSV's windows."""
    from ._data_files import read_series
    from .embedder import LLMEmbedder
    from .profile import isotropy_profile, plot_isotropy_profile

    frame = read_series(path, time_column=time_column, value_columns=value_columns,
                        min_length=window_length + 2)
    windows = _windows(frame, window_length)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        profile = isotropy_profile(LLMEmbedder(model, verbose=not quiet), windows,
                                   verbose=not quiet)
    _print(quiet, profile.round(3).to_string())
    if plot:
        plot_isotropy_profile(profile, plot, title=f"{Path(path).name}: isotropy per layer")
        _print(quiet, f"wrote {plot}")
    return profile


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="llmiso", description="Forecast with LLM embeddings, and measure their isotropy."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def data_options(sub):
        sub.add_argument("data", help="CSV with a time column and one or more value columns")
        sub.add_argument("--time-column", help="name of the time column (default: detected)")
        sub.add_argument("--value-column", action="append", dest="value_columns",
                         help="a value column (repeat for several; default: all numeric)")
        sub.add_argument("--window-length", type=int, default=24)
        sub.add_argument("--model", default="smollm2-135m",
                         help="model name or local folder (default: the embedded SmolLM2)")
        sub.add_argument("--quiet", action="store_true", help="print nothing but warnings")

    sub = commands.add_parser("forecast", help="forecast the series of a CSV file")
    data_options(sub)
    sub.add_argument("--horizon", type=int, required=True, help="steps ahead")
    sub.add_argument("--output", default="forecast.csv")
    sub.add_argument("--plot", default="forecast.png")
    sub.add_argument("--layer", type=int, default=-1)
    sub.add_argument("--centering", default="center",
                     choices=["center", "abtt", "whiten", "cluster", "none"])
    sub.add_argument("--encoding", default="window", choices=["window", "series"],
                     help="one prompt per window, or one pass over each series (faster)")

    sub = commands.add_parser("isotropy", help="per-layer isotropy profile of a CSV's windows")
    data_options(sub)
    sub.add_argument("--plot", default="isotropy_profile.png")

    sub = commands.add_parser("demo", help="backtest on sktime's airline series, with plots")
    sub.add_argument("--output-dir", default="llmiso-output")
    sub.add_argument("--quiet", action="store_true")

    args = parser.parse_args(argv)
    from ._data_files import DataError
    from ._models import ModelNotAvailableError

    try:
        if args.command == "forecast":
            forecast(args.data, args.horizon, output=args.output, plot=args.plot,
                     time_column=args.time_column, value_columns=args.value_columns,
                     window_length=args.window_length, layer=args.layer,
                     centering=args.centering, encoding=args.encoding, model=args.model,
                     quiet=args.quiet)
        elif args.command == "isotropy":
            isotropy(args.data, plot=args.plot, time_column=args.time_column,
                     value_columns=args.value_columns, window_length=args.window_length,
                     model=args.model, quiet=args.quiet)
        else:
            from .demo import run_demo

            run_demo(args.output_dir, quiet=args.quiet)
    except (DataError, ModelNotAvailableError) as error:
        parser.exit(2, f"llmiso: error: {error}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
