"""How to combine the members' distributions: chosen on validation, then every series.

    python benchmarks/bench_distributions.py --validation   # choose (reads the run below)
    python benchmarks/bench_distributions.py --full         # every M3 and Tourism series
    python benchmarks/bench_distributions.py --per-series   # one forecaster per series
    python benchmarks/bench_distributions.py --conformal --datasets "M3 monthly"

``--per-series`` reads bench_per_series.py's tables (200 series per dataset, one
forecaster per series, the shipped head): the default's members are rows there (the
pretrained head alone, AutoETS, AutoTheta, AutoCES), so the default with the
mixture is their mixture, scored beside the rows as they were run.

Reads what ``bench_combination.py`` stored per dataset (run it first, with the same
``--validation``/``--full``): each member's quantiles (the head, AutoETS, AutoTheta,
AutoCES; levels 0.1, ..., 0.9) for the scored window, and the evidence: each member's
quantiles at the series' last whole windows inside the data it was fitted on, with the
values that followed. Every rule below learns only from that evidence (what
``Combination.fit`` sees), so a rule scored on the validation run's windows (the last
h training values, no official test value read) is scored as it would be used.

Rules (levers of issue 39), each beside its no-LLM null where it has one:
- level by level (today's default): the members' q-quantiles averaged;
- a mixture: the members' distributions averaged (probabilities, not quantiles),
  each member's CDF linear between its deciles;
- the level-by-level median with the spread of one member (its quantiles' distances
  from its own median);
- a scale per horizon step, per side, learned on the panel's evidence (the factor
  minimising the quantile loss there), on top of a rule;
- weights per quantile level, learned on the panel's evidence and shrunk halfway
  toward equal;
- one factor per side (``calibrate=True``, issue 32's), for reference.
"""

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _competitions import (  # noqa: E402
    DATASETS,
    LEVELS,
    TARGET_SETS,
    mase,
    protocol_check,
    published_relative,
    score,
)
from bench_combination import series_for, slug  # noqa: E402

MEMBERS = ("the head", "AutoETS", "AutoTheta", "CES")
MEDIAN = list(LEVELS).index(0.5)


def load_stored(path):
    """(members' quantiles (M, S, H, L), no-LLM head's (S, H, L), evidence per series
    (M, V, H, L) or None, its truth (V, H) or None, the no-LLM head's evidence,
    seasonal naive's quantiles)."""
    data = np.load(path)
    names = list(data["names"])
    order = [0] + [names.index(n) for n in ("AutoETS", "AutoTheta", "CES")]
    n = len(data["series"])

    def evidence(kind, i):
        key = f"evidence_{kind}_{i}"
        return data[key][order] if key in data else None

    return (data["llm"][order], data["no_llm"][0],
            [evidence("llm", i) for i in range(n)],
            [data[f"truth_{i}"] if f"truth_{i}" in data else None for i in range(n)],
            [None if evidence("no_llm", i) is None else evidence("no_llm", i)[0]
             for i in range(n)],
            data["naive"])


def pinball(q, y, levels=LEVELS):
    """Quantile loss of quantiles ``q`` (N, L) at ``levels`` against ``y`` (N,), each
    row in units of its value and capped at 1 (so a series of large values, or a
    member whose forecast exploded on one window, does not decide for the panel),
    summed."""
    diff = y[..., None] - q
    loss = np.maximum(levels * diff, (levels - 1) * diff)
    return float(np.sum(np.minimum(loss / (np.abs(y)[..., None] + 1e-9), 1.0)))


def mixture(quantiles, weights=None):
    """Quantiles at LEVELS of the mixture of the members' distributions (what
    ``Combination(average="mixture")`` computes)."""
    from llmiso.forecasting import mix_quantiles

    return mix_quantiles(quantiles, LEVELS, weights)


def spread_from(quantiles, member, weights=None):
    """The level-by-level median with ``member``'s distances from its own median."""
    combined = level_wise(quantiles, weights)
    own = quantiles[member]
    return combined[..., [MEDIAN]] + own - own[..., [MEDIAN]]


def level_wise(quantiles, weights=None):
    """The members' q-quantiles averaged (weights per member, or per level (M, L))."""
    M = len(quantiles)
    w = np.full(M, 1.0 / M) if weights is None else np.asarray(weights, dtype=float)
    if w.ndim == 1:
        return np.einsum("m,m...->...", w, quantiles)
    return np.einsum("ml,m...l->...l", w, quantiles)


