"""The ``llmiso`` command: forecast a CSV, profile its isotropy, or run the demo.

    llmiso forecast DATA.csv --horizon H [--backtest ORIGINS] [--output forecast.csv]
    llmiso forecast LONG.csv --id ID --time-column T --value-column V --horizon H \
        [--workers N | --scheduler ADDRESS]
    llmiso isotropy DATA.csv [--plot isotropy_profile.png]
    llmiso demo [--output-dir llmiso-output]

Imports run one way: the command calls the library (``demo``, ``plotting``, the
estimators); nothing in the library imports the command.
"""

import argparse
import contextlib
import sys
import warnings
from pathlib import Path

import numpy as np

from ..embedding import DEFAULT_MODEL

QUANTILES = (0.1, 0.5, 0.9)
# What the command may say about trust, and no more: in the seed paper's experiment
# on our model (benchmarks/bench_isotropy_error.py, docs/benchmarks.md), a threshold
# on isotropy fitted on the other datasets did not tell, on a left-out dataset, whether
# the LLM head beats the same head without the LLM better than the majority answer did.
# So isotropy is reported against its null, and the verdict is left to the backtest.
TRUST_EVIDENCE = (
    "isotropy did not predict out of sample whether the LLM head beats the same head "
    "without the LLM (docs/benchmarks.md); `--backtest N` measures that on your series"
)


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


def forecast(path, horizon, *, output="forecast.csv", plot="forecast.png", time_column=None,
             value_columns=None, id_column=None, window_length=24, layer=-1,
             centering="center", encoding=None, model=DEFAULT_MODEL, backtest=0,
             workers=None, scheduler=None, quiet=False):
    """Fit LLMForecaster on the CSV's series; write quantile forecasts and a fan chart.

    With ``backtest`` origins, first score the LLM against the same head without it
    and seasonal naive on those origins, and say which wins. ``id_column`` reads a
    long file (one row per series and time). ``workers`` (a local Dask cluster) or
    ``scheduler`` (an existing one) spread the embedding over Dask workers.
    """
    from ..embedding import LLMEmbedder
    from ..forecasting import LLMForecaster
    from ..isotropy import IsotropyCenterer
    from ._data_files import DataError, read_long, read_series

    needed = window_length + horizon * (1 + backtest)
    needed_for = (f"a window of {window_length} plus a horizon of {horizon}"
                  + (f" for each of {backtest} backtest origins and the forecast"
                     if backtest else ""))
    if id_column is not None:
        if not time_column or not value_columns or len(value_columns) != 1:
            raise DataError("a long file (--id) needs --time-column and one --value-column.")
        frame = read_long(path, id_column=id_column, time_column=time_column,
                          value_column=value_columns[0], min_length=needed,
                          needed_for=needed_for)
    else:
        frame = read_series(path, time_column=time_column, value_columns=value_columns,
                            min_length=needed, needed_for=needed_for)
    _print(quiet, f"{path}: {frame.shape[1]} series of up to {len(frame)} values; "
           f"forecasting {horizon} steps from windows of {window_length}")
    with _dask_backend(workers, scheduler, quiet) as n_jobs:
        forecaster = LLMForecaster(
            LLMEmbedder(model, layer=layer, verbose=not quiet),
            IsotropyCenterer(centering, normalize=True),
            window_length=window_length, n_jobs=n_jobs,
            **({} if encoding is None else {"encoding": encoding}))
        if backtest:
            _compare(forecaster, frame, horizon, backtest, quiet)
        forecaster.fit(_panel(frame), fh=list(range(1, horizon + 1)))
        quantiles = forecaster.predict_quantiles(alpha=list(QUANTILES))
    table = quantiles.copy()
    table.columns = [f"q{level:g}" for _, level in quantiles.columns]
    table = table.rename(columns={"q0.5": "median"})
    table.index.names = ["series", "time"][-table.index.nlevels :]
    table.to_csv(output)
    _print(quiet, f"wrote {output}")

    report = forecaster.head_isotropy()  # the training windows: nothing is embedded again
    if report is None:
        _print(quiet, "isotropy: undefined (every window's embedding is the same: the "
               "series are constant)")
    else:
        _print(quiet, "isotropy of the embeddings the head was trained on, beside the range "
               "of isotropic data of the same size:\n" + _isotropy_lines(report))
        flagged = report.index[report["anisotropic"]]
        if len(flagged):
            print(f"note: the embeddings are anisotropic beyond sampling noise by "
                  f"{', '.join(flagged)}; {TRUST_EVIDENCE}.", file=sys.stderr)
    if plot:
        from ._plots import plot_forecast

        plot_forecast(frame, table, plot)
        _print(quiet, f"wrote {plot}")
    return table


