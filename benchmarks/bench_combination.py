"""Combine by evidence on M3 and Tourism: the weights, the pool, the calibration.

    python benchmarks/bench_combination.py --validation [--series 200]   # choose
    python benchmarks/bench_combination.py [--series N | --full]         # score
    python benchmarks/bench_combination.py --report [--validation]       # tables only

Two runs, the same code. ``--validation`` cuts each series' last ``h`` training
values off as its test window, so every choice (the pool, the shrinkage, the rule)
is made on values inside the training parts; the default run scores the official
test windows with those choices frozen in ``Combination``'s defaults.

Per dataset one LLMForecaster (the package's defaults, the global model as
bench_competitions.py runs it, ``combine`` the whole pool) is fitted on the panel,
and so is the same without the LLM; their members' forecasts (``member_quantiles``)
and the evidence their combinations weighed (``combiner_.validation_paths_``) are
stored, one file per dataset, so a stopped run resumes. Any pool and shrinkage is
then the same arithmetic as ``Combination`` (``evidence_weights``,
``interval_scale``), applied to the stored members: a subset's combination is what
the forecaster with that subset gives (checked against one on ``--check``).
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
    LEVELS,
    TARGET_SETS,
    Series,
    load,
    mase,
    panel,
    protocol_check,
    published_relative,
    run_fracast,
    run_seasonal_naive,
    score,
)

POOL = ("ets", "theta", "ces", "arima", "dotm")
NAMES = {"ets": "AutoETS", "theta": "AutoTheta", "ces": "CES", "arima": "AutoARIMA",
         "dotm": "DynamicOptimizedTheta"}
N_ORIGINS = 36
SHRINKAGES = (0.0, 0.25, 0.5, 0.75, 1.0)
# The evidence holds the members' validation quantiles at LEVELS (Combination's
# validation levels, the deciles): the weights read the median, the calibration the
# 80% interval.
MEDIAN = list(LEVELS).index(0.5)
SPREAD_LEVELS = [list(LEVELS).index(q) for q in (0.1, 0.5, 0.9)]


def series_for(dataset, args):
    """The dataset's series as this run sees them (subset, validation cut)."""
    n = None if args.full else (5 if args.quick else args.series)
    return cut(load(dataset, n), args.validation)


def cut(series, validation):
    """The series as the run sees them: the training parts, or (validation) the
    training parts less their last h values, which become the test window."""
    if not validation:
        return series
    return [Series(s.name, s.train[: -s.h], s.train[-s.h :], s.period) for s in series
            if len(s.train) > 2 * s.h]


def forecaster(quick, embedder="default", models=POOL, cache_dir=None, period=12):
    """The forecaster a user gets with ``sp`` alone (its head, window and padding of
    short series), the head on each series' latest ``N_ORIGINS`` origins (for time),
    every member's validation forecasts kept (evidence weights, calibrated)."""
    from llmiso.forecasting import Combination, LLMForecaster, forecasting_embedder

    if embedder == "default":  # the forecaster's own default embedder
        embedder = forecasting_embedder("tiny-random-llama" if quick else None,
                                        cache_dir=cache_dir)
        if quick:
            embedder.set_params(dtype="float32")
    return LLMForecaster(embedder, combine=Combination(models, weights="evidence", calibrate=True),
                         sp=period, n_origins=N_ORIGINS, n_jobs=1 if quick else 2)


def fit_members(series, model):
    """Each member's test quantiles (M, n_series, h, 9), the evidence, seconds."""
    h = series[0].h
    usable = series  # the default pads a series shorter than its window and a horizon
    start = time.perf_counter()
    model.fit(panel(usable), fh=list(range(1, h + 1)))
    members = model.member_quantiles(alpha=list(LEVELS))
    seconds = time.perf_counter() - start
    names = list(members)
    by_series = {name: {key: f.to_numpy() for key, f in frame.groupby(level=0)}
                 for name, frame in members.items()}
    order = {key: i for i, key in enumerate(s.name for s in usable)}
    paths = np.stack([[by_series[n].get(s.name, np.repeat(s.train[-1], h * len(LEVELS))
                                        .reshape(h, -1)) for s in series] for n in names])
    combiner = model.combiner_
    evidence = [combiner.validation_paths_[order[s.name]] if s.name in order else None
                for s in series]
    truth = [combiner.validation_truth_[order[s.name]] if s.name in order else None
             for s in series]
    return names, paths, evidence, truth, {**model.seconds_, "total": seconds}


