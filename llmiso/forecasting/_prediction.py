"""How a fitted LLMForecaster forecasts: sktime's update and predict, from its parts.

A mixin of :class:`LLMForecaster`: each series' end moves forward with ``update``;
``predict`` reads each series' last window (embedded by ``fit`` or ``update``),
adds the head's quantiles, in the window's scale, to the baseline's forecast, and
hands the path to the combination.
"""

from dataclasses import replace

import numpy as np

from ._regressor import quantile_paths
from ._strategies import STRATEGIES


class PredictionMixin:
    """sktime's ``_update``, ``_predict`` and ``_predict_quantiles``."""

    def _update(self, y, X=None, update_params=True):
        """Move each series' end forward with the new values; the head stays.

        Statistical models are refitted on the whole history with ``update_params``,
        else run forward over the new values (see the class's Notes).
        """
        panel = self._panel.extended(y)
        self._panel = replace(panel, series=[self._keep(v) for v in panel.series])
        self._last_windows = self._windows_at_ends(self._panel.series)
        if update_params:
            self.baseline_.refit(self._panel.series)
            if self.combiner_ is not None:
                self.combiner_.refit(self._panel.series)
        return self

    def _windows_at_ends(self, ends):
        """(features, scale) of the window that ends each series."""
        reading = self._reading_length()  # cut each end to what its last row reads
        return [(rows[-1], scales[-1]) for rows, scales in
                self._encode([end if reading is None else end[-reading:] for end in ends])]

    def _next_quantiles(self, ends, levels):
        """(n_series, horizon_, n_levels) quantiles from the end of each series."""
        # The panel's own ends were embedded by fit (or update); a recursive path's are new.
        last = self._last_windows if ends is self._panel.series else self._windows_at_ends(ends)
        return quantile_paths(self.regressor_, np.vstack([row for row, _ in last]),
                              [scale for _, scale in last], self.baseline_.forecasts(ends),
                              levels, self.horizon_)

    def _quantiles(self, fh, levels, members=False):
        """(n_series, len(fh), n_levels): the head's path, combined when ``combine`` asks
        (``members``: (n_members, ...) each member's, uncombined)."""
        # Steps ahead of the cutoff (sktime rejects in-sample fh: capability:insample);
        # direct: sktime guarantees fh is the one of fit.
        steps = fh.to_relative(self.cutoff).to_numpy().astype(int)
        horizon = int(steps.max())
        ends = self._panel.series
        grid = sorted({0.5, *levels})
        if self.combiner_ is not None and not members:
            grid = self.combiner_.levels_for(grid)  # a mixture reads the deciles too
        paths = STRATEGIES[self.strategy].paths(self._next_quantiles, ends, grid, horizon,
                                                self._keep)
        if members:
            paths = (paths[None] if self.combiner_ is None
                     else self.combiner_.members(paths, ends, grid, horizon))
        elif self.combiner_ is not None:
            paths = self.combiner_.combine(paths, ends, grid, horizon)
        return paths[..., steps - 1, :][..., [grid.index(level) for level in levels]]

    def _predict(self, fh, X=None):
        return self._panel.frame(self._forecast_times(fh), self._quantiles(fh, [0.5]))

    def _forecast_times(self, fh):
        """The times forecast: ``fh`` after the cutoff, or, for a panel whose series end
        at different times, after each series' own end (each is forecast from there,
        as sktime's per-series forecasters and statsforecast do)."""
        import pandas as pd

        ends = self._panel.ends
        if not ends or all(end == self.cutoff[0] for end in ends):
            return fh.to_absolute_index(self.cutoff)
        steps = fh.to_relative(self.cutoff)
        freq = getattr(self.cutoff, "freq", None)
        return [steps.to_absolute_index(self.cutoff.__class__([end], freq=freq) if freq
                                        else pd.Index([end])) for end in ends]

    def _predict_quantiles(self, fh, X=None, alpha=None):
        return self._quantile_frame(fh, list(alpha), self._quantiles(fh, list(alpha)))

    def _quantile_frame(self, fh, levels, quantiles):
        """(n_series, len(fh), n_levels) ``quantiles`` as sktime's quantile frame."""
        import pandas as pd

        columns = pd.MultiIndex.from_product([self._get_varnames(), levels])
        return self._panel.frame(self._forecast_times(fh), quantiles, columns)
