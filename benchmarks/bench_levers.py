"""The embedding pass's levers on M3 and Tourism: dtype, layer, prompt layout, number form.

    python benchmarks/bench_levers.py [--series 200] [--datasets ...] [--quick]
    python benchmarks/bench_levers.py --timing [--series 50]    # seconds, tokens, FLOPs
    python benchmarks/bench_levers.py --report                  # the tables from what is stored

Accuracy (the default mode): per dataset, a seeded subset of ``--series`` series
(the same as bench_competitions.py's), one global LLMForecaster per dataset as
bench_competitions.py runs it (windows of two seasons, the head on each series'
latest 36 origins, seasonal-naive anchor, ``combine=None``: the head alone, where
the LLM's share is visible). Each prompt layout (dtype x chunking x number form)
runs one embedding pass that reads layers 12, 18, 24 and 30 at once; each layer's
states are cached on their own, so a forecaster per layer reads them back and only
its head is fitted. The averaged rows (the head's quantiles averaged with AutoETS's
and AutoTheta's, what ``combine=("ets", "theta")`` does) are formed in the report
from the stored paths. Every row's per-series quantile paths are stored in
``--output``/paths, one file per dataset and row, so a stopped run resumes.

Timing (``--timing``): on ``--series`` M3 monthly series, each layout and layer's
embedding pass without a cache, in this process: tokens and FLOPs per series (2 x
the parameters of the blocks read, per token), seconds per series, and the floor
(the FLOPs at the rate of one MLP-shaped product in the layout's dtype, on the
threads torch uses).
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
    run_seasonal_naive,
    run_statsforecast,
    score,
)

N_ORIGINS = 36  # as bench_competitions.py: each series' latest 36 origins train the head
LAYERS = [12, 18, 24, 30]
# Prompt layouts: the embedder's dtype and number form, and the chunking of each series
# ("window": chunks of 2W - 1 values, W states each, today's default; "one": one prompt
# per series holding exactly the values the head reads, W + 36).
LAYOUTS = {
    "float32, two chunks": dict(dtype="float32", chunks="window"),
    "bf16, two chunks": dict(dtype="bfloat16", chunks="window"),
    "bf16, one prompt": dict(dtype="bfloat16", chunks="one"),
    "bf16, one prompt, digits": dict(dtype="bfloat16", chunks="one", number_format="digits",
                                     separator=","),
    "int8, two chunks": dict(dtype="int8", chunks="window"),
}
LAYOUT_LAYERS = {"int8, two chunks": [30]}
TODAY_LAYOUT = "float32, two chunks"
TODAY = f"{TODAY_LAYOUT}, layer 30"
NULL = "same, no LLM"
STATISTICAL = ["seasonal naive", "AutoETS", "AutoTheta"]


def slug(name):
    return "".join(c if c.isalnum() else "-" for c in name).strip("-")


def encoding_for(layout, window):
    from llmiso.forecasting import SeriesPass

    stride = window if LAYOUTS[layout]["chunks"] == "window" else N_ORIGINS + 1
    return SeriesPass(stride=stride)


def embedder_for(layout, layer, cache_dir, quick):
    from llmiso import LLMEmbedder

    settings = {k: v for k, v in LAYOUTS[layout].items() if k != "chunks"}
    if quick:  # the tiny model has two layers
        layer = [min(L, 2) for L in layer] if isinstance(layer, list) else min(layer, 2)
    return LLMEmbedder("tiny-random-llama" if quick else "smollm2-135m", layer=layer,
                       cache_dir=cache_dir, **settings)


def tails(series, window):
    """What the forecaster embeds of each series: its latest 36 windows and the last."""
    return [s.train[-(window + min(len(s.train) - window, N_ORIGINS)):] for s in series]


def forecast(series, embedder, encoding, window):
    """The head alone's quantile paths of one global forecaster per dataset."""
    from llmiso import SoftmaxHeadForecaster
    from llmiso.forecasting import LLMForecaster

    h = series[0].h
    usable = [s for s in series if len(s.train) >= window + h]
    forecaster = LLMForecaster(embedder, head=SoftmaxHeadForecaster(shift_alpha=None),
                               combine=None, window_length=window, encoding=encoding,
                               sp=series[0].period, n_origins=N_ORIGINS)
    q = forecaster.fit(panel(usable), fh=list(range(1, h + 1))).predict_quantiles(
        alpha=list(LEVELS))
    by_series = {key: frame.to_numpy() for key, frame in q.groupby(level=0)}
    # Too short for a window and a horizon: the last value, as bench_competitions.py.
    return np.stack([by_series.get(s.name, np.repeat(s.train[-1], h * len(LEVELS))
                                   .reshape(h, -1)) for s in series])