SCALE_GRID = np.arange(0.3, 3.01, 0.05)


def step_scales(paths, truth, grid=SCALE_GRID):
    """(H, 2): per horizon step, the factors below and above the median that minimise
    the summed quantile loss of ``paths`` (N, H, L) against ``truth`` (N, H)."""
    H = paths.shape[1]
    med = paths[..., [MEDIAN]]
    below = LEVELS < 0.5
    out = np.ones((H, 2))
    for h in range(H):
        for side, mask in ((0, below), (1, LEVELS > 0.5)):
            losses = []
            for c in grid:
                q = med[:, h] + c * (paths[:, h] - med[:, h])
                losses.append(pinball(q[:, mask], truth[:, h], LEVELS[mask]))
            out[h, side] = grid[int(np.argmin(losses))]
    return out


def apply_scales(quantiles, scales):
    """``quantiles`` (S, H, L) stretched around their median per step and side."""
    med = quantiles[..., [MEDIAN]]
    factor = np.where(LEVELS < 0.5, scales[:, :1], scales[:, 1:])  # (H, L)
    return np.sort(med + factor * (quantiles - med), axis=-1)


def level_weights(evidence, truth, shrinkage=0.5, step=0.1):
    """(M, L): per level, the members' weights (a grid on the simplex) minimising the
    pooled quantile loss at that level on the evidence, shrunk toward equal."""
    M = evidence.shape[0]
    grid = [np.array(c) / round(1 / step) for c in itertools.product(
        range(round(1 / step) + 1), repeat=M) if sum(c) == round(1 / step)]
    out = np.empty((M, len(LEVELS)))
    for j, level in enumerate(LEVELS):
        losses = []
        for w in grid:
            q = np.einsum("m,m...->...", w, evidence[..., j])
            losses.append(pinball(q.reshape(-1, 1), truth.reshape(-1), np.array([level])))
        out[:, j] = (1 - shrinkage) * grid[int(np.argmin(losses))] + shrinkage / M
    return out


def calibrate(paths, truth, quantiles):
    """Issue 32's rule: one factor per side from the evidence's 80% coverage."""
    from llmiso.forecasting import interval_scale, stretch_intervals

    spread = [list(LEVELS).index(q) for q in (0.1, 0.5, 0.9)]
    return stretch_intervals(quantiles, LEVELS, interval_scale(paths[..., spread], truth))


def rows_for(stored):
    """Every rule's quantiles (S, H, L) on one dataset."""
    members, null_head, evidence, truth, null_evidence, naive = stored
    has = [i for i, e in enumerate(evidence) if e is not None and null_evidence[i] is not None]
    ev = np.concatenate([evidence[i] for i in has], axis=1)  # (M, N, H, L)
    tr = np.concatenate([truth[i] for i in has])
    null_members = np.concatenate([null_head[None], members[1:]])
    null_ev = np.concatenate([np.concatenate([null_evidence[i][None] for i in has], axis=1),
                              ev[1:]])
    rows = {"seasonal naive": naive}
    for m, name in enumerate(MEMBERS):
        rows[name] = members[m]
    rows["its null: the head alone, no LLM"] = null_head
    rows["plain average of AutoETS, AutoTheta, AutoCES"] = level_wise(members[1:])
    for label, q, e in (("", members, ev), (" (no LLM)", null_members, null_ev)):
        base = level_wise(q)
        rows[f"level by level (the default before){label}"] = base
        rows[f"level by level, calibrated (issue 32){label}"] = calibrate(
            level_wise(e), tr, base)
        mix = mixture(q)
        rows[f"mixture{label}"] = mix
        rows[f"level by level + step scales{label}"] = apply_scales(
            base, step_scales(level_wise(e), tr))
        rows[f"mixture + step scales{label}"] = apply_scales(mix, step_scales(mixture(e), tr))
        for m, name in enumerate(MEMBERS):
            rows[f"median level by level, spread of {name}{label}"] = spread_from(q, m)
        w = level_weights(e, tr)
        rows[f"weights per level{label}"] = level_wise(q, w)
        rows[f"weights per level + step scales{label}"] = apply_scales(
            level_wise(q, w), step_scales(level_wise(e, w), tr))
    return rows


