"""A head pretrained once, forecasting M3 and Tourism zero-shot (leave one collection out).

    python benchmarks/bench_pretrained.py [--synthetic 2000] [--series 200] [--quick]
    python benchmarks/bench_pretrained.py --ship        # also write the package's heads
    python benchmarks/bench_pretrained.py --uncentered-loco

The corpus: ``synthetic_series`` (KernelSynth draws, trends and seasons of six
periods, level shifts, intermittent demand, TSMixup mixtures) and the training
parts of M3 and Tourism (never their test windows). Its embedding pass runs once,
cached on disk per corpus part (``--cache-dir``), so heads are rebuilt without it.

Heads (each with the LLM, the forecaster's default embedder, and without it, the
scaled window alone, pretrained the same way):
- "synthetic + Tourism", scored zero-shot on M3;
- "synthetic + M3", scored zero-shot on Tourism;
- "synthetic", scored zero-shot on both;
- "synthetic + M3 + Tourism", the head the package ships (in-domain on both).

Rows on the same 200 seeded series per dataset as bench_levers.py: each head alone;
the per-dataset head (``combine=None``, the forecaster's default embedding,
``n_origins=36``) and its no-LLM null; AutoETS, AutoTheta, AutoCES, their plain
average, fracast; the default combination (the plain average with AutoETS,
AutoTheta and AutoCES) with the per-dataset head and with the zero-shot head (and
its no-LLM twin); the zero-shot head fine-tuned on each dataset's training parts;
the head pretrained on uncentered states (synthetic corpus; ``--uncentered-loco``
also the leave-one-collection-out ones); seconds per series. Every head is saved
under ``--output``/heads, so a rerun adds rows without fitting it again.
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
    WINDOW,
    load,
    mase,
    panel,
    run_fracast,
    run_seasonal_naive,
    run_statsforecast,
    score,
)

N_ORIGINS = 36
PRETRAINED_WINDOW, PRETRAINED_HORIZON = 24, 24
COLLECTIONS = {"M3": [d for d in DATASETS if d.startswith("M3")],
               "Tourism": [d for d in DATASETS if d.startswith("Tourism")]}
HEADS = {"synthetic + Tourism": ("Tourism",), "synthetic + M3": ("M3",), "synthetic": (),
         "synthetic + M3 + Tourism": ("M3", "Tourism")}


def slug(name):
    """``name`` as a file name: letters and digits, every other character a dash."""
    return "".join(c if c.isalnum() else "-" for c in name)


def zero_shot_head(dataset):
    """The head whose corpus holds nothing of ``dataset``'s collection."""
    return "synthetic + Tourism" if dataset.startswith("M3") else "synthetic + M3"


def corpus(part, args):
    """``[(values, season)]`` of one corpus part: the synthetic series, or a
    collection's training parts (every series of its datasets)."""
    from llmiso.forecasting import synthetic_series

    if part == "synthetic":
        return synthetic_series(args.synthetic, random_state=0)
    out = []
    for dataset in COLLECTIONS[part]:
        series = load(dataset, 10 if args.quick else None)
        out += [(s.train, s.period) for s in series]
    return out


def embedder(args, part):
    from llmiso.forecasting import forecasting_embedder

    cache = Path(args.cache_dir) / part
    if args.quick:
        return forecasting_embedder("tiny-random-llama", dtype="float32", cache_dir=cache)
    return forecasting_embedder(cache_dir=cache)


def rows(part, args, with_llm):
    """The pretraining rows of one corpus part (embedded once, then from the cache)."""
    from llmiso.forecasting import pretrain_rows

    fitted = embedder(args, part).fit(np.zeros((1, PRETRAINED_WINDOW))) if with_llm else None
    start = time.perf_counter()
    X, y = pretrain_rows(corpus(part, args), fitted, window_length=PRETRAINED_WINDOW,
                         horizon=PRETRAINED_HORIZON, n_jobs=args.n_jobs)
    return X, y, time.perf_counter() - start


def pretrain(name, parts, args, with_llm, found, centered=True):
    """A PretrainedHead on the parts' rows (``found`` caches each part's rows), saved
    under the output folder so that a rerun loads it instead of fitting it again."""
    from llmiso.forecasting import PretrainedHead, pretrain_head

    saved = (Path(args.output) / "heads" / ("quick-" if args.quick else "")
             ).joinpath(slug(name) + ("" if with_llm else "-no-llm")
                        + ("" if centered else "-uncentered"))
    if saved.with_suffix(".npz").exists():
        head = PretrainedHead.load(saved)
        return head, head.regressor(), 0.0
    X = np.vstack([found[(p, with_llm)][0] for p in parts])
    y = np.vstack([found[(p, with_llm)][1] for p in parts])
    fitted = embedder(args, parts[0]).fit(np.zeros((1, PRETRAINED_WINDOW))) if with_llm else None
    start = time.perf_counter()
    head = pretrain_head(None, fitted, rows=(X, y), window_length=PRETRAINED_WINDOW,
                         horizon=PRETRAINED_HORIZON, n_jobs=args.n_jobs, trained_on=name,
                         centered=centered)
    seconds = time.perf_counter() - start
    print(f"  pretrained {name} ({'LLM' if with_llm else 'no LLM'}"
          f"{'' if centered else ', uncentered'}): {len(X):,} rows, "
          f"{seconds:.0f} s", flush=True)
    saved.parent.mkdir(parents=True, exist_ok=True)
    head.save(saved)
    return head, head.regressor(), seconds


