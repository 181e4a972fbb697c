"""One forecaster per series, as most sktime users fit one: M3 and Tourism, official test
windows (issue 38's benchmark).

    python benchmarks/bench_per_series.py [--series 20] [--datasets four|six] [--validation]

Each series of a seeded subset is fitted on its own, with no other series in sight:
``LLMForecaster(sp=...)`` as a user gets it (one series gives its rule the shipped
pretrained head), the same without the LLM, the same with a head fitted on the series
(windows from the season: 24 monthly, 8 quarterly) and its null, each head alone
(``combine=None``) and its null, statsforecast's AutoETS, AutoTheta and AutoCES,
statsmodels' AutoETS through sktime, the plain average of the three statsforecast
models, and seasonal naive. Scores: MASE relative to seasonal naive
(the mean over a dataset's series, then the geometric mean over datasets) and WQL, with
a paired bootstrap interval over series for the default against each statistical row.

Resumable: each dataset's per-series forecasts are written to
``benchmarks/results/per-series/<dataset>-<n>.csv.gz`` when it is done and read back on the
next run; embeddings are cached on disk, so the rows that share the default embedder
run the model once per window.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _competitions import (  # noqa: E402
    LEVELS,
    TARGET_SETS,
    Series,
    load,
    mase,
    run_seasonal_naive,
    run_statsforecast,
)

OUT = Path(__file__).parent / "results" / "per-series"
CACHE = Path(__file__).parent / "results" / "embedding-cache" / "per-series"
STATISTICAL = ["AutoETS", "AutoTheta", "AutoCES"]


def _y(s):
    return pd.Series(s.train, index=pd.RangeIndex(len(s.train)))


def llm_rows(quick):
    """Row name -> function(series) returning the LLMForecaster of that row: the
    default as a user gets it (``LLMForecaster(sp=...)``: one series gives the shipped
    pretrained head, windows of 24), its no-LLM null, the same with a head fitted on
    the series (the windows from the season) and each head alone."""
    from llmiso import LLMEmbedder
    from llmiso.forecasting import LLMForecaster, forecasting_embedder

    def embedder():
        if quick:
            return LLMEmbedder("tiny-random-llama", dtype="float32")
        return forecasting_embedder(cache_dir=str(CACHE))

    def made(**params):
        def build(s):
            return LLMForecaster(**{"embedder": embedder(), **params}, sp=s.period)
        return build

    rows = {
        "default": made(),
        "default, no LLM": made(embedder="passthrough"),
        "default, head fitted on the series": made(head=None),
        "default, head fitted on the series, no LLM": made(embedder="passthrough", head=None),
        "head alone": made(head=None, combine=None),
        "head alone, no LLM": made(embedder="passthrough", head=None, combine=None),
    }
    if not quick:  # the tiny model has no shipped head: "auto" fits one
        rows["pretrained head alone"] = made(combine=None)
        rows["pretrained head alone, no LLM"] = made(embedder="passthrough", combine=None)
    return rows


# Rows of CSVs written before the default took the shipped head for one series (their
# "default" read windows from the season and fitted its head; the pretrained rows read
# windows of 24 as the default now does): the same forecasters under today's names.
RENAMED = {"default": "default, head fitted on the series",
           "default, no LLM": "default, head fitted on the series, no LLM",
           "default with the pretrained head": "default"}


def forecast_llm(build, s):
    """(h, len(LEVELS)) quantiles of the forecaster ``build(s)`` fitted on ``s`` alone."""
    forecaster = build(s).fit(_y(s), fh=list(range(1, s.h + 1)))
    return forecaster.predict_quantiles(alpha=list(LEVELS)).to_numpy()


def forecast_statsmodels_ets(s):
    """statsmodels' AutoETS through sktime (``auto=True``): its point forecast at every
    level (its intervals fail for multiplicative models with this sktime and statsmodels,
    ``simulate_kwargs``), so its WQL is that of a point forecast."""
    from sktime.forecasting.ets import AutoETS

    model = AutoETS(auto=True, sp=s.period, n_jobs=1, information_criterion="aic")
    model.fit(_y(s), fh=list(range(1, s.h + 1)))
    return np.repeat(model.predict().to_numpy()[:, None], len(LEVELS), axis=1)


def validation_part(s):
    """``s`` cut before the last horizon of its training part, which becomes its test:
    where levers are chosen, never on the official test windows."""
    return Series(s.name, s.train[: -s.h], s.train[-s.h :], s.period)


def series_of(dataset, n_series, validation):
    series = load(dataset, n_series)
    return [validation_part(s) for s in series] if validation else series


def run_dataset(dataset, n_series, quick, out=OUT, validation=False):
    """Per-series quantiles of every row for ``dataset``, from its CSV if it is done."""
    name = (f"{dataset.replace(' ', '-')}{'-quick' if quick else ''}"
            f"{'-validation' if validation else ''}-{n_series}")
    path = Path(out) / f"{name}.csv.gz"  # compressed: a dataset's quantiles are megabytes
    seconds_path = Path(out) / f"{name}.seconds.csv"
    if path.exists():
        frame = pd.read_csv(path)
        if "default, head fitted on the series" not in set(frame.row):
            frame["row"] = frame.row.replace(RENAMED)
        return frame, path
    series = series_of(dataset, n_series, validation)
    found, seconds = {}, {}
    found["seasonal naive"] = run_seasonal_naive(series)
    for name in STATISTICAL:
        start = time.perf_counter()
        found[name + " (statsforecast)"] = run_statsforecast(series, name)
        seconds[name + " (statsforecast)"] = time.perf_counter() - start
    found["plain average of the statistics"] = [
        np.mean([found[n + " (statsforecast)"][i] for n in STATISTICAL], axis=0)
        for i in range(len(series))]
    rows = {"AutoETS (statsmodels, sktime)": forecast_statsmodels_ets}
    rows.update({name: (lambda s, b=build: forecast_llm(b, s))
                 for name, build in llm_rows(quick).items()})
    for name, run in rows.items():
        start = time.perf_counter()
        forecasts = []
        for s in series:
            try:
                forecasts.append(run(s))
            except ValueError as error:  # refused: counted, the seasonal naive stands in
                print(f"{dataset} {s.name} {name}: {error}", flush=True)
                forecasts.append(None)
        found[name] = forecasts
        seconds[name] = time.perf_counter() - start
        print(f"{dataset}: {name} {seconds[name]:.1f} s", flush=True)
    records = []
    for name, quantiles in found.items():
        for s, q, naive in zip(series, quantiles, found["seasonal naive"], strict=True):
            refused = q is None
            q = naive if refused else np.asarray(q)[: s.h]
            for step in range(s.h):
                records.append({"dataset": dataset, "series": s.name, "row": name,
                                "step": step + 1, "truth": s.test[step], "refused": refused,
                                **{f"q{level:g}": q[step, j] for j, level in enumerate(LEVELS)}})
    frame = pd.DataFrame(records)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    pd.Series(seconds).rename("seconds").to_csv(seconds_path)
    return frame, path


def per_series_mase(frame, dataset, n_series, validation=False):
    """(series x row) MASE of the medians."""
    series = {s.name: s for s in series_of(dataset, n_series, validation)}
    table = {}
    for (name, row), part in frame.groupby(["series", "row"]):
        s = series[str(name)]
        table[(str(name), row)] = mase(s, part.sort_values("step")["q0.5"].to_numpy())
    return pd.Series(table).unstack()


def summarise(frames, n_series, validation=False, draws=2000, reference="default"):
    """Per dataset and over them: mean MASE relative to seasonal naive, WQL, and
    ``reference``'s paired ratio to each row (bootstrap over series)."""
    from llmiso.metrics import weighted_quantile_loss

    rng = np.random.default_rng(0)
    relative, wql, tables = {}, {}, {}
    for dataset, frame in frames.items():
        # Series a row refused (too short for its window and horizon) are left out of
        # every row, so all rows are scored on the same series; the counts are printed.
        refused = frame.groupby("series")["refused"].any()
        frame = frame[~frame.series.map(refused)]
        table = per_series_mase(frame, dataset, n_series, validation)
        tables[dataset] = table
        relative[dataset] = table.mean() / table["seasonal naive"].mean()
        qcols = [f"q{level:g}" for level in LEVELS]
        wql[dataset] = frame.groupby("row").apply(
            lambda p, q=qcols: weighted_quantile_loss(p.truth.to_numpy(), p[q].to_numpy(),
                                                      LEVELS))
        wql[dataset] = wql[dataset] / wql[dataset]["seasonal naive"]
    relative, wql = pd.DataFrame(relative), pd.DataFrame(wql)
    out = pd.DataFrame({"MASE": np.exp(np.log(relative).mean(axis=1)),
                        "WQL": np.exp(np.log(wql).mean(axis=1))})
    intervals = {}
    for other in [c for c in out.index if c != reference]:
        ratios = []
        for _ in range(draws):
            logs = []
            for table in tables.values():
                pick = rng.integers(0, len(table), len(table))
                logs.append(np.log(table[reference].iloc[pick].mean()
                                   / table[other].iloc[pick].mean()))
            ratios.append(np.exp(np.mean(logs)))
        intervals[other] = np.percentile(ratios, [2.5, 97.5])
    out[f"{reference} / row"] = out.loc[reference, "MASE"] / out["MASE"]
    out["95% interval"] = [("" if r not in intervals else
                            f"[{intervals[r][0]:.3f}, {intervals[r][1]:.3f}]") for r in out.index]
    return out.sort_values("MASE"), relative


