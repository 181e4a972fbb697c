"""The default fitted globally on panels: did the head's rule cost panels anything?

    python benchmarks/bench_default_panel.py [--series 200] [--datasets six]

``LLMForecaster(sp=...)``, with nothing else set, fitted once on each dataset's panel
of 200 seeded M3 or Tourism series (the same series as bench_pretrained.py and
bench_levers.py; official test windows) and its no-LLM null, beside the default as
it was before the rule (the per-dataset head averaged with AutoETS, AutoTheta and
AutoCES, ``n_origins=36``, windows of two seasons: the row "the default combination,
per-dataset head" of ``results/pretrained/per_series.csv``), series by series. A panel
gives the rule thousands of training windows, so it fits a head (``pretrained_head_``
None); the window comes from the season (24, 8, 4) and every origin trains it.

Resumable: each dataset's quantiles go to
``results/per-series/panel-<dataset>-<n>.csv.gz`` when it is done.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _competitions import LEVELS, TARGET_SETS, load, mase, panel  # noqa: E402

OUT = Path(__file__).parent / "results" / "per-series"
CACHE = Path(__file__).parent / "results" / "embedding-cache" / "default-panel"
BEFORE = Path(__file__).parent / "results" / "pretrained" / "per_series.csv"
BEFORE_ROW = "the default combination, per-dataset head"
SIX = ["M3 monthly", "M3 quarterly", "M3 yearly", "Tourism monthly", "Tourism quarterly",
       "Tourism yearly"]


def run_dataset(dataset, n_series, out=OUT):
    """Per-series quantiles of the default and its null on ``dataset``'s panel."""
    from llmiso.forecasting import LLMForecaster, forecasting_embedder

    path = Path(out) / f"panel-{dataset.replace(' ', '-')}-{n_series}.csv.gz"
    if path.exists():
        return pd.read_csv(path)
    series = load(dataset, n_series)
    y = panel(series)
    fh = list(range(1, series[0].h + 1))
    records = []
    for row, embedder in {"default": forecasting_embedder(cache_dir=str(CACHE)),
                          "default, no LLM": "passthrough"}.items():
        start = time.perf_counter()
        forecaster = LLMForecaster(embedder, sp=series[0].period).fit(y, fh=fh)
        q = forecaster.predict_quantiles(alpha=list(LEVELS))
        seconds = time.perf_counter() - start
        head = "fitted" if forecaster.pretrained_head_ is None else "pretrained"
        print(f"{dataset}: {row} {seconds:.0f} s, head {head}, windows of "
              f"{forecaster.window_length_}; fit: {forecaster.seconds_}", flush=True)
        for s in series:
            values = q.loc[s.name].to_numpy()[: s.h]
            for step in range(s.h):
                records.append({"dataset": dataset, "series": s.name, "row": row,
                                "step": step + 1, "truth": s.test[step], "head": head,
                                "seconds": seconds,
                                **{f"q{level:g}": values[step, j]
                                   for j, level in enumerate(LEVELS)}})
    frame = pd.DataFrame(records)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return frame


def per_series(frame, dataset, n_series):
    """(series x row) MASE of the medians, with the default before the rule beside."""
    series = {s.name: s for s in load(dataset, n_series)}
    table = {(str(name), row): mase(series[str(name)], part.sort_values("step")["q0.5"].to_numpy())
             for (name, row), part in frame.groupby(["series", "row"])}
    table = pd.Series(table).unstack()
    before = pd.read_csv(BEFORE)
    for row in (BEFORE_ROW, "seasonal naive"):
        found = before[(before.dataset == dataset) & (before.row == row)]
        table[row] = found.set_index(found.series.astype(str))["MASE"].reindex(table.index)
    return table


def paired(tables, row, other, draws=2000, seed=0):
    """The geometric mean over datasets of mean-MASE ratios, series resampled within each."""
    rng = np.random.default_rng(seed)
    point = np.exp(np.mean([np.log(t[row].mean() / t[other].mean()) for t in tables]))
    draws_ = []
    for _ in range(draws):
        logs = []
        for t in tables:
            pick = rng.integers(0, len(t), len(t))
            logs.append(np.log(t[row].iloc[pick].mean() / t[other].iloc[pick].mean()))
        draws_.append(np.exp(np.mean(logs)))
    low, high = np.percentile(draws_, [2.5, 97.5])
    return point, low, high


def shapes(datasets):
    """``LLMForecaster(sp=...)`` on each dataset's five shortest series alone and on a
    panel of every series of the dataset that is shorter than a window of 24 plus its
    horizon (what the default once refused): the head taken, and the forecasts finite."""
    from llmiso.forecasting import LLMForecaster

    for dataset in datasets:
        series = sorted(load(dataset), key=lambda s: len(s.train))
        fh = list(range(1, series[0].h + 1))
        for s in series[:5]:
            one = LLMForecaster(sp=s.period).fit(panel([s]).loc[s.name], fh=fh)
            assert np.isfinite(one.predict().to_numpy()).all()
        short = [s for s in series if len(s.train) < 24 + s.h]
        start = time.perf_counter()
        together = LLMForecaster(sp=series[0].period).fit(panel(short or series[:5]), fh=fh)
        assert np.isfinite(together.predict().to_numpy()).all()
        print(f"{dataset}: the 5 shortest series alone ({len(series[0].train)}-"
              f"{len(series[4].train)} values), head "
              f"{'pretrained' if one.pretrained_head_ is not None else 'fitted'}; a panel of "
              f"the {len(short)} series shorter than 24 + {series[0].h} values, head "
              f"{'pretrained' if together.pretrained_head_ is not None else 'fitted'}, "
              f"windows of {together.window_length_}, {time.perf_counter() - start:.0f} s: "
              "finite forecasts", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--shapes", action="store_true",
                        help="the shortest series alone and every short series as a panel")
    parser.add_argument("--datasets", default="six", help="four, six, or names joined by commas")
    args = parser.parse_args()
    datasets = {"four": TARGET_SETS, "six": SIX}.get(args.datasets) or args.datasets.split(",")
    if args.shapes:
        return shapes(datasets)
    tables = {}
    for dataset in datasets:
        tables[dataset] = per_series(run_dataset(dataset, args.series), dataset, args.series)
    relative = pd.DataFrame({d: t.mean() / t["seasonal naive"].mean() for d, t in tables.items()})
    print("\nMASE relative to seasonal naive, one global model per dataset panel "
          f"({args.series} series each):")
    print(relative.round(3).to_string())
    for name, group in {"four": [d for d in TARGET_SETS if d in tables],
                        "six": [d for d in SIX if d in tables]}.items():
        if not group:
            continue
        picked = [tables[d] for d in group]
        print(f"\n{name} ({', '.join(group)}): geometric means "
              + ", ".join(f"{row} {np.exp(np.log(relative.loc[row, group]).mean()):.3f}"
                          for row in ("default", "default, no LLM", BEFORE_ROW)))
        for other in (BEFORE_ROW, "default, no LLM"):
            point, low, high = paired(picked, "default", other)
            print(f"  default / {other}: {point:.3f} [95% bootstrap {low:.3f}, {high:.3f}]")


if __name__ == "__main__":
    main()
