"""A thousand series through the command, and the embedding pass against its floor.

    python benchmarks/bench_many_series.py [--series 1000] [--values 60] [--horizon 12]
        [--workers 2] [--quick]

1. Writes a long CSV of ``--series`` seeded monthly series (level, trend, season and
   noise, ``--values`` each) and runs ``llmiso forecast LONG.csv --id series
   --time-column date --value-column value --horizon H --workers N`` end to end, in
   a subprocess: its wall-clock seconds, and the seconds its fit spent on the
   statistical models, the embedding pass and the head (``LLMForecaster.seconds_``).
2. In this process, on the same series and the same settings (LLMForecaster's
   defaults, window 24), times the embedding pass alone on a LocalCluster of the
   same workers (one thread each), counts the tokens it reads, and prints its
   floor: 2 x the parameters each token passes through (the decoder layers read;
   the token embedding is a lookup) x the tokens, divided by the rate of one
   product of the model's MLP shape (512 tokens x hidden x intermediate) in the
   dtype ``dtype="auto"`` picks, on one thread, times the workers.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def panel(n_series, n_values, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n_values)
    rows = []
    dates = pd.period_range("2015-01", periods=n_values, freq="M").to_timestamp()
    for i in range(n_series):
        level, trend = rng.uniform(50, 500), rng.normal(0, 0.01)
        season = rng.uniform(0, 0.3) * np.sin(2 * np.pi * (t + rng.integers(12)) / 12)
        noise = rng.normal(0, rng.uniform(0.02, 0.1), n_values)
        values = level * (1 + trend * t) * (1 + season + noise)
        rows.append(pd.DataFrame({"series": f"s{i:05d}", "date": dates, "value": values}))
    return pd.concat(rows, ignore_index=True)


def mlp_rate(hidden, intermediate, dtype, tokens=512, repeats=20):
    """FLOP/s of (tokens x hidden) @ (hidden x intermediate) on one thread, in ``dtype``."""
    import torch

    torch.set_num_threads(1)
    a = torch.randn(tokens, hidden, dtype=dtype)
    b = torch.randn(hidden, intermediate, dtype=dtype)
    for _ in range(3):
        a @ b
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * tokens * hidden * intermediate * repeats / (time.perf_counter() - start)


def tokens_read(embedder, series, window, encoding):
    """Tokens the embedding pass reads: each prompt once, as the encoding writes it."""
    from llmiso.embedding import load_model
    from llmiso.forecasting import SeriesPass, sliding_windows

    tokenizer = load_model(embedder.model, dtype=embedder.dtype).tokenizer
    if isinstance(encoding, SeriesPass):
        prompts = embedder.series_prompts(
            series, window, stride=encoding.chunk_stride(embedder, series, window))
    else:
        prompts = [p for y in series for p in embedder.prompts(sliding_windows(y, window))]
    return sum(map(len, tokenizer(prompts)["input_ids"]))


def embedding_pass(series, workers, model, processes=True):
    """Seconds of the forecaster's embedding pass on a LocalCluster, the embedder and
    the encoding: LLMForecaster's defaults, the encoding as its fit chooses it."""
    import joblib
    from distributed import Client, LocalCluster

    from llmiso.forecasting import (
        ONE_PASS_ABOVE,
        LLMForecaster,
        SeriesPass,
        WindowPrompts,
        encode,
        forecasting_embedder,
        season_window,
    )

    defaults = LLMForecaster()  # its embedder: forecasting_embedder(), as fit builds it
    # The window the default reads on this panel: thousands of training windows, so its
    # rule fits a head, on two seasons of the monthly series.
    window = defaults.window_length or season_window(12)
    embedder = forecasting_embedder(model, dtype="float32") if model else forecasting_embedder()
    embedder.fit(np.zeros((1, window)))
    encoding = (SeriesPass() if embedder.is_causal_ and len(series) > ONE_PASS_ABOVE
                else WindowPrompts())
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                      dashboard_address=None) as cluster, \
            Client(cluster) as client, joblib.parallel_backend("dask"):
        client.run(lambda: embedder.embed_series(series[:1], window))  # the model on every worker
        start = time.perf_counter()
        encode(embedder, series, window, encoding=encoding,
               include_values=defaults.include_values, n_jobs=-1)
        seconds = time.perf_counter() - start
    return seconds, embedder, encoding, window