def one_series_cost(quick):
    """Seconds to fit and forecast one monthly series of 100 values (18 steps, the
    quantiles), the model loaded first: three runs per row, the first pays for numba's
    compilation of the statistical models."""
    from llmiso.embedding import load_model
    from llmiso.forecasting import LLMForecaster

    model = "tiny-random-llama" if quick else "smollm2-135m"
    load_model(model)
    rng = np.random.default_rng(0)
    t = np.arange(100)
    y = pd.Series(200 + t + 20 * np.sin(2 * np.pi * t / 12) + rng.normal(scale=5, size=100),
                  index=pd.period_range("2010-01", periods=100, freq="M"))
    from llmiso import LLMEmbedder

    for name, params in {"defaults": {}, "the head alone": {"combine": None},
                         "no LLM": {"embedder": "passthrough"},
                         "a head fitted on the series": {"head": None}}.items():
        if quick:
            params = {"embedder": LLMEmbedder(model, dtype="float32"), **params}
        seconds = []
        for _ in range(3):
            start = time.perf_counter()
            LLMForecaster(**params).fit(y, fh=list(range(1, 19))).predict_quantiles(
                alpha=[0.1, 0.5, 0.9])
            seconds.append(time.perf_counter() - start)
        print(f"one series of 100 values, {name}: " + ", ".join(f"{x:.2f}" for x in seconds)
              + " s", flush=True)


