"""Series to the head's features: one row per window, both encodings, on any workers.

Row ``i`` of a series ends at value ``i + window_length - 1``. Every row is divided
by one scale, the mean absolute value of its window, whatever the encoding and
whatever the embedder writes in its prompts: the head's targets and the scaled
values beside the embedding are in that unit, so ``encoding`` changes only how the
embedding is read, never what the head is asked.
"""

import numpy as np

from .._scale import mean_abs_scale
from ._windows import sliding_windows

# Series per embedding task: small enough to spread a panel over workers, large
# enough that each task fills the model's batches.
SERIES_PER_TASK = 64


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
    for part in _run(calls, n_jobs, verbose and len(groups) > 1, len(many)):
        embeddings.extend(part)
    if include_values:  # each row beside the window it ends, in that row's scale
        embeddings = [np.hstack([e, v]) for e, v in zip(embeddings, scaled)]
    return list(zip(embeddings, scales))


def _run(calls, n_jobs, progress_bar, n_series):
    """Yield each group's embeddings in order: in joblib workers, or on a Dask cluster."""
    from joblib import Parallel, delayed, effective_n_jobs
    from tqdm.auto import tqdm

    client = None if n_jobs == 1 else _dask_client()
    if client is not None:
        # Submitted to the cluster directly: joblib runs the work of a cluster with a
        # single worker thread here in the client (its shortcut for one job).
        futures = [client.submit(_embed_group, *call, pure=False) for call in calls]
        tasks = (future.result() for future in futures)
    elif len(calls) == 1 or effective_n_jobs(n_jobs) == 1:
        # In this process: joblib's generator polls with sleeps, a cost per call.
        tasks = (_embed_group(*call) for call in calls)
    else:
        tasks = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(_embed_group)(*call) for call in calls)
    # Over series, wherever the groups run (the embedder's own bar is per group).
    with tqdm(total=n_series, desc="Series", unit="series", disable=not progress_bar) as bar:
        for part in tasks:
            bar.update(len(part))
            yield part


def _dask_client():
    """The Dask client of an active ``joblib.parallel_backend("dask")``, or None.

    None inside a Dask task too: there joblib's nested backend knows how to wait for
    tasks without holding the worker's thread.
    """
    from joblib.parallel import get_active_backend

    client = getattr(get_active_backend()[0], "client", None)
    if client is None:
        return None
    from distributed import get_worker

    try:
        get_worker()
    except ValueError:  # not in a worker: the client's own process
        return client
    return None


def _embed_group(embedder, many, windows, window_length, stride):
    """The embeddings of each series of one group: a task for a joblib or Dask worker."""
    if stride > 1:
        return [e for e, _ in embedder.embed_series(many, window_length, stride=stride)]
    embeddings = embedder.transform(np.vstack(windows))
    return np.split(embeddings, np.cumsum([len(w) for w in windows])[:-1])
