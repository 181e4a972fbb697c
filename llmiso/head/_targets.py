"""What a softmax head learns from: checked targets (a 2-D y may miss some) and their
sparse target distributions over the bins."""

import numpy as np
from sklearn.utils import check_array, check_consistent_length
from sklearn.utils.validation import validate_data


def validate_with_missing_targets(estimator, X, y):
    """``validate_data``, but a 2-D ``y`` may have NaN: targets missing for an output.

    Each output still needs a known target, and no target may be infinite.
    """
    if y is None:  # sklearn's own wording
        raise ValueError(f"{type(estimator).__name__} requires y to be passed, but the target y "
                         "is None.")
    X = validate_data(estimator, X, dtype=[np.float64, np.float32])
    y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y",
                    ensure_all_finite="allow-nan")
    check_consistent_length(X, y)
    if np.isinf(y).any():
        raise ValueError("Input y contains infinity; only NaN (a missing target of a 2-D y) "
                         "is allowed.")
    if y.ndim == 1 and np.isnan(y).any():
        raise ValueError("Input y contains NaN; a 1-D y needs every target (in a 2-D y, NaN "
                         "marks a missing one).")
    if y.ndim == 2:
        empty = np.flatnonzero(~np.isfinite(y).any(axis=0))
        if len(empty):
            raise ValueError(
                f"y's output(s) {empty.tolist()} have no known target (all NaN): each "
                "output needs at least one row with a value. Drop those columns."
            )
    return X, y


def target_distribution(labels, n_bins, label_smoothing):
    """Target probabilities of rows with these bin labels, as (rows, bins, probabilities).

    A row's own bin gets ``1 - label_smoothing`` and its two neighbours the rest
    (at an end, the one neighbour there is). Sparse: at most three bins per row,
    where a dense (rows, outputs, bins) array took 245 MB for 10,000 rows, 12
    outputs and 256 bins.
    """
    n, K, eps = len(labels), n_bins, label_smoothing
    cols, probs = [labels], [np.full(n, 1.0 - eps)]
    if eps:
        for step in (-1, 1):
            neighbour = labels + step
            cols.append(np.where((neighbour < 0) | (neighbour >= K), labels - step, neighbour))
            probs.append(np.full(n, eps / 2))
    # One entry per (row, bin), so the gradient can subtract them by plain indexing.
    flat = np.tile(np.arange(n), len(cols)) * K + np.concatenate(cols)
    pairs, where = np.unique(flat, return_inverse=True)
    return pairs // K, pairs % K, np.bincount(where, weights=np.concatenate(probs))