def run_dataset(dataset, args, out):
    """Every row of one dataset, each stored as it finishes (a rerun skips it)."""
    from llmiso.forecasting import encode

    series = load(dataset, 5 if args.quick else args.series)
    window = WINDOW[series[0].period]
    folder = out / "paths" / slug(dataset)
    folder.mkdir(parents=True, exist_ok=True)
    seconds = {}

    def row(name, make):
        path = folder / f"{slug(name)}.npy"
        if not path.exists():
            start = time.perf_counter()
            np.save(path, np.asarray(make()))
            seconds[name] = (time.perf_counter() - start) / len(series)
        return path

    row("seasonal naive", lambda: run_seasonal_naive(series))
    for name in ("AutoETS", "AutoTheta"):
        row(name, lambda name=name: run_statsforecast(series, name))
    row(NULL, lambda: forecast(series, "passthrough", encoding_for(TODAY_LAYOUT, window), window))
    for layout in args.layouts:
        layers = LAYOUT_LAYERS.get(layout, LAYERS)
        cache = Path(args.cache_dir) / slug(dataset) / slug(layout)
        names = [f"{layout}, layer {L}" for L in layers]
        if all((folder / f"{slug(n)}.npy").exists() for n in names):
            continue
        # One pass reads every layer; each is cached on its own for the forecasters below.
        embedder = embedder_for(layout, layers, cache, args.quick).fit(np.zeros((1, window)))
        start = time.perf_counter()
        usable = [s for s in tails(series, window) if len(s) > window]
        encode(embedder, usable, window, encoding=encoding_for(layout, window),
               include_values=False)
        seconds[f"{layout}, embedding pass"] = (time.perf_counter() - start) / len(series)
        encoding = encoding_for(layout, window)
        for layer, name in zip(layers, names, strict=True):
            embedder = embedder_for(layout, layer, cache, args.quick)
            row(name, lambda e=embedder, c=encoding: forecast(series, e, c, window))
    if seconds:
        log = out / "seconds.csv"
        frame = pd.DataFrame([{"dataset": dataset, "row": k, "seconds_per_series": v}
                              for k, v in seconds.items()])
        frame.to_csv(log, mode="a", header=not log.exists(), index=False)



def averaged(paths, name):
    """The head's quantiles averaged with AutoETS's and AutoTheta's, level by level."""
    return (paths[name] + paths["AutoETS"] + paths["AutoTheta"]) / 3