def head_by_panel_size(datasets, n_series, sizes, out=OUT):
    """Where a fitted head overtakes the shipped one (the rule's threshold, chosen here on
    validation windows): the head alone (``head=None, combine=None``, windows from the
    season) fitted on panels of ``k`` of the series at once, beside the shipped
    pretrained head alone, per dataset, with the training windows per fit. Series the
    per-series run refused are left out; written to ``head-by-panel-size-<n>.csv``."""
    from llmiso.forecasting import LLMForecaster, forecasting_embedder, training_windows

    path = Path(out) / f"head-by-panel-size-validation-{n_series}.csv"
    done = pd.read_csv(path) if path.exists() else pd.DataFrame(
        columns=["dataset", "k", "series", "MASE", "windows"])
    frames = {dataset: run_dataset(dataset, n_series, False, out, validation=True)[0]
              for dataset in datasets}
    for dataset, frame in frames.items():
        refused = frame.groupby("series")["refused"].any()
        kept = [s for s in series_of(dataset, n_series, True) if not refused[int(s.name)]]
        for k in [int(k) if k != "all" else len(kept) for k in sizes]:
            if ((done.dataset == dataset) & (done.k == k)).any():
                continue
            rows = []
            for start in range(0, len(kept), k):
                group = kept[start : start + k]
                y = pd.concat({s.name: _y(s) for s in group}).to_frame("y")
                forecaster = LLMForecaster(
                    forecasting_embedder(cache_dir=str(CACHE)), head=None, combine=None,
                    sp=group[0].period, encoding="window").fit(y, fh=list(range(1, group[0].h + 1)))
                median = forecaster.predict()
                windows = training_windows([len(s.train) for s in group],
                                           forecaster.window_length_, group[0].h)
                rows += [{"dataset": dataset, "k": k, "series": s.name, "windows": windows,
                          "MASE": mase(s, median.loc[s.name].to_numpy().ravel())}
                         for s in group]
            done = pd.concat([done, pd.DataFrame(rows)])
            done.to_csv(path, index=False)
            print(f"{dataset}: panels of {k} done", flush=True)
    table = {}
    for dataset, frame in frames.items():
        refused = frame.groupby("series")["refused"].any()
        mases = per_series_mase(frame[~frame.series.map(refused)], dataset, n_series, True)
        kept = [s for s in series_of(dataset, n_series, True) if not refused[int(s.name)]]
        naive = mases["seasonal naive"].mean()
        column = {"the shipped pretrained head alone": mases["pretrained head alone"].mean()
                  / naive,
                  f"fitted alone, one series ({_windows_alone(kept)} windows)":
                  mases["head alone"].mean() / naive}
        mine = done[done.dataset == dataset]
        for k, part in mine.groupby("k"):
            column[f"fitted on panels of {k} ({part.windows.mean():.0f} windows)"] = (
                part.set_index(part.series.astype(str)).MASE.reindex(mases.index).mean()
                / naive)
        table[dataset] = pd.Series(column)
    for dataset, column in table.items():
        print(f"\n{dataset}, the head alone, MASE relative to seasonal naive "
              "(validation windows):\n" + column.round(3).to_string())


