import numpy as np
import pytest

TINY_LLAMA, TINY_BERT = "tiny-random-llama", "tiny-random-bert"


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