def combine(paths, evidence, truth, members, shrinkage, calibrate=True, rule="series"):
    """The combination of ``members`` (indices), as ``Combination`` computes it.

    ``rule`` "series": each series' weights from its own validation errors (what
    ``Combination`` does); "panel": one set of weights for every series, from each
    member's validation error relative to the members' mean, averaged over the series
    (less noisy, blind to the series): a row, not an option of ``Combination``.
    """
    from llmiso.forecasting import evidence_weights, interval_scale, stretch_intervals

    M = len(members)
    weights = np.full((paths.shape[1], M), 1.0 / M)
    errors = {}
    for i, (found, values) in enumerate(zip(evidence, truth, strict=True)):
        if found is not None:
            errors[i] = np.abs(found[members][..., MEDIAN] - values).mean(axis=(1, 2))
    if rule == "panel" and errors:
        relative = np.mean([e / max(e.mean(), 1e-300) for e in errors.values()], axis=0)
        weights[:] = evidence_weights(relative, shrinkage)
    else:
        for i, e in errors.items():
            weights[i] = evidence_weights(e, shrinkage)
    validation = [np.einsum("m,mvhl->vhl", weights[i], evidence[i][members]) for i in errors]
    truths = [truth[i] for i in errors]
    combined = np.einsum("sm,msql->sql", weights, paths[members])
    if calibrate and validation:
        factors = interval_scale(np.concatenate(validation)[..., SPREAD_LEVELS],
                                 np.concatenate(truths))
        combined = stretch_intervals(combined, LEVELS, factors)
    return combined, weights


def run_dataset(dataset, args, out):
    stored = out / f"{slug(dataset)}.npz"
    if stored.exists():
        return
    series = series_for(dataset, args)
    period = series[0].period
    cache = Path(args.cache_dir) / slug(dataset)
    found = {}
    # The null's statistical members are the LLM fit's (the same models on the same
    # series): it fits its head alone, with the same validation windows (an empty pool).
    for label, embedder, models in (("LLM", "default", args.pool), ("no LLM", "passthrough", ())):
        model = forecaster(args.quick, embedder, models, cache_dir=cache, period=period)
        names, paths, evidence, truth, seconds = fit_members(series, model)
        found[label] = (names, paths, evidence, truth, seconds)
        print(f"  {dataset}, {label}: fit {seconds}", flush=True)
    llm, null = found["LLM"], found["no LLM"]
    # Both keep the validation windows they share (the latest ones): a shipped head
    # needs no earlier horizon to learn from, so it may score more than a fitted one.
    shared = [None if e is None or f is None else min(e.shape[1], f.shape[1])
              for e, f in zip(null[2], llm[2], strict=True)]
    evidence = {key: [None if k is None else e[:, -k:]
                      for e, k in zip(part[2], shared, strict=True)]
                for key, part in (("LLM", llm), ("no LLM", null))}
    truth = [None if k is None else t[-k:] for t, k in zip(llm[3], shared, strict=True)]
    found["LLM"] = (llm[0], llm[1], evidence["LLM"], truth, llm[4])
    found["no LLM"] = (llm[0], np.concatenate([null[1], llm[1][1:]]),
                       [None if e is None else np.concatenate([e, f[1:]])
                        for e, f in zip(evidence["no LLM"], evidence["LLM"], strict=True)],
                       truth, null[4])
    start = time.perf_counter()
    fracast, _ = run_fracast(series)
    fracast_seconds = (time.perf_counter() - start) / len(series)
    names = found["LLM"][0]
    np.savez(stored, names=np.array(names), series=np.array([s.name for s in series]),
             llm=found["LLM"][1], no_llm=found["no LLM"][1], fracast=np.stack(fracast),
             naive=np.stack(run_seasonal_naive(series)),
             **{f"evidence_{k}_{i}": e for k in ("llm", "no_llm")
                for i, e in enumerate(found["LLM" if k == "llm" else "no LLM"][2])
                if e is not None},
             **{f"truth_{i}": t for i, t in enumerate(found["LLM"][3]) if t is not None},
             seconds=np.array([found["LLM"][4]["total"], found["no LLM"][4]["total"],
                               fracast_seconds * len(series)]) / len(series))


