"""The per-layer isotropy profile: the paper's analysis, used to choose a layer."""

import warnings

import numpy as np
from sklearn.base import clone

from . import _null

# What centering changes: these appear also after centering.
_SHIFT_SENSITIVE = ("uncentered_isoscore", "average_cosine", "partition")


def isotropy_profile(embedder, X, *, source="last_token", sample_size=2000, random_state=0,
                     verbose=False):
    """Every isotropy measure at every layer, referenced to isotropic data of the same size.

    ``X`` is embedded once, reading all hidden states of the model from one forward
    pass per batch. Each measure appears adjusted to its isotropic null (the
    columns of :func:`llmiso.metrics.isotropy_summary`: 1 or 0 is isotropic at any
    size) and raw (``<measure>_raw``, the literature definition). The measures a
    common shift changes (uncentered IsoScore, average cosine, partition) appear
    also ``_centered`` (on the mean of ``X``: this is an analysis of ``X`` itself,
    not a fitted transform). ``profile.attrs["isotropic"]`` holds the null: per
    measure, the raw value of isotropic data of this size and the band of the
    adjusted value.

    Parameters
    ----------
    embedder : LLMEmbedder
        Its settings (model, pooling, prompt) are used; its ``layer`` is ignored.
    X : array-like of shape (n_samples, window_length), or list of str
    source : {"last_token", "attention"}, default="last_token"
        ``"last_token"``: the embedder's own output at every layer, one vector per
        prompt (what a forecaster's head sees). ``"attention"``: the seed paper's
        protocol, the output of each block's self-attention sublayer before the
        residual add, at ``sample_size`` token positions sampled (seeded) from
        every position of every prompt (:meth:`LLMEmbedder.attention_outputs`);
        its cluster cosine is the paper's indicator (globally centered, k-means
        for k = 2..16 by silhouette).
    sample_size : int, default=2000
        Token positions sampled for ``source="attention"``.
    random_state : int, default=0
        Seeds the cluster measure and the token sample.
    verbose : bool, default=False
        Progress bar over the layers (the embedder's own ``verbose`` shows one
        while embedding).

    Returns
    -------
    pandas.DataFrame
        One row per layer (index ``layer``, 0 = token embeddings); NaN at a layer
        where every state is the same (layer 0 with ``pooling="last"``: every
        prompt ends on the same token).

    See Also
    --------
    llmiso.plot_isotropy_profile : Draws it.
    """
    import pandas as pd
    from tqdm.auto import tqdm

    if source not in ("last_token", "attention"):
        raise ValueError(f"source must be 'last_token' or 'attention', got {source!r}.")
    fitted = clone(embedder).set_params(layer=0).fit(X)
    if source == "attention":
        per_layer = fitted.attention_outputs(X, sample_size=sample_size,
                                             random_state=random_state)
        layers = list(range(1, len(per_layer) + 1))
    else:
        layers = list(range(fitted.n_model_layers_ + 1))
        Z = clone(embedder).set_params(layer=layers).fit_transform(X)
        per_layer = np.split(Z, len(layers), axis=1)
    rows = []
    progress = tqdm(zip(layers, per_layer, strict=True), total=len(layers),
                    desc="Isotropy per layer", disable=not verbose)
    for layer, E in progress:
        E = E.astype(np.float64)
        if not np.ptp(E, axis=0).any():
            # Every prompt's state is the same (layer 0 reads the same last token,
            # the separator, for every window): isotropy is undefined there.
            rows.append({"layer": layer})
            continue
        rows.append({"layer": layer, **_layer_measures(E, random_state)})
    profile = pd.DataFrame(rows).set_index("layer").reindex(columns=_columns())
    profile.attrs["isotropic"] = _null.isotropic_null(*per_layer[0].shape)
    return profile


def _columns():
    """Every column of a profile, in order, so one that is undefined everywhere stays NaN."""
    return [*_null.MEASURES, *(f"{name}_raw" for name in _null.MEASURES),
            *(f"{name}_centered" for name in _SHIFT_SENSITIVE)]


def _layer_measures(E, random_state):
    """Adjusted, raw and centered-adjusted measures of one layer's states."""
    with warnings.catch_warnings():
        # The adjusted measures account for few rows; the raw IsoScore's warning is moot.
        warnings.simplefilter("ignore", UserWarning)
        report = _null.isotropy_report(E, random_state=random_state)
        centered = {name: _null.adjusted_isotropy(E - E.mean(axis=0), name,
                                                  random_state=random_state)
                    for name in _SHIFT_SENSITIVE}
    row = report["adjusted"].to_dict()
    row.update({f"{name}_raw": value for name, value in report["raw"].items()})
    row.update({f"{name}_centered": value for name, value in centered.items()})
    return row
