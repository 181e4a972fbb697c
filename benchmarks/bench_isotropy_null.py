"""What isotropic data of a given size scores on every measure: the reference for a table.

    python benchmarks/bench_isotropy_null.py --size 109x576 --size 109x108 [--quick]

Standard Gaussian rows, scaled to unit mean norm (as the forecaster's default
features are), every measure of isotropy_summary, the mean over seeds. Every
measure moves with the number of rows n and the width d, so an isotropy figure
means something only beside this reference for its own n and d.
"""

import argparse
import warnings

import numpy as np
import pandas as pd


def isotropic_reference(n, d, seeds=5):
    from llmiso.metrics import isotropy_summary

    rows = []
    for seed in range(seeds):
        G = np.random.default_rng(seed).normal(size=(n, d))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # fewer rows than dimensions
            rows.append(isotropy_summary(G / np.linalg.norm(G, axis=1).mean(), random_state=0))
    return pd.DataFrame(rows).mean()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", action="append", help="n x d, e.g. 109x576 (repeat)")
    parser.add_argument("--quick", action="store_true", help="one small size")
    args = parser.parse_args()
    sizes = ["20x16"] if args.quick else (args.size or ["22x576", "83x576", "109x576",
                                                           "156x576", "109x108"])
    table = pd.DataFrame({size: isotropic_reference(*map(int, size.split("x"))) for size in sizes}).T
    table.index.name = "isotropic n x d"
    pd.set_option("display.width", 200)
    print(table.round(3).to_string())


if __name__ == "__main__":
    main()
