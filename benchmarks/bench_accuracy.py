"""Rolling-origin accuracy on sktime's bundled series, and isotropy against error.

    python benchmarks/bench_accuracy.py [--quick] [--output benchmarks/results]

Rows: LLMForecaster with its defaults (the embedding and the scaled window, each
block centered and scaled on its own, the head learning the change from the
seasonal naive forecast); the same forecaster without the LLM
(``embedder="passthrough"``: the scaled raw window); one row per single change from
the defaults (the encoding, no baseline, the embedding alone, the prompt's trailing
separator, the layer, the bins, the isotropy transform, the penalty); the embedding
alone without centering or scaling; all on the same folds; seasonal naive, and
statsforecast's AutoETS and AutoTheta.
Columns: MASE and weighted quantile loss (levels 0.1..0.9), each also relative to
seasonal naive with its geometric mean over series (Chronos's headline metric), 80%
interval coverage, and the isotropy (IsoScore, cluster cosine) of the features each
LLM head was trained on, with their rank correlation with the error.

A series on which seasonal naive scores a MASE of 0 (a perfectly repeating
stretch: PBS's test years are all zeros, its last 30 months are 0) has no finite
ratio; it is left out of the geometric means, and said so, as is a series where it
scores 0 on any one fold (PBS, whatever the origins); its WQL, which divides
by the sum of the actual values, is undefined there too.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

LEVELS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]


def datasets(quick):
    from sktime.datasets import (
        load_airline,
        load_longley,
        load_lynx,
        load_macroeconomic,
        load_PBS_dataset,
        load_shampoo_sales,
        load_uschange,
    )

    # name: (series, seasonal period, horizon customary for its frequency)
    table = {
        "shampoo": (load_shampoo_sales(), 12, 6),
        "airline": (load_airline(), 12, 12),
        "lynx": (load_lynx(), 10, 8),
        "PBS": (load_PBS_dataset(), 12, 12),
        "uschange": (load_uschange()[0], 4, 8),
        # More bundled series: US real GDP and unemployment (quarterly, 203 values), and
        # Longley's employment (16 yearly values: shorter than a window and a horizon).
        "realgdp": (load_macroeconomic()["realgdp"], 4, 8),
        "unemp": (load_macroeconomic()["unemp"], 4, 8),
        "longley": (load_longley()[0], 1, 3),
    }
    return {"shampoo": table["shampoo"]} if quick else table


def forecasters(quick, cache_dir, window, sp, focus=False, rule=False):
    """LLM rows (the default, its no-LLM null, one change each) and the statistical rows.

    ``rule``: the default as a user gets it (``LLMForecaster(sp=...)``, whose rule
    takes the shipped pretrained head on one series), the same with a head fitted on
    the series, each head alone, each beside its null, the statistical members and
    their plain average.

    ``focus``: the default (the plain average of the head, AutoETS, AutoTheta and
    AutoCES), the head alone, the same pool weighted by evidence and calibrated, and
    the previous default (the plain average of the head, AutoETS and AutoTheta), each
    beside its null, and the statistical members.
    """
    from sklearn.base import clone
    from sktime.forecasting.naive import NaiveForecaster
    from sktime.forecasting.statsforecast import (
        StatsForecastAutoCES,
        StatsForecastAutoETS,
        StatsForecastAutoTheta,
    )

    from llmiso import IsotropyCenterer, SoftmaxHeadForecaster, SoftmaxHeadForecasterCV
    from llmiso.forecasting import Combination, LLMForecaster, forecasting_embedder

    model = "tiny-random-llama" if quick else "smollm2-135m"
    embedder = forecasting_embedder(model, cache_dir=cache_dir)  # the forecaster's default
    # The season the baselines get, as a user would pass it (a window holds at most one).
    default = LLMForecaster(embedder, window_length=window, sp=sp if sp <= window else 1)

    def variant(**changes):
        return default.clone().set_params(**changes)

    def centered(method="center", normalize=True):
        return IsotropyCenterer(method, normalize=normalize)

    no_llm = "passthrough"
    if rule:
        return rule_rows(embedder, sp, window)
    llms = {
        "LLM (defaults)": default,
        "same forecaster, no LLM": variant(embedder=no_llm),
    }
    if focus:
        # The head alone, the same pool by evidence, and the previous default (the
        # plain average of the head, AutoETS and AutoTheta), each beside its null.
        plain = Combination(("ets", "theta"), weights="equal", calibrate=False)
        evidence = Combination(weights="evidence", calibrate=True)
        llms.update(
            {
                "LLM, the head alone (combine=None)": variant(combine=None),
                "same, no LLM, the head alone": variant(embedder=no_llm, combine=None),
                "the same pool weighted by evidence, calibrated": variant(combine=evidence),
                "same, no LLM (by evidence)": variant(embedder=no_llm, combine=evidence),
                "the previous default (plain average)": variant(combine=plain),
                "same, no LLM (plain average)": variant(embedder=no_llm, combine=plain),
            }
        )
    elif not quick:
        alone = dict(include_values=False)  # the embedding alone, the paper's model
        llms.update(
            {
                "change: one pass over the series (encoding='series')": variant(encoding="series"),
                "change: no baseline (baseline=None)": variant(baseline=None),
                "change: baseline chosen by a seasonality test (baseline='auto')": variant(
                    baseline="auto"
                ),
                "same forecaster, no LLM, baseline='auto'": variant(
                    embedder=no_llm, baseline="auto"
                ),
                "change: the embedding alone (include_values=False)": variant(**alone),
                "change: no trailing separator": variant(
                    embedder=clone(embedder).set_params(trailing_separator=False)
                ),
                "change: layer 24": variant(embedder=clone(embedder).set_params(layer=24)),
                "change: layer 12": variant(embedder=clone(embedder).set_params(layer=12)),
                "change: bins fixed on [-3, 3] of the scaled target": variant(
                    head=SoftmaxHeadForecaster(n_bins=122, bin_range=(-3, 3), bin_placement="fixed")
                ),
                "change: penalty chosen by CV (SoftmaxHeadForecasterCV)": variant(
                    head=SoftmaxHeadForecasterCV()
                ),
                "change: whitened": variant(centerer=centered("whiten")),
                "change: all-but-the-top": variant(centerer=centered("abtt")),
                "change: penalty x10 (alpha=10)": variant(head=SoftmaxHeadForecaster(alpha=10.0)),
                "change: penalty / 10 (alpha=0.1)": variant(head=SoftmaxHeadForecaster(alpha=0.1)),
                "embedding alone, change: not scaled to unit mean norm": variant(
                    **alone, centerer=centered(normalize=False)
                ),
                "embedding alone, change: not centered (scaled to unit norm)": variant(
                    **alone, centerer=centered("none")
                ),
            }
        )

    def baselines(sp, positive):
        out = {"seasonal naive": NaiveForecaster(strategy="last", sp=sp)}
        if not quick:
            out["AutoETS"] = StatsForecastAutoETS(season_length=sp)
            out["AutoTheta"] = StatsForecastAutoTheta(season_length=sp)
        if focus:
            out["AutoCES"] = StatsForecastAutoCES(season_length=sp)
        return out

    return llms, baselines


def rule_rows(embedder, sp, window):
    """``--rule``'s LLM rows and statistical rows (see :func:`forecasters`); the rows that
    fit a head read the series' ``window`` (shampoo's first fold holds 24 values)."""
    from sktime.forecasting.statsforecast import StatsForecastAutoCES

    from llmiso.app import PLAIN_AVERAGE, comparison_models
    from llmiso.forecasting import LLMForecaster

    no_llm = "passthrough"
    user = LLMForecaster(embedder, sp=sp)  # nothing but the season

    def both(name, **changes):
        return {name: user.clone().set_params(**changes),
                f"{name}, no LLM": user.clone().set_params(embedder=no_llm, **changes)}

    llms = {"LLM (defaults)": user,
            "same forecaster, no LLM": user.clone().set_params(embedder=no_llm),
            **both("LLM, the head alone (combine=None)", combine=None),
            **both("LLM, a head fitted on the series (head=None)", head=None,
                   window_length=window, sp=sp if sp <= window else 1),
            **both("LLM, the fitted head alone", head=None, combine=None,
                   window_length=window, sp=sp if sp <= window else 1)}

    def baselines(sp, positive):
        found = comparison_models(user, sp)
        return {name: found[name] for name in ("seasonal naive", "AutoETS", "AutoTheta",
                                               PLAIN_AVERAGE)} | {
            "AutoCES": StatsForecastAutoCES(season_length=sp)}

    return llms, baselines


def rolling_origins(n_values, horizon, origins):
    """(window, training lengths) of a series' folds, the last fold ending with the series.

    The window is the 2-origin setting's (24 values, fewer where two windows and three
    horizons do not fit), whatever ``origins``: more origins add earlier folds to the
    same forecasters instead of changing them. A series takes as many as leave its
    first fold two windows and horizons of training, and never fewer than 2.
    """
    window = min(24, (n_values - 3 * horizon) // 2)
    origins = min(origins, max(2, (n_values - 2 * (window + horizon)) // horizon))
    return window, [n_values - (origins - k) * horizon for k in range(origins)]


def score_fold(forecaster, train, test, sp):
    from llmiso.metrics import mean_absolute_scaled_error, weighted_quantile_loss

    fh = list(range(1, len(test) + 1))
    fitted = forecaster.clone().fit(train, fh=fh)
    point = fitted.predict().to_numpy(dtype=float).ravel()
    truth = test.to_numpy(dtype=float)
    scores = {"MASE": mean_absolute_scaled_error(truth, point, y_train=train.to_numpy(float),
                                                 sp=sp)}
    if not fitted.get_tag("capability:pred_int"):  # e.g. make_reduction: no quantiles
        return fitted, {**scores, "WQL": np.nan, "coverage80": np.nan}
    q = fitted.predict_quantiles(alpha=LEVELS).to_numpy()  # real errors fail the run
    return fitted, {
        **scores,
        # WQL divides by sum |y|: undefined on an all-zero stretch (PBS ends in zeros).
        "WQL": weighted_quantile_loss(truth, q, LEVELS) if np.abs(truth).sum() else np.nan,
        "coverage80": np.mean((truth >= q[:, 0]) & (truth <= q[:, -1])),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny model, one series")
    parser.add_argument("--origins", type=int, default=2,
                        help="rolling origins per series, at most: each series keeps the window "
                        "of the 2-origin setting and takes as many as leave it two windows "
                        "and horizons of training (never fewer than 2)")
    parser.add_argument("--cache", help="embedding cache (default: <output>/embedding-cache)")
    parser.add_argument("--focus", action="store_true",
                        help="only the encodings and the statistical backbone, with their nulls")
    parser.add_argument("--rule", action="store_true",
                        help="the default as a user gets it (the shipped head on one series) "
                        "beside a head fitted on the series, each alone, with their nulls")
    parser.add_argument("--output", default="benchmarks/results")
    parser.add_argument("--series", nargs="*", help="run only these (the report reads all "
                        "series already in --output)")
    args = parser.parse_args()
    from tqdm.auto import tqdm

    from llmiso.forecasting import LLMForecaster

    warnings.filterwarnings("ignore")  # statsmodels' and sktime's chatter
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for name, (y, sp, horizon) in datasets(args.quick).items():
        if args.series and name not in args.series:
            continue
        rows, iso_rows, fold_rows = [], [], []
        y = y.astype(float)
        window, cuts = rolling_origins(len(y), horizon, args.origins)
        cache = Path(args.cache) if args.cache else out / "embedding-cache"
        llms, baselines = forecasters(args.quick, cache / name, window, sp, args.focus,
                                      args.rule)
        models = {**llms, **baselines(sp, positive=bool((y > 0).all()))}
        for label, forecaster in tqdm(models.items(), desc=name, file=sys.stderr):
            folds = []
            for k, cut in enumerate(cuts):
                fitted, scores = score_fold(
                    forecaster, y.iloc[:cut], y.iloc[cut : cut + horizon], sp
                )
                folds.append(scores)
                fold_rows.append({"series": name, "model": label, "fold": k, **scores})
            rows.append({"series": name, "model": label, "origins": len(cuts),
                         **pd.DataFrame(folds).mean().to_dict()})
            iso = fitted.head_isotropy() if isinstance(fitted, LLMForecaster) else None
            if (iso is None and getattr(fitted, "pretrained_head_", None) is not None
                    and cuts[-1] >= fitted.window_length_):
                # A pretrained head read one window: the isotropy of every window of the
                # last fold's training part, as that head's centering gives them to it.
                iso = fitted.head_isotropy(y.iloc[: cuts[-1]])
            if iso is not None:
                iso_rows.append({"series": name, "model": label, **iso["adjusted"]})
        pd.DataFrame(rows).to_csv(out / f"scores_{name}.csv", index=False)
        pd.DataFrame(iso_rows).to_csv(out / f"isotropy_{name}.csv", index=False)
        pd.DataFrame(fold_rows).to_csv(out / f"folds_{name}.csv", index=False)
    scores = pd.concat(pd.read_csv(f) for f in sorted(out.glob("scores_*.csv")))
    isotropy = pd.concat(pd.read_csv(f) for f in sorted(out.glob("isotropy_*.csv")))
    fold_files = sorted(out.glob("folds_*.csv"))  # absent from runs before they were kept
    report(scores, isotropy, pd.concat(map(pd.read_csv, fold_files)) if fold_files else None)
    print(f"\n({time.perf_counter() - start:.0f} s; tables in {out}/)")


# Isotropy of each LLM head's training features, adjusted to isotropic data of the same
# size (head_isotropy): 1 (IsoScores) or 0 (cluster cosine) is isotropic at any size.
ISOTROPY = ("uncentered_isoscore", "isoscore", "cluster_cosine")


def paired_ratio(folds, model, other, n_boot=2000, seed=0):
    """Geometric mean of ``model``'s MASE over ``other``'s, fold by fold, with a 95% interval.

    Each series weighs the same (the mean log ratio over its folds, then over series, as
    the headline's geometric mean over series); the interval resamples folds within
    each series. Returns (ratio, low, high, folds where ``model`` is better, folds).
    """
    pair = folds[folds.model.isin([model, other])].pivot_table(
        index=["series", "fold"], columns="model", values="MASE")
    logs = np.log(pair[model] / pair[other]).replace([np.inf, -np.inf], np.nan).dropna()
    groups = [g.to_numpy() for _, g in logs.groupby(level="series")]
    rng = np.random.default_rng(seed)
    boots = [np.mean([rng.choice(g, len(g)).mean() for g in groups]) for _ in range(n_boot)]
    low, high = np.exp(np.quantile(boots, [0.025, 0.975]))
    ratio = np.exp(np.mean([g.mean() for g in groups]))
    return float(ratio), float(low), float(high), int((logs < 0).sum()), int(len(logs))


def best_member(per_series, summary):
    """The default against the best of its members, series by series and on the
    geometric mean over series, and its coverage."""
    members = [m for m in ("LLM, the head alone (combine=None)", "AutoETS", "AutoTheta",
                           "AutoCES")
               if m in per_series.index]
    if "LLM (defaults)" not in per_series.index or not members:
        return
    best = summary.loc[[m for m in members if m in summary.index], "geomean_rel_MASE"]
    default = summary.loc["LLM (defaults)", "geomean_rel_MASE"]
    print(f"the default on the geometric mean: {default:.3f}, "
          f"{default / best.min():.3f}x its best "
          f"member's ({best.idxmin()}, {best.min():.3f})")
    for series in per_series.columns:
        best = per_series.loc[members, series].idxmin()
        print(f"{series}: the default's MASE {per_series.loc['LLM (defaults)', series]:.3f}, "
              f"{per_series.loc['LLM (defaults)', series] / per_series.loc[best, series]:.3f}x "
              f"its best member's ({best}, {per_series.loc[best, series]:.3f})")
    print(f"the default's 80% coverage over the series: "
          f"{summary.loc['LLM (defaults)', 'coverage80']:.3f}")


def report(scores, isotropy, folds=None):
    pd.set_option("display.width", 200)
    naive = scores[scores.model == "seasonal naive"].set_index("series")
    scores = scores.join(naive[["MASE", "WQL"]], on="series", rsuffix="_naive")
    scores["rel_MASE"] = scores["MASE"] / scores["MASE_naive"]
    scores["rel_WQL"] = scores["WQL"] / scores["WQL_naive"]
    zero = naive.index[~(naive["MASE"] > 0)].tolist()
    if folds is not None:  # a single fold's 0 has no finite ratio either
        naive_folds = folds[folds.model == "seasonal naive"]
        zero = sorted(set(zero) | set(naive_folds.series[~(naive_folds.MASE > 0)]))
    if zero:
        print(f"seasonal naive scores MASE 0 on {zero}: left out of the geometric means")
    usable = scores[~scores.series.isin(zero)]
    per_series = scores.pivot(index="model", columns="series", values="MASE")
    print("\nMASE per series (mean over origins):\n" + per_series.round(3).to_string())
    summary = usable.groupby("model").agg(
        geomean_rel_MASE=("rel_MASE", lambda v: float(np.exp(np.log(v).mean()))),
        geomean_rel_WQL=(
            "rel_WQL",
            lambda v: float(np.exp(np.log(v).mean())) if v.notna().all() else np.nan,
        ),
        coverage80=("coverage80", "mean"),
    )
    measures = [m for m in ISOTROPY if m in isotropy]
    if measures:
        summary = summary.join(isotropy.groupby("model")[measures].mean())
    print("\nRelative to seasonal naive (geometric mean over series):\n"
          + summary.sort_values("geomean_rel_MASE").round(3).to_string())
    if folds is not None:
        folds = folds[~folds.series.isin(zero)]
        for other in ("same forecaster, no LLM", "AutoETS", "AutoTheta",
                      "AutoCES", "LLM, the head alone (combine=None)",
                      "LLM, a head fitted on the series (head=None)",
                      "plain average: AutoETS, AutoTheta, AutoCES",
                      "the same pool weighted by evidence, calibrated",
                      "the previous default (plain average)"):
            if {"LLM (defaults)", other} <= set(folds.model):
                ratio, low, high, wins, n = paired_ratio(folds, "LLM (defaults)", other)
                print(f"LLM (defaults) / {other}, MASE fold by fold: {ratio:.3f} "
                      f"[95% bootstrap {low:.3f}, {high:.3f}], better on {wins} of {n} folds")
    best_member(per_series, summary)
    llm = summary.dropna(subset=measures[:1]) if measures else summary.iloc[:0]
    # A correlation needs configurations whose isotropy differs (--focus changes only
    # the combination: one embedding, one isotropy).
    if len(llm) > 2 and llm[measures[0]].nunique() > 2:
        from bench_isotropy_error import spearman_with_interval

        for measure in measures:
            rho, low, high, _ = spearman_with_interval(llm[measure], llm["geomean_rel_MASE"])
            print(
                f"Spearman correlation across {len(llm)} LLM configurations, {measure} "
                f"(adjusted) vs relative MASE: {rho:+.2f} [95% bootstrap {low:+.2f}, {high:+.2f}]"
            )


if __name__ == "__main__":
    main()
