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
        measure of :func:`llmiso.metrics.isotropy_summary`, plus the centered
        average cosine and partition isotropy; NaN at a layer where every state is
        the same (layer 0 with ``pooling="last"``: every prompt ends on the same
        token).

    See Also
    --------
    llmiso.plotting.plot_isotropy_profile : Draws it.
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
        if not np.ptp(E, axis=0).any():
            # Every prompt's state is the same (layer 0 reads the same last token,
            # the separator, for every window): isotropy is undefined there.
            rows.append({"layer": layer})
            continue
        centered = E - E.mean(axis=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # warned once above
            row = {"layer": layer, **_isotropy.isotropy_summary(E, random_state=random_state)}
        row["average_cosine_centered"] = _isotropy.average_cosine(centered)
        row["partition_centered"] = _isotropy.partition_isotropy(centered)
        rows.append(row)
    return pd.DataFrame(rows).set_index("layer")
