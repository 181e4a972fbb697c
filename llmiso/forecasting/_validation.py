"""The head's forecasts at each series' validation origins, from a head fitted without them.

The combination weighs its members by their errors at each series' last whole
windows inside the training data. A head's error on windows it was trained on
says little, so its forecasts there come from a second head (cross-fitting: one
extra fit, not one per series), fitted on every series' rows whose targets all
come before that series' first validation origin: the series as it was at that
origin. The embeddings are those of the main fit; only the head is fitted again.
"""

import numpy as np

from ._regressor import quantile_paths
from ._windows import future_values


def validation_windows(combiner, strategy):
    """Validation windows per series the combination scores the head on: its
    ``n_validation`` where it weighs or calibrates by evidence and the strategy has
    windows to score (direct), else 0 (its weights equal)."""
    from ._strategies import STRATEGIES

    if combiner is None or not combiner.needs_validation or not STRATEGIES[strategy].scores_windows:
        return 0
    return combiner.n_validation


def held_out_origins(combiner, horizon, strategy):
    """Origins to embed before the head's own: where the held-out head learns (the
    origins a horizon and the validation windows earlier). 0 without evidence."""
    windows = validation_windows(combiner, strategy)
    return horizon + windows - 1 if windows else 0


def held_out_paths(series, counts, trained, encoded, baseline, n_validation, make_regressor,
                   *, window_length, horizon, levels, complete_rows_only=False):
    """Per series, (V_i, horizon, n_levels) quantiles at its last V_i whole windows
    inside its history, or None where it has none (or no row is left to fit on).

    ``encoded[i]`` holds series i's rows (features, scales) for its origins
    ``len - 1 - counts[i]`` to ``len - 1``, as the main fit embedded them. The
    held-out head learns, as the main one, from ``trained[i]`` origins per series,
    but those before the first validation origin, with every target after it
    masked: the forecaster as it was there. ``make_regressor()`` gives an unfitted
    isotropy step and head; or ``make_regressor`` is a fitted one that never saw
    these series (a pretrained head), which forecasts them as it is, and then only
    the validation windows need rows.
    """
    fitted = not callable(make_regressor)
    train_X, train_y, asked = [], [], []
    for i, (values, count, own, (rows, scales)) in enumerate(
            zip(series, counts, trained, encoded, strict=True)):
        # Whole windows whose origins have rows; a head to fit needs a horizon before.
        V = max(0, min(n_validation, count - horizon + 1 - (0 if fitted else horizon)))
        if not V:
            continue
        T = len(values)
        cutoff = T - horizon - V  # the first validation origin: the last value seen
        first = T - 1 - count  # the origin of row 0
        start = max(0, cutoff - first - own)  # the held-out head's first row
        ends = np.arange(first + start, cutoff)
        future = future_values(values, window_length, horizon)[ends - window_length + 1]
        future = np.where(ends[:, None] + np.arange(1, horizon + 1) <= cutoff, future, np.nan)
        anchor = baseline.origins(i, values, ends) if len(ends) else np.empty((0, horizon))
        train_X.append(rows[start : cutoff - first])
        train_y.append((future - anchor) / scales[start : cutoff - first, None])
        asked.append((i, np.arange(cutoff - first, cutoff - first + V)))
    out = [None] * len(series)
    if fitted:
        regressor = make_regressor
    else:
        X, y = _known_rows(train_X, train_y, complete_rows_only)
        if not len(X):
            return out
        regressor = make_regressor().fit(X, y)
    for i, picked in asked:
        values, count = series[i], counts[i]
        rows, scales = encoded[i]
        ends = len(values) - 1 - count + picked
        out[i] = quantile_paths(regressor, rows[picked], scales[picked],
                                baseline.origins(i, values, ends), levels, horizon)
    return out


def _known_rows(features, targets, complete_rows_only):
    """Stacked rows with at least one known target (a whole horizon if asked)."""
    if not features:
        return np.empty((0, 0)), np.empty((0, 0))
    X, y = np.vstack(features), np.vstack(targets)
    known = np.isfinite(y).all(axis=1) if complete_rows_only else np.isfinite(y).any(axis=1)
    X, y = X[known], y[known]
    if len(y) and not np.isfinite(y).any(axis=0).all():  # a step with no target at all
        return np.empty((0, 0)), np.empty((0, 0))
    return X, y