PER_SERIES_MEMBERS = ["pretrained head alone", "AutoETS (statsforecast)",
                      "AutoTheta (statsforecast)", "AutoCES (statsforecast)"]


def per_series_mixture(datasets):
    """The per-series benchmark's rows and the default with the mixture, on the four
    and on every dataset run."""
    from bench_per_series import summarise as per_series_summary

    columns = [f"q{level:g}" for level in LEVELS]
    frames = {}
    for dataset in datasets:
        path = Path(f"benchmarks/results/per-series/{slug(dataset)}-200.csv.gz")
        if not path.exists():
            continue
        frame = pd.read_csv(path)
        parts = [frame[frame.row == m].set_index(["series", "step"]).sort_index()
                 for m in PER_SERIES_MEMBERS]
        null = frame[frame.row == "pretrained head alone, no LLM"].set_index(
            ["series", "step"]).sort_index()
        rows = []
        for name, head in ((MIXED, parts[0]), (MIXED_NULL, null)):
            mixed = parts[0].copy()
            mixed[columns] = mixture(np.stack([head[columns].to_numpy()]
                                              + [p[columns].to_numpy() for p in parts[1:]]))
            mixed["row"] = name
            mixed["refused"] = np.any([p.refused.to_numpy() for p in parts], axis=0)
            rows.append(mixed.reset_index())
        frames[dataset] = pd.concat([frame, *rows])
    for sets in ([d for d in TARGET_SETS if d in frames], list(frames)):
        table, _ = per_series_summary({d: frames[d] for d in sets}, 200, reference=MIXED)
        print(f"\n{', '.join(sets)}:\n" + table.round(3).to_string())


MIXED = "default, members mixed (Combination's default now)"
MIXED_NULL = "the same, no LLM (the shipped no-LLM head mixed)"


def conformal_lever(datasets, series_count=200):
    """The statistical members' intervals from statsforecast's ``ConformalIntervals``
    (two windows of h), on the validation windows, mixed with the stored head: the
    lever of the members' own intervals. Series too short for two conformal windows
    keep their stored members."""
    import time
    from types import SimpleNamespace

    from statsforecast import StatsForecast
    from statsforecast.models import AutoCES, AutoETS, AutoTheta
    from statsforecast.utils import ConformalIntervals

    args = SimpleNamespace(full=False, quick=False, series=series_count, validation=True)
    widths = [80, 60, 40, 20]
    for dataset in datasets:
        stored = load_stored(Path(f"benchmarks/results/combination/validation/{slug(dataset)}.npz"))
        series = series_for(dataset, args)
        h, sp = series[0].h, series[0].period
        ok = [i for i, s in enumerate(series) if len(s.train) - 2 * h >= 3 * sp + 6]
        frame = pd.concat([pd.DataFrame({"unique_id": i, "ds": np.arange(len(series[i].train)),
                                         "y": series[i].train}) for i in ok])
        intervals = ConformalIntervals(h=h, n_windows=2)
        start = time.perf_counter()
        found = StatsForecast(models=[m(season_length=sp, prediction_intervals=intervals)
                                      for m in (AutoETS, AutoTheta, AutoCES)], freq=1).forecast(
            df=frame, h=h, level=widths)
        seconds = time.perf_counter() - start
        members = stored[0].copy()
        for m, name in enumerate(["AutoETS", "AutoTheta", "CES"], start=1):
            columns = ([f"{name}-lo-{w}" for w in widths] + [name]
                       + [f"{name}-hi-{w}" for w in widths[::-1]])
            for i in ok:
                members[m, i] = np.sort(found[found.unique_id == i][columns].to_numpy(), axis=-1)
        naive = score(series, list(stored[5]))
        for label, q in (("mixture, members as stored", mixture(stored[0])),
                         ("mixture, conformal statistical members", mixture(members))):
            found_scores = score(series, list(q))
            print(f"{dataset}: {label}: WQL / naive {found_scores['WQL'] / naive['WQL']:.4f}, "
                  f"MASE / naive {found_scores['MASE'] / naive['MASE']:.4f}, "
                  f"80% coverage {found_scores['coverage80']:.3f}")
        for m, name in enumerate(["AutoETS", "AutoTheta", "CES"], start=1):
            before, after = score(series, list(stored[0][m])), score(series, list(members[m]))
            print(f"  {name}: 80% coverage {before['coverage80']:.3f} -> "
                  f"{after['coverage80']:.3f}, WQL / naive {before['WQL'] / naive['WQL']:.3f} "
                  f"-> {after['WQL'] / naive['WQL']:.3f}")
        print(f"  conformal fits: {seconds:.0f} s for {len(ok)} of {len(series)} series")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-series", action="store_true")
    parser.add_argument("--conformal", action="store_true",
                        help="the statistical members' conformal intervals (validation)")
    parser.add_argument("--validation", action="store_true")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS))
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    args.quick = False
    if args.per_series:
        import warnings

        warnings.filterwarnings("ignore")  # pandas' notices
        return per_series_mixture(args.datasets)
    if args.conformal:
        import warnings

        warnings.filterwarnings("ignore")  # statsforecast's notices
        return conformal_lever(args.datasets, args.series)
    kind = "validation" if args.validation else ("full" if args.full else f"{args.series}")
    out = Path(args.output or f"benchmarks/results/combination/{kind}")
    table, per_series = [], []
    for dataset in args.datasets:
        path = out / f"{slug(dataset)}.npz"
        if not path.exists():
            print(f"{dataset}: not run yet ({path})")
            continue
        series = series_for(dataset, args)
        for name, q in rows_for(load_stored(path)).items():
            table.append({"dataset": dataset, "row": name, **score(series, list(q))})
            per_series += [{"dataset": dataset, "row": name, "series": s.name,
                            "MASE": mase(s, f[:, MEDIAN])} for s, f in zip(series, q, strict=True)]
    table, per_series = pd.DataFrame(table), pd.DataFrame(per_series)
    table.to_csv(out / "distributions.csv", index=False)
    per_series.to_csv(out / "distributions_per_series.csv.gz", index=False)
    summarise(table, per_series)