def layer_parameters(model, deepest):
    """Parameters each token passes through: the decoder blocks up to the deepest layer
    read (the pass stops there); the token embedding is a lookup, not a product."""
    body = getattr(model, "model", model)
    blocks = next(m for m in body.modules() if type(m).__name__ == "ModuleList")
    return sum(p.numel() for block in list(blocks)[:deepest] for p in block.parameters())


def main():
    from llmiso.forecasting import SeriesPass

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--values", type=int, default=60)
    parser.add_argument("--horizon", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="12 series, the tiny model")
    parser.add_argument("--skip-command", action="store_true", help="only the floor")
    parser.add_argument("--head", help="passed to `llmiso forecast --head` (pretrained, "
                        "or a PretrainedHead's .npz): zero-shot, no head fitted")
    args = parser.parse_args()
    n_series = 12 if args.quick else args.series
    model = "tiny-random-llama" if args.quick else None
    frame = panel(n_series, args.values)
    if not args.skip_command:
        with tempfile.TemporaryDirectory() as folder:
            csv = Path(folder) / "long.csv"
            frame.to_csv(csv, index=False)
            command = [sys.executable, "-m", "llmiso.app.cli", "forecast", str(csv),
                       "--id", "series", "--time-column", "date", "--value-column", "value",
                       "--horizon", str(args.horizon), "--workers", str(args.workers),
                       "--output", str(Path(folder) / "forecast.csv"),
                       "--plot", str(Path(folder) / "forecast.png")]
            if model:
                command += ["--model", model]
            if args.head:
                command += ["--head", args.head]
            start = time.perf_counter()
            run = subprocess.run(command, check=True, capture_output=True, text=True)
            total = time.perf_counter() - start
        # The command prints its fit's seconds by part ("fit: statistical models ...").
        parts = next((line for line in run.stdout.splitlines() if line.startswith("fit: ")),
                     "fit: not reported")
        print(f"llmiso forecast: {n_series} series of {args.values} values, horizon "
              f"{args.horizon}, --workers {args.workers}: {total:.0f} s end to end "
              f"({total / 60:.1f} min); {parts}")
    series = [g.to_numpy(dtype=float) for _, g in frame.groupby("series")["value"]]
    # --quick checks the path, not the speed: its workers are threads of this process.
    seconds, embedder, encoding, window = embedding_pass(series, args.workers, model,
                                                         processes=not args.quick)
    tokens = tokens_read(embedder, series, window, encoding)
    stride = (encoding.chunk_stride(embedder, series, window)
              if isinstance(encoding, SeriesPass) else 1)
    from llmiso.embedding import load_model

    loaded = load_model(embedder.model, dtype=embedder.dtype)
    config = loaded.model.config
    rate = mlp_rate(config.hidden_size, config.intermediate_size, loaded.model.dtype)
    params = layer_parameters(loaded.model, max(embedder.layers_))
    floor = 2 * params * tokens / (rate * args.workers)
    print(f"embedding pass: {seconds:.0f} s for {tokens:,} tokens "
          f"({tokens / n_series:.0f} per series, stride {stride}); {params / 1e6:.0f}M "
          f"parameters per token, {loaded.model.dtype}, {rate / 1e9:.0f} GFLOP/s per thread "
          f"on the MLP's shape, {args.workers} workers: floor {floor:.0f} s, "
          f"pass / floor {seconds / floor:.2f}x")


if __name__ == "__main__":
    main()
