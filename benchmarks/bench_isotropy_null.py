"""What isotropic data of a given size scores on every measure: the reference for a table.

    python benchmarks/bench_isotropy_null.py --size 109x576 --size 109x108 [--quick]

Standard Gaussian rows, scaled to unit mean norm (as the forecaster's default
features are), every measure of isotropy_report, the mean over seeds: raw (the
literature definitions, which move with the number of rows n and the width d)
and adjusted (referenced to the null of the same n and d: 1 for the ratio
measures, 0 for the share measures, at any size).
"""

import argparse
import warnings

import numpy as np
import pandas as pd


def isotropic_reference(n, d, seeds=5, column="raw"):
    from llmiso.metrics import isotropy_report

    rows = []
    for seed in range(seeds):
        # Seeds apart from the null's own draws, so this checks it on fresh data.
        G = np.random.default_rng(1000 + seed).normal(size=(n, d))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # fewer rows than dimensions
            report = isotropy_report(G / np.linalg.norm(G, axis=1).mean(), random_state=0)
        rows.append(report[column])
    return pd.DataFrame(rows).mean()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", action="append", help="n x d, e.g. 109x576 (repeat)")
    parser.add_argument("--quick", action="store_true", help="one small size")
    args = parser.parse_args()
    sizes = ["20x16"] if args.quick else (args.size or ["22x576", "83x576", "109x576",
                                                           "156x576", "109x108"])
    pd.set_option("display.width", 200)
    for column in ("raw", "adjusted"):
        table = pd.DataFrame({size: isotropic_reference(*map(int, size.split("x")), column=column)
                              for size in sizes}).T
        table.index.name = "isotropic n x d"
        print(f"\n{column}:\n" + table.round(3).to_string())


if __name__ == "__main__":
    main()