def summarise(table, per_series):
    naive = table[table.row == "seasonal naive"].set_index("dataset")
    rel = table.join(naive[["MASE", "WQL"]], on="dataset", rsuffix="_naive")
    rel["rel_MASE"], rel["rel_WQL"] = rel.MASE / rel.MASE_naive, rel.WQL / rel.WQL_naive
    done = list(dict.fromkeys(table.dataset))
    four = [d for d in TARGET_SETS if d in done]

    def geo(v):
        return float(np.exp(np.log(v).mean()))

    summary = pd.DataFrame({
        "MASE, four": rel[rel.dataset.isin(four)].groupby("row").rel_MASE.apply(geo),
        "WQL, four": rel[rel.dataset.isin(four)].groupby("row").rel_WQL.apply(geo),
        "MASE, all run": rel.groupby("row").rel_MASE.apply(geo),
        "WQL, all run": rel.groupby("row").rel_WQL.apply(geo),
    })
    pd.set_option("display.width", 250)
    pd.set_option("display.max_colwidth", 70)
    print(f"datasets: {done}\n" + summary.sort_values("WQL, four").round(3).to_string())
    print("\n80% coverage per dataset:\n" + table.pivot(index="row", columns="dataset",
                                                       values="coverage80").round(3).to_string())
    print("\nWQL per dataset, relative to seasonal naive:\n" + rel.pivot(
        index="row", columns="dataset", values="rel_WQL").round(3).to_string())
    if set(table.row) >= {"seasonal naive"} and len(done) == len(DATASETS):
        print("\nProtocol check, our seasonal naive / fev's (1.000: comparable with the "
              "published rows):\n" + protocol_check(table).round(3).to_string())
        for sets in (four, done):
            print(f"\npublished (fev, every series), {len(sets)} datasets, relative to "
                  "seasonal naive:\n" + published_relative(sets).round(3).to_string())
    print("\npooled 80% coverage per row:\n"
          + table.groupby("row").coverage80.mean().round(3).to_string())
    from bench_levers import ratio

    base = "level by level (the default before)"
    for row in summary.index:
        if row.endswith("(no LLM)") or row == base:
            continue
        cells = [ratio(per_series, row, base, sets) for sets in (four, done)]
        if cells[0]:
            print(f"  MASE {row} / {base} (four | all run): " + " | ".join(
                f"{c[0]:.3f} [{c[1]:.3f}, {c[2]:.3f}]" for c in cells if c))


if __name__ == "__main__":
    main()