def _windows_alone(series):
    """Mean training windows of each of ``series`` alone (the fitted head's window)."""
    from llmiso.forecasting import season_window, training_windows

    return round(np.mean([training_windows([len(s.train)], season_window(s.period), s.h)
                          for s in series]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=20, help="series per dataset")
    parser.add_argument("--datasets", default="four",
                        help="four, six, or names joined by commas (M3 monthly,M3 quarterly)")
    parser.add_argument("--quick", action="store_true", help="tiny model, 3 series, M3 monthly")
    parser.add_argument("--output", default=str(OUT), help="folder of the per-dataset CSVs")
    parser.add_argument("--cost", action="store_true",
                        help="seconds to fit and forecast one series of 100 values")
    parser.add_argument("--validation", action="store_true",
                        help="score the last horizon of each training part, not the test")
    parser.add_argument("--panel-sizes", help="validation: the fitted head on panels of "
                        "these many series (5,20,all) against the shipped head")
    args = parser.parse_args()
    if args.panel_sizes:
        datasets = args.datasets.split(",") if "," in args.datasets else [
            "M3 monthly", "M3 quarterly", "Tourism monthly"]
        return head_by_panel_size(datasets, args.series, args.panel_sizes.split(","))
    if args.cost:
        return one_series_cost(args.quick)
    if args.quick:
        datasets, n_series = ["M3 monthly"], 3
    else:
        datasets = {"four": TARGET_SETS, "six": [
            "M3 monthly", "M3 quarterly", "M3 yearly", "Tourism monthly", "Tourism quarterly",
            "Tourism yearly"]}.get(args.datasets) or args.datasets.split(",")
        n_series = args.series
    frames = {}
    for dataset in datasets:
        frames[dataset], path = run_dataset(dataset, n_series, args.quick, args.output,
                                            args.validation)
        frame = frames[dataset]
        refused = frame[frame.refused].groupby("row")["series"].nunique()
        print(f"{dataset}: {path}; series refused (too short), left out of every row: "
              f"{refused.to_dict() or 'none'}", flush=True)
    summary, relative = summarise(frames, n_series, args.validation)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        where = ("validation windows (the last horizon of each training part)"
                 if args.validation else "official test windows")
        print(f"\nOne forecaster per series, {n_series} series per dataset, {where}; MASE "
              f"relative to seasonal naive (geometric mean over {', '.join(datasets)}), WQL "
              "likewise; the default's paired ratio to each row with a bootstrap interval "
              "over series:")
        print(summary.round(3).to_string())
        print("\nPer dataset (MASE relative to seasonal naive):")
        print(relative.round(3).to_string())


if __name__ == "__main__":
    main()