def slug(name):
    return "".join(c if c.isalnum() else "-" for c in name)


def rows_of(dataset, args, out, choice):
    """Every row's quantile paths on one dataset, from what is stored."""
    data = np.load(out / f"{slug(dataset)}.npz")
    names = list(data["names"])
    n = len(data["series"])
    evidence = {k: [data[f"evidence_{k}_{i}"] if f"evidence_{k}_{i}" in data else None
                    for i in range(n)] for k in ("llm", "no_llm")}
    truth = [data[f"truth_{i}"] if f"truth_{i}" in data else None for i in range(n)]
    index = {name: i for i, name in enumerate(names)}
    fitted = [m for m in POOL if NAMES[m] in index]
    stats = [index[NAMES[m]] for m in fitted]
    rows = {"seasonal naive": data["naive"], "fracast": data["fracast"],
            "the head alone": data["llm"][0], "its null: the head alone, no LLM": data["no_llm"][0]}
    for m in fitted:
        rows[NAMES[m]] = data["llm"][index[NAMES[m]]]
    pool, shrinkage, rule, calibrate = choice
    chosen = [0] + [index[NAMES[m]] for m in pool]

    def weighted(kind, members, **changes):
        settings = {"shrinkage": shrinkage, "calibrate": calibrate, "rule": rule, **changes}
        return combine(data[kind], evidence[kind], truth, members, **settings)[0]

    rows["the default"] = weighted("llm", chosen)
    rows["its null: the same without the LLM"] = weighted("no_llm", chosen)
    rows["weighted combination with the no-LLM head"] = rows[
        "its null: the same without the LLM"]
    rows["today's default: plain average of the head, AutoETS, AutoTheta"] = data["llm"][
        [0, index["AutoETS"], index["AutoTheta"]]].mean(axis=0)
    rows["plain average of the default's pool"] = data["llm"][chosen].mean(axis=0)
    rows["plain average of every member"] = data["llm"][[0, *stats]].mean(axis=0)
    if {"ets", "ces", "arima", "dotm"} <= set(fitted):
        rows["SCUM: median of AutoETS, CES, AutoARIMA, DOTM"] = np.median(
            data["llm"][[index[NAMES[m]] for m in ("ets", "ces", "arima", "dotm")]], axis=0)
    rows["weighted statistical members, no head"] = weighted("llm", chosen[1:])
    # The levers, one at a time from the default.
    rows[f"lever: calibrate={not calibrate}"] = weighted("llm", chosen, calibrate=not calibrate)
    if shrinkage < 1:
        other = "panel" if rule == "series" else "series"
        rows[f"lever: weights from the {other}'s evidence"] = weighted("llm", chosen, rule=other)
    for level in (0.75, 0.0):
        if (level, "series") != (shrinkage, rule):
            rows[f"lever: per-series evidence weights, shrinkage {level}"] = weighted(
                "llm", chosen, shrinkage=level, rule="series")
    rows["lever: the pool ets+theta"] = weighted("llm", [0, index["AutoETS"], index["AutoTheta"]])
    return rows, data["seconds"]


def candidates():
    """The pools, shrinkages and weighting rules the validation run chooses among."""
    pools = [("ets", "theta"), ("ets", "theta", "ces"), ("ets", "theta", "dotm"),
             ("ets", "theta", "ces", "dotm"), POOL]
    return [(pool, s, rule) for pool in pools for s in SHRINKAGES
            for rule in ("series", "panel")]


