"""Writing numeric windows as text prompts (LLMTime-style, Chronos-style scaling)."""

import numpy as np


def mean_abs_scale(X):
    """Mean absolute value of each row of ``X``; 1 for an all-zero row (it stays zero)."""
    scale = np.mean(np.abs(X), axis=1)
    return np.where(scale > 0, scale, 1.0)


def format_windows(X, *, decimals, separator, scaling):
    """One prompt per row: values with a fixed number of decimals joined by ``separator``.

    With ``scaling="mean_abs"`` each row is first divided by its mean absolute value,
    so windows of any level read alike and the model sees numbers near 1.
    """
    X = np.asarray(X, dtype=np.float64)
    if scaling == "mean_abs":
        X = X / mean_abs_scale(X)[:, None]
    X = np.round(X, decimals) + 0.0  # + 0.0 turns -0.00 into 0.00
    template = f"{{:.{decimals}f}}"
    return [separator.join(map(template.format, row)) for row in X.tolist()]
