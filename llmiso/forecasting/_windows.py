"""The training set: windows of each series, their origins and targets, and the panel.

Row ``i`` of a series' windows ends at value ``i + window_length - 1``; a training
origin is the end of a window with at least one value after it. Everything that
cuts series into windows, counts origins or builds targets is here, once.
"""

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd


def sliding_windows(values, length):
    """Every run of ``length`` consecutive values of a 1-D series, one per row (a view)."""
    return np.lib.stride_tricks.sliding_window_view(np.asarray(values, dtype=float), length)


def pad_with_last(values, n):
    """``values`` followed by ``n`` copies of its last value.

    statsforecast's ``cross_validation`` and sktime's ``update_predict`` ask for a
    whole test window after the latest origin; a model at an origin reads only the
    values up to it, so the padding is never seen.
    """
    values = np.asarray(values, dtype=float)
    return np.concatenate([values, np.repeat(values[-1], max(n, 0))])


def origin_counts(lengths, window_length, horizon, n_origins, *, history, fit):
    """Training origins per series: its latest windows with a value after them.

    At most ``n_origins`` (None: all), each with ``history`` values up to it, but
    never fewer than a horizon's worth while the baseline's fit has the ``fit``
    values it needs.
    """
    counts = []
    for T in lengths:
        count = max(T - history, min(T - fit, horizon))
        counts.append(max(0, min(T - window_length, count, n_origins or T)))
    return counts


def future_values(values, window_length, horizon):
    """The values 1..horizon steps after each window, one row per window; NaN past the end."""
    padded = np.concatenate([values[window_length:], np.full(horizon - 1, np.nan)])
    return sliding_windows(padded, horizon)


def training_set(series, counts, encoded, baseline, *, window_length, horizon):
    """The head's features and targets over every series of a panel.

    ``encoded[i]`` holds series i's rows (features, scales) from its first training
    window on; its targets are each step's change from ``baseline``'s forecast from
    that origin, divided by the row's scale (NaN past the end of the series).
    """
    features, targets = [], []
    for i, (values, count, (rows, scales)) in enumerate(zip(series, counts, encoded, strict=True)):
        if not count:  # a series no longer than a window: forecast, never learned from
            continue
        future = future_values(values, window_length, horizon)[len(values) - window_length - count:]
        ends = np.arange(len(values) - 1 - count, len(values) - 1)
        features.append(rows[:count])
        targets.append((future - baseline.origins(i, values, ends)) / scales[:count, None])
    return np.vstack(features), np.vstack(targets)


def training_windows(lengths, window_length, horizon, n_origins=None):
    """Windows with a whole horizon after them that series of ``lengths`` give a head
    (at most ``n_origins`` per series): what the default head's rule counts."""
    return sum(min(max(0, T - window_length - horizon + 1), n_origins or T) for T in lengths)


def season_window(sp):
    """The window a fitted head reads by default: two seasons, at most 24 values (at
    least one season, and 4 values without one): the windows chosen per season length
    on M3 and Tourism (24 monthly, 8 quarterly, 4 yearly; docs/benchmarks.md)."""
    return max(sp, min(2 * sp, 24)) if sp > 1 else 4


def check_lengths(panel, window_length, horizon):
    """Every series holds a window and a horizon, or a clear error says which does not."""
    needed = window_length + horizon
    for key, values in zip(panel.keys, panel.series, strict=True):
        if len(values) < needed:
            name = "" if key is None else f" {key}"
            raise ValueError(
                f"The series{name} has {len(values)} values, but a window of "
                f"{window_length} plus a horizon of {horizon} needs at least {needed}. "
                "Use a smaller window_length or a shorter fh."
            )


@dataclass
class Panel:
    """The series of ``y`` (one, keyed None, for a plain series) and how to write them back."""

    keys: list
    series: list
    names: list = field(default_factory=list)
    columns: object = None
    ends: list = None  # each series' last time (a panel's series may end at different times)

    @classmethod
    def of(cls, y):
        """The keys and values of each series of ``y`` (an sktime frame or panel)."""
        if isinstance(y.index, pd.MultiIndex):
            levels = list(range(y.index.nlevels - 1))
            groups = y.iloc[:, 0].groupby(level=levels if len(levels) > 1 else 0, sort=False)
            return cls([key for key, _ in groups], [g.to_numpy(dtype=float) for _, g in groups],
                       list(y.index.names), y.columns, [g.index[-1][-1] for _, g in groups])
        return cls([None], [y.iloc[:, 0].to_numpy(dtype=float)], list(y.index.names), y.columns,
                   [y.index[-1]])

    @staticmethod
    def series_of(y):
        """The values of each series of ``y``: a panel's instances, a frame's columns
        (leading NaN: a series that starts later), or a single series."""
        frame = y.to_frame() if isinstance(y, pd.Series) else y
        if isinstance(frame.index, pd.MultiIndex):
            return Panel.of(frame).series
        return [frame[c].dropna().to_numpy(dtype=float) for c in frame.columns]

    def frame(self, index, values, columns=None):
        """A frame from (n_series, n_times, n_columns) ``values``: at the times ``index``
        (the same for every series), or a list of each series' times."""
        columns = self.columns if columns is None else columns
        if self.keys == [None]:
            return pd.DataFrame(values[0], index=index[0] if isinstance(index, list) else index,
                                columns=columns)
        times = index if isinstance(index, list) else [index] * len(self.keys)
        rows = [(*(key if isinstance(key, tuple) else (key,)), t)
                for key, own in zip(self.keys, times, strict=True) for t in own]
        return pd.DataFrame(values.reshape(-1, values.shape[-1]),
                            index=pd.MultiIndex.from_tuples(rows, names=self.names),
                            columns=columns)

    def padded(self, length):
        """The panel with every series shorter than ``length`` left-padded with its first
        value: it can then be forecast from a whole window, and gives a fitted head no
        training window (none of its windows has a real value after it)."""
        series = [v if len(v) >= length else np.concatenate([np.repeat(v[0], length - len(v)), v])
                  for v in self.series]
        return replace(self, series=series)

    def extended(self, y):
        """The series moved forward by the new values of ``y`` (same keys)."""
        position = {key: i for i, key in enumerate(self.keys)}
        new = Panel.of(y)
        series, ends = list(self.series), list(self.ends or [None] * len(self.keys))
        for key, values, end in zip(new.keys, new.series, new.ends, strict=True):
            if key not in position:
                raise ValueError(
                    f"update got the series {key!r}, which fit did not see; a fitted "
                    "forecaster only moves known series forward. Fit again to add series."
                )
            series[position[key]] = np.concatenate([series[position[key]], values])
            ends[position[key]] = end
        return replace(self, series=series, ends=ends)