def choose(args, out, datasets):
    """On the validation run: each candidate's geometric-mean MASE relative to seasonal
    naive over the datasets (and its WQL, calibrated or not), and the best: by MASE,
    then calibration by WQL."""
    stored = {d: (series_for(d, args), np.load(out / f"{slug(d)}.npz")) for d in datasets}
    results = []
    for pool, shrinkage, rule in candidates():
        if rule == "panel" and shrinkage == 1.0:
            continue  # the same as "series": equal weights
        rel = []
        for series, data in stored.values():
            paths, evidence, truth, chosen = _stored_members(data, pool)
            naive = score(series, list(data["naive"]))
            cells = []
            for calibrate in (False, True):
                q = combine(paths, evidence, truth, chosen, shrinkage, calibrate, rule)[0]
                found = score(series, list(q))
                cells += [found["MASE"] / naive["MASE"], found["WQL"] / naive["WQL"],
                          found["coverage80"]]
            rel.append(cells)
        g = np.exp(np.log(np.array(rel)).mean(axis=0))
        results.append({"pool": "+".join(pool), "shrinkage": shrinkage, "rule": rule,
                        "MASE": g[0], "WQL": g[1], "coverage80": np.mean(rel, axis=0)[2],
                        "WQL calibrated": g[4],
                        "coverage80 calibrated": np.mean(rel, axis=0)[5]})
    table = pd.DataFrame(results).sort_values("MASE")
    print("Validation (the last h training values of each series), the default's "
          "geometric means relative to seasonal naive:\n" + table.round(4).to_string(
              index=False))
    best = table.iloc[0]
    calibrate = bool(best["WQL calibrated"] < best["WQL"])
    return tuple(best.pool.split("+")), float(best.shrinkage), best.rule, calibrate


def _stored_members(data, pool):
    n = len(data["series"])
    names = list(data["names"])
    evidence = [data[f"evidence_llm_{i}"] if f"evidence_llm_{i}" in data else None
                for i in range(n)]
    truth = [data[f"truth_{i}"] if f"truth_{i}" in data else None for i in range(n)]
    return data["llm"], evidence, truth, [0] + [names.index(NAMES[m]) for m in pool]


