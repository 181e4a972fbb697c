"""The customary seasonal period of a time index, from its frequency."""

# By the class name of the index's pandas offset (MonthEnd, QuarterBegin, Week, ...):
# a name rather than the frequency string, where "min" and "ms" start like months.
_SEASONS = {"Month": 12, "Quarter": 4, "Week": 52, "BusinessDay": 5, "Day": 7, "Hour": 24}


def seasonal_period(index):
    """12 for a monthly index, 4 quarterly, 52 weekly, 7 daily, 24 hourly; 1 when unknown."""
    name = type(getattr(index, "freq", None)).__name__
    return next((season for prefix, season in _SEASONS.items() if name.startswith(prefix)), 1)


def season_of(y, window_length):
    """The season of ``y``'s time index if it fits in a window, else 1."""
    import pandas as pd

    index = y.index.levels[-1] if isinstance(y.index, pd.MultiIndex) else y.index
    season = seasonal_period(index)
    return season if season <= window_length else 1


def is_seasonal(values, sp):
    """Whether ``values`` have a season of ``sp``: the 90% autocorrelation test.

    The test of the M4 competition's Theta benchmark (Assimakopoulos & Nikolopoulos;
    sktime's ``ConditionalDeseasonalizer``): the autocorrelation at lag ``sp``
    exceeds ``1.645 sqrt((1 + 2 sum_{k<sp} r_k^2) / n)``. False for ``sp`` 1, for
    fewer than three seasons of values, or for a constant series.
    """
    import numpy as np

    y = np.asarray(values, dtype=np.float64)
    n = len(y)
    if sp < 2 or n < 3 * sp:
        return False
    centered = y - y.mean()
    total = np.dot(centered, centered)
    if total == 0:
        return False
    r = np.array([np.dot(centered[: n - k], centered[k:]) / total for k in range(1, sp + 1)])
    limit = 1.645 * np.sqrt((1 + 2 * np.sum(r[: sp - 1] ** 2)) / n)
    return bool(abs(r[sp - 1]) > limit)
