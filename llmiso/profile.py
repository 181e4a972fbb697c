"""The per-layer isotropy profile: the paper's analysis, used to choose a layer."""

import warnings

import numpy as np
from sklearn.base import clone

from .metrics import _isotropy

# Measures that a shift of every point changes; the others are computed once per layer.
_SHIFT_SENSITIVE = ("average_cosine", "partition")


def isotropy_profile(embedder, X, *, random_state=0, verbose=False):
    """Every isotropy measure at every layer, before and after centering.

    ``X`` is embedded once, reading all hidden states of the model from one forward
    pass per batch. IsoScore, cluster cosine, effective dimension and top-component
    share ignore a common shift, so they appear once; average cosine and the
    partition measure appear raw and ``_centered`` (on the mean of ``X``: this is
    an analysis of ``X`` itself, not a fitted transform).

    Parameters
    ----------
    embedder : LLMEmbedder
        Its settings (model, pooling, prompt) are used; its ``layer`` is ignored.
    X : array-like of shape (n_samples, window_length), or list of str
    random_state : int, default=0
        Seeds the cluster measure.
    verbose : bool, default=False
        Progress bar over the layers (the embedder's own ``verbose`` shows one
        while embedding).

    Returns
    -------
    pandas.DataFrame
        One row per layer (index ``layer``, 0 = token embeddings), one column per
        measure, plus ``cluster_k`` (clusters found).

    See Also
    --------
    plot_isotropy_profile : Draws it.
    """
    import pandas as pd
    from tqdm.auto import tqdm

    n_layers = clone(embedder).set_params(layer=0).fit(X).n_model_layers_
    layers = list(range(n_layers + 1))
    Z = clone(embedder).set_params(layer=layers).fit_transform(X)
    per_layer = np.split(Z, len(layers), axis=1)
    if len(Z) < per_layer[0].shape[1]:
        warnings.warn(
            f"{len(Z)} samples in {per_layer[0].shape[1]} dimensions: IsoScore and the "
            "effective dimension are biased low with fewer samples than dimensions.",
            UserWarning,
            stacklevel=2,
        )
    rows = []
    progress = tqdm(zip(layers, per_layer), total=len(layers), desc="Isotropy per layer",
                    disable=not verbose)
    for layer, E in progress:
        E = E.astype(np.float64)
        centered = E - E.mean(axis=0)
        cluster, k = _isotropy.cluster_cosine(E, random_state=random_state, return_k=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # warned once above
            iso = _isotropy.isoscore(E)
        row = {
            "layer": layer,
            "isoscore": iso,
            "cluster_cosine": cluster,
            "cluster_k": k,
            "effective_dimension": _isotropy.effective_dimension(E),
            "top_component_share": _isotropy.top_component_share(E),
            "average_cosine": _isotropy.average_cosine(E),
            "average_cosine_centered": _isotropy.average_cosine(centered),
            "partition": _isotropy.partition_isotropy(E),
            "partition_centered": _isotropy.partition_isotropy(centered),
        }
        rows.append(row)
    return pd.DataFrame(rows).set_index("layer")


def plot_isotropy_profile(profile, path=None, *, title="Isotropy per layer"):
    """Draw a profile from :func:`isotropy_profile`; save it as PNG when ``path`` is given.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure  # no pyplot: works headless, leaks no state

    panels = [
        ("average cosine (lower is isotropic)", ["average_cosine", "average_cosine_centered"]),
        ("IsoScore (higher is isotropic)", ["isoscore"]),
        ("cluster cosine (lower is isotropic)", ["cluster_cosine"]),
        ("partition isotropy (log10)", ["partition", "partition_centered"]),
    ]
    fig = Figure(figsize=(10, 6.5), layout="constrained")
    for ax, (label, columns) in zip(fig.subplots(2, 2).ravel(), panels):
        for column in columns:
            values = profile[column]
            if column.startswith("partition"):
                values = np.log10(np.maximum(values, 1e-300))
            style = "--" if column.endswith("centered") else "-"
            name = "centered" if column.endswith("centered") else "raw"
            ax.plot(profile.index, values, style, marker="o", markersize=3, label=name)
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("layer")
        ax.grid(alpha=0.3)
        if len(columns) > 1:
            ax.legend(fontsize=8)
    fig.suptitle(title)
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
