import os

# `make test` runs the suite in two processes (pytest-xdist); each gets one of the
# machine's cores for its numerical libraries, set before any of them loads.
if os.environ.get("PYTEST_XDIST_WORKER"):
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

TINY_LLAMA, TINY_BERT = "tiny-random-llama", "tiny-random-bert"


def tiny(**params):
    """LLMForecaster parameters for the tiny random model: windows of 6, 20 bins.

    ``alpha`` sets the head's penalty; everything else goes to the forecaster.
    """
    from llmiso import LLMEmbedder, SoftmaxHeadForecaster

    head = SoftmaxHeadForecaster(n_bins=params.pop("n_bins", 20), alpha=params.pop("alpha", 1.0))
    # The head's own forecast: these tests check its arithmetic, not the averaging
    # with the statistical models (combine), which tests of its own cover.
    return {"embedder": LLMEmbedder(TINY_LLAMA, dtype="float32"), "head": head,
            "window_length": 6, "combine": None, **params}


@pytest.fixture(scope="session")
def tiny_llama():
    return TINY_LLAMA


@pytest.fixture(scope="session")
def tiny_bert():
    return TINY_BERT


@pytest.fixture(scope="session")
def airline_windows():
    """The first 40 windows of 24 values of the airline series."""
    from sktime.datasets import load_airline

    y = load_airline().to_numpy(dtype=float)
    return np.lib.stride_tricks.sliding_window_view(y, 24)[:40].copy()


@pytest.fixture(scope="session")
def smollm2():
    """The default model as users get it (dtype="auto"), fitted on windows of 24."""
    from llmiso import LLMEmbedder

    return LLMEmbedder(layer=-1).fit(np.zeros((1, 24)))


# Where the same numbers come out two ways (batched or not, chunked or not), float32
# agrees to rounding and bfloat16 to its 8-bit mantissa.
TOLERANCE = {"float32": 1e-5, "bfloat16": 5e-2}


@pytest.fixture(params=["float32", "bfloat16"])
def dtype(request):
    """Each dtype dtype="auto" may pick, whatever this machine picks."""
    return request.param


@pytest.fixture(scope="session")
def dask_client():
    """One local Dask cluster for the whole session: two worker processes, one thread each."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            yield client