def _compare(forecaster, frame, horizon, origins, quiet):
    """Backtest the LLM against the comparison set; print the table and the verdict."""
    from ._backtest import NO_LLM, backtest, backtest_season, comparison_models, verdict

    sp = backtest_season(frame.index, len(frame), origins, horizon)
    table, fitted = backtest(comparison_models(forecaster, sp), _panel(frame),
                             horizon=horizon, origins=origins, sp=sp)
    _print(quiet, f"backtest, {origins} origins of {horizon} steps (MASE with seasonal period "
           f"{sp}):\n" + table.round(3).to_string())
    print(verdict(table, "LLM", NO_LLM), flush=True)
    report = fitted["LLM"].head_isotropy()
    if report is not None:
        _print(quiet, "isotropy of the LLM head's training embeddings:\n"
               + _isotropy_lines(report))
    return table


@contextlib.contextmanager
def _dask_backend(workers, scheduler, quiet):
    """Yield the forecaster's n_jobs: None in this process, or -1 with joblib's work
    sent to a local Dask cluster of ``workers`` processes or to ``scheduler``."""
    from ._data_files import DataError

    if workers is None and scheduler is None:
        yield None
        return
    try:
        import joblib
        from distributed import Client, LocalCluster
    except ImportError as error:
        raise DataError("--workers and --scheduler need Dask: pip install 'llmiso[dask]'.") \
            from error
    with contextlib.ExitStack() as stack:
        if scheduler is not None:
            try:
                client = stack.enter_context(Client(scheduler, timeout="5s"))
            except OSError as error:
                raise DataError(f"cannot reach the Dask scheduler at {scheduler} ({error}); "
                                "check the address, or drop --scheduler to run here.") from error
        else:
            cluster = stack.enter_context(LocalCluster(
                n_workers=workers, threads_per_worker=1, dashboard_address=None))
            client = stack.enter_context(Client(cluster))
        _print(quiet, f"Dask: {len(client.scheduler_info()['workers'])} workers at "
               f"{client.scheduler.address}")
        stack.enter_context(joblib.parallel_backend("dask"))
        yield -1


def _isotropy_lines(report):
    return "\n".join(
        f"  {name:<20} {row.adjusted:7.3f}   isotropic: {row.isotropic_low:.3f} to "
        f"{row.isotropic_high:.3f}" for name, row in report.iterrows())


def isotropy(path, *, plot="isotropy_profile.png", time_column=None, value_columns=None,
             window_length=24, model=DEFAULT_MODEL, quiet=False):
    """Print and plot the per-layer isotropy profile of the CSV's windows."""
    from ._data_files import read_series
    from ..forecasting._windows import sliding_windows
    from ..embedding import LLMEmbedder
    from ..isotropy import plot_isotropy_profile
    from ..isotropy import isotropy_profile

    frame = read_series(path, time_column=time_column, value_columns=value_columns,
                        min_length=window_length + 1,
                        needed_for=f"two windows of {window_length}")
    windows = np.vstack([sliding_windows(frame[c], window_length) for c in frame.columns])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        profile = isotropy_profile(LLMEmbedder(model, verbose=not quiet), windows,
                                   verbose=not quiet)
    if profile.isna().all().all():
        _print(quiet, "isotropy: undefined at every layer (every window's embedding is the "
               "same: the series are constant)")
        return profile
    _print(quiet, profile.round(3).to_string())
    if plot:
        plot_isotropy_profile(profile, plot, title=f"{Path(path).name}: isotropy per layer")
        _print(quiet, f"wrote {plot}")
    return profile


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not positive; give 1 or more")
    return value


