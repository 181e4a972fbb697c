"""Real windows for benchmarks: sktime's bundled series, cut into windows."""

import numpy as np


def real_windows(n, window=24):
    """``n`` windows of ``window`` values from sktime's bundled univariate series."""
    from sktime.datasets import load_airline, load_lynx, load_PBS_dataset, load_shampoo_sales

    pieces = []
    for load in (load_airline, load_lynx, load_PBS_dataset, load_shampoo_sales):
        y = np.asarray(load(), dtype=float).ravel()
        pieces.append(np.lib.stride_tricks.sliding_window_view(y, window))
    windows = np.vstack(pieces)
    return windows[np.arange(n) % len(windows)]
