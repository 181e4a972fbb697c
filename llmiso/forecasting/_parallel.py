"""Groups of series as tasks: in this process, in joblib workers, or on a Dask cluster.

The embeddings and the statistical models run their groups the same way, so one
``joblib.parallel_backend("dask")`` spreads both over a cluster.
"""

# Series per task: small enough to spread a panel over workers, large enough that
# each task fills the model's batches (and amortises statsforecast's set-up).
SERIES_PER_TASK = 64


def run_groups(function, calls, n_jobs=None, progress_bar=False, n_series=0):
    """Yield ``function(*call)`` for each call, in order: here, in joblib workers, or on Dask."""
    from joblib import Parallel, delayed, effective_n_jobs
    from tqdm.auto import tqdm

    client = None if n_jobs == 1 else _dask_client()
    if client is not None:
        # Submitted to the cluster directly: joblib runs the work of a cluster with a
        # single worker thread here in the client (its shortcut for one job).
        futures = [client.submit(function, *call, pure=False) for call in calls]
        tasks = (future.result() for future in futures)
    elif len(calls) == 1 or effective_n_jobs(n_jobs) == 1:
        # In this process: joblib's generator polls with sleeps, a cost per call.
        tasks = (function(*call) for call in calls)
    else:
        tasks = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(function)(*call) for call in calls)
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