def report(args, out, datasets, choice):
    per_series, table = [], []
    for dataset in datasets:
        if not (out / f"{slug(dataset)}.npz").exists():
            continue
        series = series_for(dataset, args)
        rows, seconds = rows_of(dataset, args, out, choice)
        for name, q in rows.items():
            table.append({"dataset": dataset, "row": name, **score(series, list(q))})
            per_series += [{"dataset": dataset, "row": name, "series": s.name,
                            "MASE": mase(s, f[:, len(LEVELS) // 2])}
                           for s, f in zip(series, q, strict=True)]
        table.append({"dataset": dataset, "row": "seconds per series (LLM, no LLM, fracast)",
                      "MASE": np.nan, "WQL": np.nan, "coverage80": np.nan,
                      "seconds": ", ".join(f"{s:.3f}" for s in seconds)})
    table, per_series = pd.DataFrame(table), pd.DataFrame(per_series)
    table.to_csv(out / "scores.csv", index=False)
    per_series.to_csv(out / "per_series.csv", index=False)
    summarise(table, per_series, datasets)


def summarise(table, per_series, datasets):
    from bench_levers import ratio

    scored = table[table.MASE.notna()]
    naive = scored[scored.row == "seasonal naive"].set_index("dataset")
    rel = scored.join(naive[["MASE", "WQL"]], on="dataset", rsuffix="_naive")
    rel["rel_MASE"], rel["rel_WQL"] = rel.MASE / rel.MASE_naive, rel.WQL / rel.WQL_naive
    four = [d for d in TARGET_SETS if d in datasets]
    pd.set_option("display.width", 250)
    summary = pd.DataFrame({
        "MASE, four": rel[rel.dataset.isin(four)].groupby("row").rel_MASE.apply(_geomean),
        "MASE, six": rel.groupby("row").rel_MASE.apply(_geomean),
        "WQL, four": rel[rel.dataset.isin(four)].groupby("row").rel_WQL.apply(_geomean),
        "WQL, six": rel.groupby("row").rel_WQL.apply(_geomean),
        "coverage80, pooled": rel.groupby("row").coverage80.mean(),
    })
    print(summary.sort_values("MASE, four").round(3).to_string())
    print("\nMASE per dataset:\n" + scored.pivot(index="row", columns="dataset",
                                                 values="MASE").round(3).to_string())
    print("\n80% coverage per dataset:\n" + scored.pivot(index="row", columns="dataset",
                                                       values="coverage80").round(3).to_string())
    check = protocol_check(scored)
    print("\nProtocol check, our seasonal naive / fev's (1.000: the metric is comparable "
          "with the published rows; only on every series):\n" + check.round(3).to_string())
    for sets in ([four, datasets] if set(four) != set(datasets) else [datasets]):
        print(f"\npublished (fev, every series), {len(sets)} datasets, relative to seasonal "
              "naive:\n" + published_relative(sets).round(3).to_string())
    default = "the default"
    print("\nPaired MASE ratios, 95% bootstrap intervals (four | all run):")
    for other in ["its null: the same without the LLM",
                  "today's default: plain average of the head, AutoETS, AutoTheta",
                  "plain average of the default's pool",
                  *[NAMES[m] for m in POOL if NAMES[m] in set(per_series.row)],
                  "weighted statistical members, no head"]:
        cells = [ratio(per_series, default, other, sets) for sets in (four, datasets)]
        print(f"  default / {other}: " + " | ".join(
            "not run" if c is None else f"{c[0]:.3f} [{c[1]:.3f}, {c[2]:.3f}]" for c in cells))
    head = ratio(per_series, "the head alone", "its null: the head alone, no LLM", four)
    if head:
        print(f"  the head alone / its null: {head[0]:.3f} [{head[1]:.3f}, {head[2]:.3f}]")


def _geomean(values):
    return float(np.exp(np.log(values).mean()))


def member_seconds(args):
    """Each member's seconds per series, as the combination runs it: a fit on the whole
    series and forecasts of its last 6 windows (cross_validation), on M3 monthly."""
    from llmiso.forecasting import StatisticalModels

    series = load("M3 monthly", 20 if args.quick else args.series)
    values = [s.train for s in series]
    rows = []
    for member in POOL:
        models = StatisticalModels((member,), 12, n_jobs=1)
        start = time.perf_counter()
        models.fit(values)
        models.validation_forecasts(values, [6] * len(values), series[0].h, (0.1, 0.5, 0.9))
        rows.append({"member": NAMES[member],
                     "seconds per series": (time.perf_counter() - start) / len(series)})
        print(rows[-1], flush=True)
    print(pd.DataFrame(rows).round(3).to_string(index=False))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--full", action="store_true", help="every series")
    parser.add_argument("--validation", action="store_true",
                        help="the last h training values as the test window: for choosing")
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS))
    parser.add_argument("--output", default=None)
    parser.add_argument("--cache-dir", default="benchmarks/results/embedding-cache/combination")
    parser.add_argument("--report", action="store_true")
    parser.add_argument("--quick", action="store_true", help="5 series, the tiny model")
    parser.add_argument("--member-seconds", action="store_true",
                        help="each member's seconds per M3 monthly series (one process)")
    parser.add_argument("--pool", nargs="*", default=list(POOL),
                        help="statistical members the run fits (rows need ets and theta)")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    if args.member_seconds:
        return member_seconds(args)
    kind = "validation" if args.validation else ("full" if args.full else f"{args.series}")
    out = Path(args.output or f"benchmarks/results/combination/{kind}")
    out.mkdir(parents=True, exist_ok=True)
    datasets = ["M3 quarterly", "Tourism yearly"] if args.quick else args.datasets
    if not args.report:
        for dataset in datasets:
            print(f"{dataset} ...", flush=True)
            run_dataset(dataset, args, out)
    from llmiso.forecasting import Combination

    defaults = Combination().get_params()
    choice = (tuple(defaults["models"]), defaults["shrinkage"], "series",
              defaults["calibrate"])
    if defaults["weights"] == "equal":
        choice = (choice[0], 1.0, "series", choice[3])
    done = [d for d in datasets if (out / f"{slug(d)}.npz").exists()]
    if args.validation and done:
        choice = choose(args, out, done)
        print(f"chosen on validation: pool {choice[0]}, shrinkage {choice[1]}, "
              f"rule {choice[2]}, calibrate {choice[3]}")
    report(args, out, datasets, choice)


if __name__ == "__main__":
    main()