def forecast(series, forecaster):
    h = series[0].h
    start = time.perf_counter()
    q = forecaster.fit(panel(series), fh=list(range(1, h + 1))).predict_quantiles(
        alpha=list(LEVELS))
    seconds = (time.perf_counter() - start) / len(series)
    by_series = {key: frame.to_numpy() for key, frame in q.groupby(level=0)}
    return [by_series[s.name] for s in series], seconds


def zero_shot(series, head, with_llm, args, combine=None):
    """The forecaster with a pretrained head: fit sets the context, no head is fitted."""
    from llmiso.forecasting import LLMForecaster

    forecaster = LLMForecaster(embedder(args, "evaluation") if with_llm else "passthrough",
                               head=head, combine=combine, window_length=PRETRAINED_WINDOW,
                               sp=series[0].period, n_jobs=args.n_jobs)
    return forecast(series, forecaster)


def per_dataset(series, args, combine=None, with_llm=True):
    """The per-dataset head, as the previous issues run it."""
    from llmiso.forecasting import LLMForecaster

    usable = [s for s in series if len(s.train) >= WINDOW[s.period] + s.h]
    forecaster = LLMForecaster(embedder(args, "evaluation") if with_llm else "passthrough",
                               combine=combine, window_length=WINDOW[series[0].period],
                               sp=series[0].period, n_origins=N_ORIGINS, n_jobs=args.n_jobs)
    q, seconds = forecast(usable, forecaster)
    found = dict(zip([s.name for s in usable], q, strict=True))
    h = series[0].h
    return [found.get(s.name, np.repeat(s.train[-1], h * len(LEVELS)).reshape(h, -1))
            for s in series], seconds


def fine_tuned(series, prior, args):
    """The zero-shot head continued on the dataset's training parts (the penalty pulls
    toward its pretrained weights), then forecasting as a pretrained head."""
    from llmiso.forecasting import pretrain_head

    fitted = embedder(args, "evaluation").fit(np.zeros((1, PRETRAINED_WINDOW)))
    start = time.perf_counter()
    head = pretrain_head([(s.train, s.period) for s in series], fitted,
                         window_length=PRETRAINED_WINDOW, horizon=PRETRAINED_HORIZON,
                         prior=prior, n_jobs=args.n_jobs, trained_on="fine-tuned")
    q, seconds = zero_shot(series, head, True, args)
    return q, seconds + (time.perf_counter() - start) / len(series)