def collect(out, datasets, n_series, quick):
    """Per dataset and row: per-series MASE, and the dataset's WQL and coverage."""
    per_series, table = [], []
    for dataset in datasets:
        series = load(dataset, 5 if quick else n_series)
        folder = out / "paths" / slug(dataset)
        names = {slug(n): n for n in [*STATISTICAL, NULL, *all_rows()]}
        paths = {names[p.stem]: np.load(p) for p in folder.glob("*.npy") if p.stem in names}
        if "AutoETS" in paths and "AutoTheta" in paths:
            for name in [n for n in paths if n not in STATISTICAL]:
                paths[f"{name}, averaged with ETS and Theta"] = averaged(paths, name)
            paths["plain average: AutoETS, AutoTheta"] = (paths["AutoETS"]
                                                          + paths["AutoTheta"]) / 2
        for name, q in paths.items():
            table.append({"dataset": dataset, "row": name, **score(series, list(q))})
            per_series += [{"dataset": dataset, "row": name, "series": s.name,
                            "MASE": mase(s, f[:, len(LEVELS) // 2])}
                           for s, f in zip(series, q, strict=True)]
    return pd.DataFrame(table), pd.DataFrame(per_series)


def all_rows():
    return [f"{layout}, layer {L}" for layout in LAYOUTS
            for L in LAYOUT_LAYERS.get(layout, LAYERS)]


def ratio(per_series, top, bottom, sets, n_boot=1000, seed=0):
    """Paired geometric-mean MASE ratio over ``sets`` and its 95% bootstrap interval
    (series resampled within each dataset), or None where a row is missing."""
    grids = []
    for dataset in sets:
        wide = per_series[per_series.dataset == dataset].pivot(index="series", columns="row",
                                                                values="MASE")
        if top not in wide or bottom not in wide:
            return None
        grids.append(wide[[top, bottom]].to_numpy())
    rng = np.random.default_rng(seed)
    point = np.exp(np.mean([np.log(g[:, 0].mean() / g[:, 1].mean()) for g in grids]))
    draws = [np.exp(np.mean([np.log(p[:, 0].mean() / p[:, 1].mean()) for p in
                             (g[rng.integers(0, len(g), len(g))] for g in grids)]))
             for _ in range(n_boot)]
    return point, *np.quantile(draws, [0.025, 0.975])


def report(out, datasets, n_series, quick):
    table, per_series = collect(out, datasets, n_series, quick)
    if table.empty:
        print("nothing stored yet")
        return
    # The raw tables (the quantile paths stay in paths/, out of the repository).
    table.to_csv(out / "scores.csv", index=False)
    per_series.to_csv(out / "per_series.csv", index=False)
    naive = table[table.row == "seasonal naive"].set_index("dataset")
    rel = table.join(naive[["MASE", "WQL"]], on="dataset", rsuffix="_naive")
    rel["rel_MASE"], rel["rel_WQL"] = rel.MASE / rel.MASE_naive, rel.WQL / rel.WQL_naive
    four = [d for d in TARGET_SETS if d in datasets]
    pd.set_option("display.width", 250)
    summary = pd.DataFrame({
        "MASE, four": rel[rel.dataset.isin(four)].groupby("row").rel_MASE.apply(_geomean),
        "MASE, six": rel.groupby("row").rel_MASE.apply(_geomean),
        "WQL, four": rel[rel.dataset.isin(four)].groupby("row").rel_WQL.apply(_geomean),
        "coverage80": rel.groupby("row").coverage80.mean(),
        "datasets": rel.groupby("row").dataset.nunique(),
    })
    print("Relative to seasonal naive, geometric mean over datasets:\n"
          + summary.sort_values("MASE, four").round(3).to_string())
    print("\nPaired MASE ratios, 95% bootstrap intervals (four datasets | all run):")
    avg = ", averaged with ETS and Theta"
    for name in all_rows():
        for suffix, base in (("", TODAY), (avg, TODAY + avg)):
            cells = []
            for sets in (four, datasets):
                today = ratio(per_series, name + suffix, base, sets)
                null = ratio(per_series, name + suffix, NULL + suffix, sets)
                base_null = ratio(per_series, base, NULL + suffix, sets)
                if today is None or null is None or base_null is None:
                    cells.append("not run")
                    continue
                cells.append(f"{_cell(today)} vs today; {_cell(null)} vs its null "
                             f"(today's {base_null[0]:.3f})")
            print(f"  {name + suffix}:\n     " + "\n     ".join(cells))
    seconds = out / "seconds.csv"
    if seconds.exists():
        print("\nSeconds per series as run (other work beside it; --timing measures them "
              "clean):\n" + pd.read_csv(seconds).pivot_table(
                  index="row", columns="dataset", values="seconds_per_series").round(3)
              .to_string())


def _geomean(values):
    return float(np.exp(np.log(values).mean()))


def _cell(found):
    point, low, high = found
    return f"{point:.3f} [{low:.3f}, {high:.3f}]"


def timing(args):
    """Tokens, FLOPs and seconds per series of each layout and layer, and the floor."""
    import torch

    from llmiso.embedding import load_model
    from llmiso.forecasting import encode

    series = load("M3 monthly", args.series)
    window = WINDOW[12]
    rows = []
    for layout in args.layouts:
        for layer in LAYOUT_LAYERS.get(layout, LAYERS):
            embedder = embedder_for(layout, layer, None, args.quick).fit(np.zeros((1, window)))
            loaded = load_model(embedder.model, dtype=embedder.dtype)
            encoding = encoding_for(layout, window)
            parts = tails(series, window)
            prompts = embedder.series_prompts(
                parts, window, stride=encoding.chunk_stride(embedder, parts, window))
            tokens = sum(map(len, loaded.tokenizer(prompts)["input_ids"]))
            encode(embedder, parts[:2], window, encoding=encoding, include_values=False)
            start = time.perf_counter()
            encode(embedder, parts, window, encoding=encoding, include_values=False)
            seconds = time.perf_counter() - start
            # int8 changes seconds, not FLOPs: count the float model's parameters.
            counted = load_model(embedder.model, dtype="float32").model
            params = block_parameters(counted, embedder.layers_[0])
            rate = matmul_rate(loaded.model.config, loaded.dtype, torch.get_num_threads())
            flops = 2 * params * tokens
            rows.append({"layout": layout, "layer": layer,
                         "tokens per series": tokens / len(series),
                         "GFLOP per series": flops / len(series) / 1e9,
                         "seconds per series": seconds / len(series),
                         "floor, seconds per series": flops / rate / len(series),
                         "pass / floor": seconds / (flops / rate)})
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    today = table[(table.layout == TODAY_LAYOUT) & (table.layer == 30)]
    if len(today):
        table["seconds / today's"] = table["seconds per series"] / float(
            today["seconds per series"].iloc[0])
    print(f"\n{len(series)} M3 monthly series, torch threads {torch.get_num_threads()}:\n"
          + table.round(3).to_string(index=False))
    table.to_csv(Path(args.output) / "timing.csv", index=False)


def block_parameters(model, layers):
    """Parameters each token passes through up to block ``layers`` (the early exit):
    the decoder blocks read; the token embedding is a lookup, not a product."""
    body = getattr(model, "model", model)
    blocks = next(m for m in body.modules() if m.__class__.__name__ == "ModuleList")
    return sum(p.numel() for block in list(blocks)[:layers] for p in block.parameters())


def matmul_rate(config, dtype, threads, tokens=512, repeats=10):
    """FLOP/s of one MLP-shaped product (tokens x hidden) @ (hidden x intermediate)."""
    import torch

    compute = torch.float32 if dtype == torch.qint8 else dtype
    a = torch.randn(tokens, config.hidden_size, dtype=compute)
    b = torch.randn(config.hidden_size, config.intermediate_size, dtype=compute)
    for _ in range(3):
        a @ b
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * tokens * config.hidden_size * config.intermediate_size * repeats / (
        time.perf_counter() - start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS))
    parser.add_argument("--layouts", nargs="*", default=list(LAYOUTS))
    parser.add_argument("--output", default="benchmarks/results/levers")
    parser.add_argument("--cache-dir", default="benchmarks/results/embedding-cache/levers")
    parser.add_argument("--timing", action="store_true")
    parser.add_argument("--report", action="store_true", help="only the tables")
    parser.add_argument("--quick", action="store_true", help="5 series, tiny model")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    datasets = ["M3 quarterly", "Tourism yearly"] if args.quick else args.datasets
    if args.quick:  # the smoke test: today's layout and one other
        args.layouts = [TODAY_LAYOUT, "bf16, one prompt"]
    if args.timing:
        return timing(args)
    if not args.report:
        for dataset in datasets:
            print(f"{dataset} ...", flush=True)
            run_dataset(dataset, args, out)
    report(out, datasets, args.series, args.quick)


if __name__ == "__main__":
    main()
