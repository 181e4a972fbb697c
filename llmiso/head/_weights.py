"""A fitted head's weights as a plain value: a prior to start a fit from, or to save."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class HeadWeights:
    """A fitted head's weights, bins and tails: a prior to start a fit from.

    Not an estimator (so ``clone`` copies it, fitted as it is); saved and loaded as
    arrays by :mod:`llmiso.forecasting`'s pretrained heads.
    """

    coef: np.ndarray  # (n_outputs, n_bins, n_features)
    intercept: np.ndarray  # (n_outputs, n_bins)
    bin_edges: np.ndarray  # (n_bins + 1,)
    tail_scale: np.ndarray  # (2,)

    def check(self, *, n_features, n_outputs, n_bins):
        """A clear error where a fit's shape does not match these weights."""
        have = (self.coef.shape[2], self.coef.shape[0], self.coef.shape[1])
        if have[0] != n_features or have[1] < n_outputs or have[2] != n_bins:
            raise ValueError(
                f"The prior has {have[0]} features, {have[1]} outputs and {have[2]} bins; "
                f"this fit has {n_features} features, {n_outputs} outputs and n_bins="
                f"{n_bins}. A prior fits the same features and bins, and at most as many "
                "outputs.")

    def logits(self, X, output):
        """The prior's logits of output ``output`` on rows ``X`` (n, n_bins)."""
        return np.asarray(X, dtype=np.float64) @ self.coef[output].T + self.intercept[output]
