"""Series to the head's features: one row per window, both encodings, on any workers.

Row ``i`` of a series ends at value ``i + window_length - 1``. Every row is divided
by one scale, the mean absolute value of its window, whatever the encoding and
whatever the embedder writes in its prompts: the head's targets and the scaled
values beside the embedding are in that unit, so ``encoding`` changes only how the
embedding is read, never what the head is asked.
"""

import numpy as np

from .._scale import mean_abs_scale
from ._parallel import SERIES_PER_TASK, run_groups
from ._windows import sliding_windows


def encode(embedder, many, window_length, *, stride, include_values, n_jobs=None, verbose=False):
    """``[(features, scales)]`` per series of ``many``: one row per window.

    ``embedder`` None: the features are the scaled window itself (no LLM). Else the
    embedding of each window (``stride`` 1: each window its own prompt; more: one
    pass over the series, ``stride`` states per chunk), with the scaled window
    beside it when ``include_values``.
    """
    windows = [sliding_windows(values, window_length) for values in many]
    scales = [mean_abs_scale(w) for w in windows]
    scaled = [w / s[:, None] for w, s in zip(windows, scales)]
    if embedder is None:
        return list(zip(scaled, scales))
    groups = [slice(i, i + SERIES_PER_TASK) for i in range(0, len(many), SERIES_PER_TASK)]
    calls = [(embedder, many[g], windows[g], window_length, stride) for g in groups]
    embeddings = []
    for part in run_groups(_embed_group, calls, n_jobs, verbose and len(groups) > 1, len(many)):
        embeddings.extend(part)
    if include_values:  # each row beside the window it ends, in that row's scale
        embeddings = [np.hstack([e, v]) for e, v in zip(embeddings, scaled)]
    return list(zip(embeddings, scales))


def _embed_group(embedder, many, windows, window_length, stride):
    """The embeddings of each series of one group: a task for a joblib or Dask worker."""
    if stride > 1:
        return [e for e, _ in embedder.embed_series(many, window_length, stride=stride)]
    embeddings = embedder.transform(np.vstack(windows))
    return np.split(embeddings, np.cumsum([len(w) for w in windows])[:-1])