def evaluate(dataset, heads, args, out):
    """Every row of one dataset, stored as it finishes (a rerun skips it)."""
    folder = out / "paths" / slug(dataset)
    folder.mkdir(parents=True, exist_ok=True)
    series = load(dataset, 5 if args.quick else args.series)
    zero = zero_shot_head(dataset)
    rows_ = {
        "seasonal naive": lambda: (run_seasonal_naive(series), 0.0),
        "AutoETS": lambda: (run_statsforecast(series, "AutoETS"), 0.0),
        "AutoTheta": lambda: (run_statsforecast(series, "AutoTheta"), 0.0),
        "AutoCES": lambda: (run_statsforecast(series, "AutoCES"), 0.0),
        "fracast": lambda: (run_fracast(series)[0], 0.0),
        "per-dataset head (combine=None)": lambda: per_dataset(series, args),
        "per-dataset head, no LLM": lambda: per_dataset(series, args, with_llm=False),
        "the default combination, per-dataset head": lambda: per_dataset(
            series, args, combine=("ets", "theta", "ces")),
    }
    for name, label in ((zero, "zero-shot"), ("synthetic", "zero-shot"),
                        ("synthetic + M3 + Tourism", "in-domain")):
        llm, no_llm = heads[name]
        rows_[f"head pretrained on {name} ({label})"] = lambda h=llm: zero_shot(
            series, h, True, args)
        rows_[f"head pretrained on {name}, no LLM"] = lambda h=no_llm: zero_shot(
            series, h, False, args)
        if name == "synthetic":
            rows_["head pretrained on synthetic, uncentered states (zero-shot)"] = (
                lambda: zero_shot(series, heads["synthetic, uncentered"], True, args))
        if name == zero and dataset in TARGET_SETS:
            # (Yearly training parts are too short to hold targets for every step.)
            rows_[f"head pretrained on {name}, fine-tuned on the dataset"] = (
                lambda h=llm: fine_tuned(series, h, args))
        if f"{name}, uncentered" in heads and name != "synthetic":
            rows_[f"head pretrained on {name}, uncentered states ({label})"] = (
                lambda h=heads[f"{name}, uncentered"]: zero_shot(series, h, True, args))
        if name == zero and f"{zero}, uncentered" in heads:
            rows_[f"the default combination, head pretrained on {name}, uncentered states "
                  f"({label})"] = (lambda h=heads[f"{zero}, uncentered"]: zero_shot(
                      series, h, True, args, combine=("ets", "theta", "ces")))
        if name == zero:
            rows_[f"the default combination, head pretrained on {name} ({label})"] = (
                lambda h=llm: zero_shot(series, h, True, args, combine=("ets", "theta", "ces")))
            rows_[f"the default combination, head pretrained on {name}, no LLM"] = (
                lambda h=no_llm: zero_shot(series, h, False, args,
                                           combine=("ets", "theta", "ces")))
    seconds = {}
    for name, make in rows_.items():
        path = folder / (slug(name) + ".npy")
        if not path.exists():
            q, took = make()
            np.save(path, np.stack(q))
            seconds[name] = took
            print(f"  {dataset}: {name} ({took:.3f} s per series)", flush=True)
    if seconds:
        log = out / "seconds.csv"
        pd.DataFrame([{"dataset": dataset, "row": k, "seconds_per_series": v}
                      for k, v in seconds.items()]).to_csv(log, mode="a", index=False,
                                                           header=not log.exists())
    paths = {name: np.load(folder / (slug(name) + ".npy")) for name in rows_}
    # The default combination's statistical members alone, averaged as it averages them.
    paths["plain average: AutoETS, AutoTheta, AutoCES"] = np.mean(
        [paths["AutoETS"], paths["AutoTheta"], paths["AutoCES"]], axis=0)
    return paths, series


