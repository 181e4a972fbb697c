"""Every plot llmiso draws: matplotlib Figures without pyplot (headless, no global state).

sktime's ``plot_series`` draws one interval for one series on pyplot; these draw
quantile bands for several series or several models on one Figure.
"""

import numpy as np


def _times(index):
    return index.to_timestamp() if hasattr(index, "to_timestamp") else index


def plot_forecast(frame, table, path, *, max_series=12, history=60):
    """Each series' last ``history`` values and its forecast (median, 10%-90% band).

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
        ax.fill_between(when, rows["q0.1"], rows["q0.9"], color="C0", alpha=0.3)
        ax.plot(when, rows["median"], color="C0", lw=1.5)
        ax.set_title(str(column), fontsize=9)
        ax.tick_params(labelsize=7)
        ax.tick_params(axis="x", labelrotation=30)
    for ax in axes[len(columns):]:
        ax.set_visible(False)
    title = "LLMForecaster: median and 10%-90% band"
    if frame.shape[1] > len(columns):
        title += (f" (the first {len(columns)} of {frame.shape[1]} series; "
                  "every forecast is in the CSV)")
    fig.suptitle(title, fontsize=10)
    fig.savefig(path, dpi=100)
    return fig


def plot_backtest(y, quantiles_by_model, path, *, history=48):
    """The last ``history`` values of ``y`` and each model's median and 10%-90% band.

    One panel per model over the same history, so models whose forecasts nearly
    coincide stay readable; the y-axis spans what is drawn, not zero.
    """
    from matplotlib.figure import Figure

    n = len(quantiles_by_model)
    fig = Figure(figsize=(4 * n, 3.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, n, sharey=True))
    shown = y.iloc[-history:]
    low = min([shown.min()] + [q.iloc[:, 0].min() for q in quantiles_by_model.values()])
    high = max([shown.max()] + [q.iloc[:, -1].max() for q in quantiles_by_model.values()])
    for i, (ax, (name, q)) in enumerate(zip(axes, quantiles_by_model.items(), strict=True)):
        ax.plot(_times(shown.index), shown.to_numpy(), color="black", lw=1, label="actual")
        when = _times(q.index)
        ax.fill_between(when, q.iloc[:, 0], q.iloc[:, -1], color=f"C{i}", alpha=0.25,
                        label="10%-90%")
        ax.plot(when, q.iloc[:, 1], color=f"C{i}", lw=1.5, label="median")
        ax.set_title(name, fontsize=10)
        ax.grid(alpha=0.3)
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    margin = 0.05 * (high - low)
    axes[0].set_ylim(low - margin, high + margin)
    axes[0].legend(fontsize=8, loc="upper left")
    fig.suptitle("The last fold: forecasts from the second origin")
    fig.savefig(path, dpi=110)
    return fig
