"""The same estimators on a Dask cluster: two worker processes, one thread each, tiny model.

Each path must give exactly what one process gives: the cluster only moves work.
"""

import os
import signal
import time

import joblib
import numpy as np
import pandas as pd
import pytest
from conftest import tiny
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from llmiso import IsotropyCenterer, LLMEmbedder, SoftmaxHeadForecaster
from llmiso.forecasting import LLMForecaster

distributed = pytest.importorskip("distributed")


@pytest.fixture
def client(dask_client):
    return dask_client


def _panel(n_series=6, length=40):
    rng = np.random.default_rng(0)
    frames = [
        pd.DataFrame(
            {"y": 50 + 10 * np.sin(np.arange(length) / 3 + k) + rng.normal(size=length)},
            index=pd.MultiIndex.from_product([[f"s{k}"], range(length)], names=["series", "time"]),
        )
        for k in range(n_series)
    ]
    return pd.concat(frames)


def test_grid_search_under_the_dask_backend_matches_one_process(client):
    rng = np.random.default_rng(0)
    X, y = rng.random((40, 6)), rng.random(40)
    pipe = make_pipeline(LLMEmbedder("tiny-random-llama", dtype="float32"), IsotropyCenterer(),
                         SoftmaxHeadForecaster(n_bins=10))
    grid = {"isotropycenterer__method": ["none", "center", "whiten"]}

    def search():
        return GridSearchCV(pipe, grid, cv=2, scoring="neg_mean_absolute_error").fit(X, y)

    with joblib.parallel_backend("dask"):
        on_cluster = search()
    alone = search()
    np.testing.assert_array_equal(on_cluster.cv_results_["mean_test_score"],
                                  alone.cv_results_["mean_test_score"])
    # The workers did the fits, each with the model loaded in its process.
    key = ("tiny-random-llama", "torch.float32", "cpu", False)
    loaded = client.run(lambda: key in __import__("llmiso.embedding._models",
                                                  fromlist=["_CACHE"])._CACHE)
    assert set(loaded.values()) == {True}


def test_sktime_evaluate_with_the_dask_backend_matches_one_process(client):
    from sktime.forecasting.model_evaluation import evaluate
    from sktime.split import ExpandingWindowSplitter

    y = _panel(1).droplevel(0)
    cv = ExpandingWindowSplitter(initial_window=24, step_length=4, fh=[1, 2])
    forecaster = LLMForecaster(**tiny())
    on_cluster = evaluate(forecaster, cv, y, backend="dask")
    alone = evaluate(forecaster, cv, y)
    assert len(alone) == 4
    np.testing.assert_array_equal(on_cluster.iloc[:, 0], alone.iloc[:, 0])


def test_local_model_per_series_in_parallel_on_dask(client):
    from sktime.forecasting.compose import ForecastByLevel

    y = _panel(4)
    local = ForecastByLevel(LLMForecaster(**tiny()), groupby="local")
    alone = local.clone().fit(y, fh=[1, 2]).predict()
    local.set_config(**{"backend:parallel": "dask"})
    on_cluster = local.fit(y, fh=[1, 2]).predict()
    pd.testing.assert_frame_equal(on_cluster, alone)
    # Each series got its own model: the forecast of s2 is that of a model fitted on s2.
    s2 = LLMForecaster(**tiny()).fit(y.loc["s2"], fh=[1, 2]).predict()
    np.testing.assert_array_equal(alone.loc["s2"].to_numpy(), s2.to_numpy())


def test_global_model_embeds_on_the_cluster_and_matches_one_process(client, monkeypatch):
    from llmiso.forecasting import _encoding

    monkeypatch.setattr(_encoding, "SERIES_PER_TASK", 2)  # 6 series: 3 tasks
    y = _panel(6)
    for encoding in ("window", "series"):
        forecaster = LLMForecaster(**tiny(encoding=encoding, n_jobs=-1))
        with joblib.parallel_backend("dask"):
            on_cluster = forecaster.clone().fit(y, fh=[1, 2]).predict_quantiles(alpha=[0.1, 0.9])
        alone = forecaster.clone().set_params(n_jobs=None).fit(y, fh=[1, 2]).predict_quantiles(
            alpha=[0.1, 0.9])
        pd.testing.assert_frame_equal(on_cluster, alone)


def test_a_cluster_of_one_worker_does_the_embedding(monkeypatch, tmp_path):
    """joblib runs a one-thread backend's work in the client; the forecaster must not.

    The cluster runs in this process (threads), so it starts in a second; each group
    writes down where it ran (a file: the task may be a copy of the function).
    """
    from llmiso.forecasting import _encoding

    monkeypatch.setattr(_encoding, "SERIES_PER_TASK", 2)
    original, log = _encoding._embed_group, tmp_path / "where.txt"

    def recorded(*args):
        try:
            distributed.get_worker()
            where = "worker"
        except ValueError:
            where = "client"
        with open(log, "a") as out:
            out.write(where + "\n")
        return original(*args)

    monkeypatch.setattr(_encoding, "_embed_group", recorded)
    y = _panel(5)
    train, new = y.groupby(level=0).head(39), y.groupby(level=0).tail(1)
    forecaster = LLMForecaster(**tiny(n_jobs=-1))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster), joblib.parallel_backend("dask"):
        # fit embeds 3 groups; predict reads the last windows fit embedded; update
        # embeds the new ends (3 groups again).
        fitted = forecaster.clone().fit(train, fh=[1, 2])
        fitted.predict()
        on_cluster = fitted.update(new, update_params=False).predict()
    where = log.read_text().split()
    assert len(where) == 6 and set(where) == {"worker"}
    alone = forecaster.clone().fit(train, fh=[1, 2]).update(new, update_params=False)
    pd.testing.assert_frame_equal(on_cluster, alone.predict())


def _slow_group(embedder, many, windows, window_length):
    from llmiso.forecasting import WindowPrompts

    time.sleep(1.0)  # long enough for the test to kill a worker mid-task
    return WindowPrompts().embed(embedder, many, windows, window_length)


def test_a_killed_worker_loses_no_series(client, tmp_path):
    from llmiso.forecasting import sliding_windows

    y = _panel(4)
    many = [g.to_numpy(dtype=float) for _, g in y["y"].groupby(level=0)]
    windows = [sliding_windows(v, 6) for v in many]
    # A shared on-disk cache, written by both workers, one of them killed mid-run.
    embedder = LLMEmbedder("tiny-random-llama", dtype="float32", cache_dir=tmp_path).fit(
        np.zeros((1, 6)))
    futures = [client.submit(_slow_group, embedder, many[i:i + 1], windows[i:i + 1], 6,
                             pure=False) for i in range(len(many))]
    time.sleep(0.5)
    victim = next(iter(client.scheduler_info()["workers"]))
    pid = client.run(os.getpid, workers=[victim])[victim]
    os.kill(pid, signal.SIGKILL)
    results = client.gather(futures)
    fresh = LLMEmbedder("tiny-random-llama", dtype="float32").fit(np.zeros((1, 6)))
    for got, w in zip(results, windows, strict=True):
        np.testing.assert_array_equal(got[0], fresh.transform(w))
    # The cache the dead worker was writing still reads back whole.
    cached = LLMEmbedder("tiny-random-llama", dtype="float32", cache_dir=tmp_path).fit(
        np.zeros((1, 6)))
    np.testing.assert_array_equal(cached.transform(windows[0]), fresh.transform(windows[0]))