def _non_negative_int(text):
    return 0 if text.strip() == "0" else _positive_int(text)


def _choices():
    """The CLI's choices, read off the estimators' own parameter checks."""
    import inspect

    from ..forecasting import ENCODINGS, LLMForecaster
    from ..isotropy import IsotropyCenterer

    methods = IsotropyCenterer._parameter_constraints["method"][0].options
    default = inspect.signature(LLMForecaster).parameters["encoding"].default
    return sorted(methods), list(ENCODINGS), default


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="llmiso", description="Forecast with LLM embeddings, and measure their isotropy."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    centerings, encodings, default_encoding = _choices()

    def data_options(sub):
        sub.add_argument("data", help="CSV with a time column and one or more value columns "
                         "(the delimiter is detected)")
        sub.add_argument("--time-column", help="name of the time column (default: detected)")
        sub.add_argument("--value-column", action="append", dest="value_columns",
                         help="a value column (repeat for several; default: all numeric)")
        sub.add_argument("--window-length", type=_positive_int, default=24)
        sub.add_argument("--model", default=DEFAULT_MODEL,
                         help="model name or local folder (default: the embedded SmolLM2)")
        sub.add_argument("--quiet", action="store_true", help="print nothing but warnings")

    sub = commands.add_parser("forecast", help="forecast the series of a CSV file")
    data_options(sub)
    sub.add_argument("--horizon", type=_positive_int, required=True, help="steps ahead")
    sub.add_argument("--output", default="forecast.csv")
    sub.add_argument("--plot", default="forecast.png")
    sub.add_argument("--layer", type=int, default=-1)
    sub.add_argument("--centering", default="center", choices=centerings)
    sub.add_argument("--encoding", default=default_encoding, choices=encodings,
                     help="one pass over each series, or one prompt per window (slower; "
                     f"default: LLMForecaster's, {default_encoding!r})")
    sub.add_argument("--backtest", type=_non_negative_int, default=0, metavar="ORIGINS",
                     help="first backtest from this many origins: the LLM against the same "
                     "head without it and seasonal naive, and say which wins")
    sub.add_argument("--id", dest="id_column", metavar="ID_COLUMN",
                     help="read a long file: one row per series (this column), time "
                     "(--time-column) and value (--value-column)")
    where = sub.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive_int,
                       help="embed on a local Dask cluster of this many worker processes")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="embed on an existing Dask cluster (tcp://host:8786)")

    sub = commands.add_parser("isotropy", help="per-layer isotropy profile of a CSV's windows")
    data_options(sub)
    sub.add_argument("--plot", default="isotropy_profile.png")

    sub = commands.add_parser("demo", help="backtest on sktime's airline series, with plots")
    sub.add_argument("--output-dir", default="llmiso-output")
    sub.add_argument("--quiet", action="store_true")

    args = parser.parse_args(argv)
    from ._data_files import DataError
    from ..embedding import ModelNotAvailableError

    try:
        if args.command == "forecast":
            forecast(args.data, args.horizon, output=args.output, plot=args.plot,
                     time_column=args.time_column, value_columns=args.value_columns,
                     id_column=args.id_column, window_length=args.window_length,
                     layer=args.layer, centering=args.centering, encoding=args.encoding,
                     model=args.model, backtest=args.backtest, workers=args.workers,
                     scheduler=args.scheduler, quiet=args.quiet)
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
