"""Time of each isotropy measure on 100,000 x 1,024 float32 rows.

    python benchmarks/bench_metrics.py [--rows 100000] [--quick]
"""

import argparse
import time

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dims", type=int, default=1024)
    parser.add_argument("--quick", action="store_true", help="5,000 x 128")
    args = parser.parse_args()
    rows, dims = (5000, 128) if args.quick else (args.rows, args.dims)

    from llmiso.metrics import (
        average_cosine,
        cluster_cosine,
        effective_dimension,
        isoscore,
        partition_isotropy,
    )

    rng = np.random.default_rng(0)
    # Anisotropic like hidden states: an offset and a few dominant directions.
    X = rng.standard_normal((rows, dims), dtype=np.float32)
    X[:, :8] *= 20
    X += 3
    print(f"X: {rows} x {dims} float32")
    for name, measure in [
        ("isoscore", isoscore),
        ("partition_isotropy", partition_isotropy),
        ("average_cosine (exact)", average_cosine),
        (
            "average_cosine (sample_size=10000)",
            lambda X: average_cosine(X, sample_size=10_000, random_state=0),
        ),
        ("effective_dimension", effective_dimension),
        ("cluster_cosine (sample_size=2000)", lambda X: cluster_cosine(X, random_state=0)),
    ]:
        start = time.perf_counter()
        value = measure(X)
        print(f"{name:36s} {time.perf_counter() - start:7.2f} s   value {value:.4g}")


if __name__ == "__main__":
    main()