def report(results, datasets, out):
    from bench_levers import ratio

    table, per_series = [], []
    for dataset in datasets:
        paths, series = results[dataset]
        for name, q in paths.items():
            generic = name.replace("(zero-shot)", "").replace("(in-domain)", "")
            generic = generic.replace("synthetic + Tourism", "LOCO").replace(
                "synthetic + M3 + Tourism", "everything").replace("synthetic + M3", "LOCO")
            table.append({"dataset": dataset, "row": name, "kind": generic.strip(),
                          **score(series, list(q))})
            per_series += [{"dataset": dataset, "row": generic.strip(), "series": s.name,
                            "MASE": mase(s, f[:, len(LEVELS) // 2])}
                           for s, f in zip(series, q, strict=True)]
    table, per_series = pd.DataFrame(table), pd.DataFrame(per_series)
    table.to_csv(out / "scores.csv", index=False)
    per_series.to_csv(out / "per_series.csv", index=False)
    naive = table[table.row == "seasonal naive"].set_index("dataset")
    rel = table.join(naive[["MASE", "WQL"]], on="dataset", rsuffix="_naive")
    rel["rel"] = rel.MASE / rel.MASE_naive
    four = [d for d in TARGET_SETS if d in datasets]
    pd.set_option("display.width", 250)
    summary = pd.DataFrame({
        "MASE, four": rel[rel.dataset.isin(four)].groupby("kind").rel.apply(
            lambda v: float(np.exp(np.log(v).mean()))),
        "MASE, all": rel.groupby("kind").rel.apply(lambda v: float(np.exp(np.log(v).mean()))),
        "coverage80": rel.groupby("kind").coverage80.mean()})
    print("\nGeometric mean of MASE relative to seasonal naive (LOCO: the head pretrained "
          "on synthetic series and the other collection):\n"
          + summary.sort_values("MASE, four").round(3).to_string())
    pairs = [("head pretrained on LOCO", "per-dataset head (combine=None)"),
             ("head pretrained on LOCO", "head pretrained on LOCO, no LLM"),
             ("head pretrained on synthetic", "head pretrained on synthetic, no LLM"),
             ("the default combination, head pretrained on LOCO",
              "the default combination, per-dataset head"),
             ("head pretrained on everything", "head pretrained on everything, no LLM"),
             ("the default combination, head pretrained on LOCO",
              "the default combination, head pretrained on LOCO, no LLM"),
             ("the default combination, head pretrained on LOCO",
              "plain average: AutoETS, AutoTheta, AutoCES"),
             ("head pretrained on LOCO, fine-tuned on the dataset",
              "per-dataset head (combine=None)"),
             ("head pretrained on synthetic, uncentered states",
              "head pretrained on synthetic"),
             ("head pretrained on LOCO, uncentered states", "head pretrained on LOCO"),
             ("head pretrained on LOCO, uncentered states", "head pretrained on LOCO, no LLM"),
             ("head pretrained on LOCO, uncentered states", "per-dataset head (combine=None)"),
             ("the default combination, head pretrained on LOCO, uncentered states",
              "the default combination, per-dataset head"),
             ("the default combination, head pretrained on LOCO, uncentered states",
              "the default combination, head pretrained on LOCO, no LLM"),
             ("head pretrained on everything, uncentered states",
              "head pretrained on everything, no LLM")]
    print("\nPaired MASE ratios, 95% bootstrap intervals (four | all run):")
    for top, bottom in pairs:
        cells = [ratio(per_series, top, bottom, sets) for sets in (four, datasets)]
        print(f"  {top} / {bottom}: " + " | ".join(
            "not run" if c is None else f"{c[0]:.3f} [{c[1]:.3f}, {c[2]:.3f}]" for c in cells))


def isotropy_of_corpus(found, args):
    """The corpus embeddings' isotropy beside what isotropic data of the same size
    scores, as the LLM gives them (the uncentered head reads these) and centered."""
    from llmiso.isotropy import IsotropyCenterer
    from llmiso.metrics import isotropy_report

    X = found[("synthetic", True)][0]
    sample = X[np.random.default_rng(0).choice(len(X), min(2000, len(X)), replace=False)]
    states = sample[:, :-PRETRAINED_WINDOW]
    for name, Z in (("uncentered", states),
                    ("centered", IsotropyCenterer("center").fit_transform(states))):
        report = isotropy_report(Z, random_state=0)
        print(f"\nIsotropy of 2,000 corpus embeddings (the LLM's block, {name}), adjusted to "
              "isotropic data of the same size:\n"
              + report[["raw", "adjusted", "isotropic_low", "isotropic_high",
                        "anisotropic"]].round(3).to_string())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=2000)
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS))
    parser.add_argument("--output", default="benchmarks/results/pretrained")
    parser.add_argument("--cache-dir", default="benchmarks/results/embedding-cache/pretrained")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--ship", action="store_true", help="write the package's heads")
    parser.add_argument("--uncentered-loco", action="store_true",
                        help="also the leave-one-collection-out heads on uncentered states")
    parser.add_argument("--quick", action="store_true", help="the tiny model, 40 series")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    if args.quick:
        args.synthetic, args.n_jobs = 40, 1
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    datasets = ["M3 quarterly", "Tourism yearly"] if args.quick else args.datasets
    found = {}
    for part in ("synthetic", "M3", "Tourism"):
        for with_llm in (True, False):
            X, y, seconds = rows(part, args, with_llm)
            found[(part, with_llm)] = (X, y)
            print(f"corpus {part} ({'LLM' if with_llm else 'no LLM'}): {len(X):,} windows, "
                  f"{seconds:.0f} s", flush=True)
    seasons = {season for part in ("synthetic", "M3", "Tourism")
               for _, season in corpus(part, args)}
    print(f"corpus: {sum(len(found[(p, True)][0]) for p in ('synthetic', 'M3', 'Tourism')):,} "
          f"windows, seasons {sorted(seasons)}")
    heads = {}
    for name, real in HEADS.items():
        parts = ["synthetic", *real]
        heads[name] = tuple(pretrain(name, parts, args, w, found)[0] for w in (True, False))
    heads["synthetic, uncentered"] = pretrain("synthetic", ["synthetic"], args, True, found,
                                              centered=False)[0]
    if args.uncentered_loco:  # the lever the synthetic head's row points at
        for name in ("synthetic + Tourism", "synthetic + M3", "synthetic + M3 + Tourism"):
            heads[f"{name}, uncentered"] = pretrain(name, ["synthetic", *HEADS[name]], args,
                                                    True, found, centered=False)[0]
    if args.ship:
        from llmiso.forecasting import SHIPPED_HEADS as SHIPPED

        llm, no_llm = heads["synthetic + M3 + Tourism"]
        # The uncentered head forecast better zero-shot (docs/benchmarks.md).
        llm = heads.get("synthetic + M3 + Tourism, uncentered", llm)
        print(f"shipped: {llm.save(SHIPPED / 'smollm2-135m')}, "
              f"{no_llm.save(SHIPPED / 'no-llm')}")
    isotropy_of_corpus(found, args)
    results = {d: evaluate(d, heads, args, out) for d in datasets}
    report(results, datasets, out)


if __name__ == "__main__":
    main()
