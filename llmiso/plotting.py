"""Every plot llmiso draws: matplotlib Figures without pyplot (headless, no global state).

sktime's ``plot_series`` draws one interval for one series on pyplot; these draw
quantile bands for several series or several models on one Figure.
"""

import numpy as np


def _times(index):
    return index.to_timestamp() if hasattr(index, "to_timestamp") else index


def plot_isotropy_profile(profile, path=None, *, title="Isotropy per layer"):
    """Draw a profile from :func:`isotropy_profile`; save it as PNG when ``path`` is given.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    panels = [
        ("IsoScore, adjusted (1 is isotropic)",
         ["uncentered_isoscore", "uncentered_isoscore_centered", "isoscore"]),
        ("average cosine, adjusted (0 is isotropic)", ["average_cosine", "average_cosine_centered"]),
        ("cluster cosine, adjusted (0 is isotropic)", ["cluster_cosine"]),
        ("partition isotropy, adjusted (log10; 0 is isotropic)",
         ["partition", "partition_centered"]),
    ]
    names = {"uncentered_isoscore": "uncentered", "isoscore": "covariance (centered)"}
    band = profile.attrs.get("isotropic", {})
    fig = Figure(figsize=(10, 6.5), layout="constrained")
    for ax, (label, columns) in zip(fig.subplots(2, 2).ravel(), panels):
        log = columns[0] == "partition"
        for column in columns:
            values = profile[column]
            if log:
                values = np.log10(np.maximum(values, 1e-300))
            style = "--" if column.endswith("centered") else "-"
            name = "centered" if column.endswith("centered") else names.get(column, "raw data")
            ax.plot(profile.index, values, style, marker="o", markersize=3, label=name)
        if columns[0] in band:  # where isotropic data of this size falls (95%)
            low, high = band[columns[0]][1:]
            if log:
                low, high = np.log10(max(low, 1e-300)), np.log10(max(high, 1e-300))
            ax.axhspan(low, high, color="0.5", alpha=0.2, label="isotropic, same size")
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("layer")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def plot_forecast(frame, table, path):
    """History of each column of ``frame`` and its forecast ``table`` (median, q0.1, q0.9)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4), layout="constrained")
    ax = fig.subplots()
    for i, column in enumerate(frame.columns):
        history = frame[column]
        rows = table.xs(column, level=0) if table.index.nlevels > 1 else table
        x_hist, x_fut = _times(history.index), _times(rows.index)
        ax.plot(x_hist, history.to_numpy(), color=f"C{i}", lw=1, label=str(column))
        ax.fill_between(x_fut, rows["q0.1"], rows["q0.9"], color=f"C{i}", alpha=0.25)
        ax.plot(x_fut, rows["median"], color=f"C{i}", ls="--")
    ax.set_title("LLMForecaster: median and 10%-90% band")
    ax.legend()
    fig.savefig(path, dpi=110)
    return fig


def plot_backtest(y, quantiles_by_model, path):
    """The end of ``y`` with each model's median and 10%-90% band over the last fold."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4.5), layout="constrained")
    ax = fig.subplots()
    ax.plot(y.index.to_timestamp(), y.to_numpy(), color="black", lw=1, label="airline")
    for i, (name, q) in enumerate(quantiles_by_model.items()):
        when = q.index.to_timestamp()
        ax.fill_between(when, q.iloc[:, 0], q.iloc[:, 2], color=f"C{i}", alpha=0.15)
        ax.plot(when, q.iloc[:, 1], color=f"C{i}", label=f"{name} (median, 10-90%)")
    ax.set_xlim(y.index[-60].to_timestamp(), y.index[-1].to_timestamp())
    ax.set_title("The last 12 months forecast from the end of 1959")
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=110)
    return fig
