"""Drawing the per-layer isotropy profile: a matplotlib Figure without pyplot (headless)."""

import numpy as np


def plot_isotropy_profile(profile, path=None, *, title="Isotropy per layer"):
    """Draw a profile from :func:`isotropy_profile`; save it as PNG when ``path`` is given.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    panels = [
        (
            "IsoScore, adjusted (1 is isotropic)",
            ["uncentered_isoscore", "uncentered_isoscore_centered", "isoscore"],
        ),
        (
            "average cosine, adjusted (0 is isotropic)",
            ["average_cosine", "average_cosine_centered"],
        ),
        ("cluster cosine, adjusted (0 is isotropic)", ["cluster_cosine"]),
        (
            "partition isotropy, adjusted (log10; 0 is isotropic)",
            ["partition", "partition_centered"],
        ),
    ]
    names = {"uncentered_isoscore": "uncentered", "isoscore": "covariance (centered)"}
    band = profile.attrs.get("isotropic", {})
    fig = Figure(figsize=(10, 6.5), layout="constrained")
    for ax, (label, columns) in zip(fig.subplots(2, 2).ravel(), panels, strict=True):
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
