"""Cutting a series into windows: the one place that does it."""

import numpy as np


def sliding_windows(values, length):
    """Every run of ``length`` consecutive values of a 1-D series, one per row (a view)."""
    return np.lib.stride_tricks.sliding_window_view(np.asarray(values, dtype=float), length)
