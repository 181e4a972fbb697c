"""Direct or recursive: how the head's next-step quantiles become a path of steps.

One object per strategy, so the forecaster never branches on it: both give the
horizon the head is trained for and the quantile paths from each series' end.
"""


class Direct:
    """One softmax per horizon step, each trained on every window with a value that
    many steps after it; the last window is embedded once for the whole horizon and
    every step's quantiles are exact. Needs ``fh`` in ``fit``."""

    #: Whether its heads forecast a whole window from each origin's features (the
    #: combination's evidence reads such forecasts at held-out origins).
    scores_windows = True

    def horizon(self, fh, cutoff):
        """Steps the head is trained for: the furthest of ``fh``."""
        return int(fh.to_relative(cutoff).to_numpy().max())

    def paths(self, next_quantiles, ends, levels, horizon, keep):
        """(n_series, horizon, n_levels) quantiles from ``next_quantiles(ends, levels)``."""
        return next_quantiles(ends, levels)[:, :horizon]


class Recursive:
    """One head for the next step; each step's median is appended to the window and the
    new window is embedded again. Quantiles of steps after the first are those of
    the next-step distribution along the median path, so they understate the
    uncertainty. Any ``fh``, given in ``fit`` or later."""

    scores_windows = False  # each step re-embeds the path: the combination weighs equally

    def horizon(self, fh, cutoff):
        return 1

    def paths(self, next_quantiles, ends, levels, horizon, keep):
        """Step by step, each step's median fed back (``keep`` cuts an end to its context)."""
        import numpy as np

        grid = sorted({0.5, *levels})
        out = np.empty((len(ends), horizon, len(levels)))
        for step in range(horizon):
            q = next_quantiles(ends, grid)[:, 0]
            out[:, step] = q[:, [grid.index(level) for level in levels]]
            median = q[:, grid.index(0.5)]  # the next window ends with this step's forecast
            ends = [keep(np.append(end, m)) for end, m in zip(ends, median, strict=True)]
        return out


#: The multi-step strategies of :class:`LLMForecaster` (its ``strategy``): ``"direct"``,
#: one head output per horizon step, or ``"recursive"``, one step fed back.
STRATEGIES = {"direct": Direct(), "recursive": Recursive()}
