"""Every plot llmiso draws: matplotlib Figures without pyplot (headless, no global state).

sktime's ``plot_series`` draws one interval for one series on pyplot; these draw
quantile bands for several series or several models on one Figure.
"""

import numpy as np


def _times(index):
    return index.to_timestamp() if hasattr(index, "to_timestamp") else index


def plot_forecast(frame, table, path, *, members=None, max_series=12, history=60):
    """Each series' last ``history`` values and its forecast as a fan chart: the
    median with its 50% and 80% bands (``table``'s q0.25-q0.75 and q0.1-q0.9), and
    each of ``members``' medians (``LLMForecaster.member_quantiles(alpha=[0.5])``).

    One small panel per series, each on its own y-axis, for the first
    ``max_series`` series; the title says how many more there are and where their
    forecasts lie, so a file of thousands of series still gives a readable figure.
    """
    from matplotlib.figure import Figure

    columns = list(frame.columns)[:max_series]
    n_cols = min(len(columns), 4)
    n_rows = -(-len(columns) // n_cols)
    fig = Figure(figsize=(3.2 * n_cols + 1, 2.4 * n_rows + 0.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(n_rows, n_cols, squeeze=False)).ravel()
    for ax, column in zip(axes, columns, strict=False):  # the grid may have spare axes
        past = frame[column].dropna().iloc[-history:]
        rows = table.xs(column, level=0) if table.index.nlevels > 1 else table
        ax.plot(_times(past.index), past.to_numpy(), color="black", lw=1)
        when = _times(rows.index)
        ax.fill_between(when, rows["q0.1"], rows["q0.9"], color="C0", alpha=0.2, lw=0,
                        label="80%")
        if "q0.25" in rows:
            ax.fill_between(when, rows["q0.25"], rows["q0.75"], color="C0", alpha=0.35, lw=0,
                            label="50%")
        ax.plot(when, rows["median"], color="C0", lw=1.5, label="median")
        for i, (name, found) in enumerate((members or {}).items()):
            median = _one_series(found, column if table.index.nlevels > 1 else None)
            ax.plot(when, median.iloc[:, 0].to_numpy(), color=f"C{i + 1}", lw=0.8, ls="--",
                    label=name.split("(")[0])
        ax.set_title(str(column), fontsize=9)
        ax.tick_params(labelsize=7)
        ax.tick_params(axis="x", labelrotation=30)
    for ax in axes[len(columns):]:
        ax.set_visible(False)
    if members:
        axes[0].legend(fontsize=6, loc="upper left")
    title = "LLMForecaster: median, 50% and 80% bands" + (", members' medians (dashed)"
                                                         if members else "")
    if frame.shape[1] > len(columns):
        title += (f" (the first {len(columns)} of {frame.shape[1]} series; "
                  "every forecast is in the CSV)")
    fig.suptitle(title, fontsize=10)
    fig.savefig(path, dpi=100)
    return fig


# The fan chart's levels: the median and the ends of the 50% and 80% intervals.
FAN_LEVELS = (0.1, 0.25, 0.5, 0.75, 0.9)


def _one_series(frame, series):
    """The quantiles of one series of a panel's ``predict_quantiles`` frame: its rows
    (a MultiIndex panel) or its columns (a wide DataFrame)."""
    if series is None:
        return frame.droplevel(0, axis=1) if frame.columns.nlevels > 1 else frame
    if frame.index.nlevels > 1:
        frame = frame.xs(series, level=0)
        return frame.droplevel(0, axis=1) if frame.columns.nlevels > 1 else frame
    return frame[series]


def _plot_actual(ax, y, forecast_index, history, label=None):
    """``y`` up to the forecast's last time (what followed the cutoff too, where
    known), its last ``history`` values, in black."""
    shown = y[y.index <= forecast_index[-1]].iloc[-history:]
    ax.plot(_times(shown.index), shown.to_numpy(), color="black", lw=1, label=label)


def plot_fan_chart(y, forecaster, *, series=None, members=True, history=48, ax=None,
                   title=None, path=None):
    """A fitted forecaster's forecast of one series as a fan chart.

    The median with its 50% and 80% bands (quantiles 0.25-0.75 and 0.1-0.9), over
    the series' last ``history`` values, and, with ``members``, the median of each
    member the combination mixed (:meth:`~llmiso.forecasting.LLMForecaster.member_quantiles`).

    Parameters
    ----------
    y : pandas.Series
        The series to draw (what followed the cutoff too, if known).
    forecaster : fitted sktime forecaster
        One with ``predict_quantiles``; an :class:`~llmiso.forecasting.LLMForecaster`
        with a combination also draws its members.
    series : str or int, default=None
        Which series of a panel the forecaster was fitted on: a column of a wide
        DataFrame, or an instance of a MultiIndex panel (None: a single series).
    members : bool, default=True
        Draw each member's median (dashed).
    history : int, default=48
        How many past values to show.
    ax : matplotlib Axes, default=None
        Where to draw (None: a new Figure).
    title : str, default=None
    path : str or Path, default=None
        Save the figure there.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    if ax is None:
        fig = Figure(figsize=(8, 3.8), layout="constrained")
        ax = fig.subplots()
    else:
        fig = ax.figure
    q = _one_series(forecaster.predict_quantiles(alpha=list(FAN_LEVELS)), series)
    q.columns = FAN_LEVELS
    when = _times(q.index)
    _plot_actual(ax, y, q.index, history, label="actual")
    ax.fill_between(when, q[0.1], q[0.9], color="C0", alpha=0.2, lw=0, label="80%")
    ax.fill_between(when, q[0.25], q[0.75], color="C0", alpha=0.35, lw=0, label="50%")
    ax.plot(when, q[0.5], color="C0", lw=2, label="median")
    found = getattr(forecaster, "combiner_", None)
    if members and found is not None:
        weights = found.weights_.mean(axis=0)  # (over series; equal by default)
        for i, (name, frame) in enumerate(forecaster.member_quantiles(alpha=[0.5]).items()):
            median = _one_series(frame, series).iloc[:, 0]
            label = name.split("(")[0] + f" ({weights[i]:.2f})"
            ax.plot(when, median.to_numpy(), lw=1, ls="--", color=f"C{i + 1}", label=label)
    ax.set_title(title or "median, 50% and 80% bands; members' medians (weight)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", ncol=2)
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def plot_demo_forecast(y, forecaster, others, path, *, history=48):
    """The demo's picture: ``forecaster``'s fan chart (:func:`plot_fan_chart`) of the
    last fold, with what followed, beside ``others``' medians and 10%-90% bands
    (name: their ``predict_quantiles`` at 0.1, 0.5, 0.9) on the same axes' scale."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 3.8), layout="constrained")
    grid = fig.add_gridspec(1, 2 + len(others))
    main = fig.add_subplot(grid[0, :2])
    plot_fan_chart(y, forecaster, history=history, ax=main,
                   title="LLMForecaster's defaults: median, 50% and 80% bands; "
                         "members' medians (weight)")
    low, high = main.get_ylim()
    for i, (name, q) in enumerate(others.items()):
        ax = fig.add_subplot(grid[0, 2 + i], sharey=main)
        _plot_actual(ax, y, q.index, history)
        when = _times(q.index)
        ax.fill_between(when, q.iloc[:, 0], q.iloc[:, -1], color=f"C{i + 5}", alpha=0.25,
                        lw=0, label="10%-90%")
        ax.plot(when, q.iloc[:, 1], color=f"C{i + 5}", lw=1.5, label="median")
        ax.set_title(name, fontsize=10)
        ax.grid(alpha=0.3)
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    main.set_ylim(low, high)
    fig.savefig(path, dpi=110)
    return fig
