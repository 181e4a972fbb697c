"""Pretrained heads on the tiny model: pretrained, saved, loaded, refused for another
embedder, and forecasting new series zero-shot through sktime's pretraining API."""

import numpy as np
import pandas as pd
import pytest
from conftest import TINY_LLAMA
from sktime.datasets import load_airline

from llmiso import LLMEmbedder
from llmiso.forecasting import LLMForecaster, forecasting_embedder, synthetic_series


def _embedder(**changes):
    return forecasting_embedder(TINY_LLAMA, dtype="float32", **changes).fit(np.zeros((1, 6)))


@pytest.fixture(scope="module")
def pretrained():
    from llmiso.forecasting import pretrain_head

    corpus = synthetic_series(30, length=(40, 80), random_state=2)
    return pretrain_head(corpus, _embedder(), window_length=6, horizon=4, trained_on="test",
                         centered=True)


def test_a_pretrained_head_round_trips_through_its_files(pretrained, tmp_path):
    """Arrays and a JSON header, no pickle: the loaded head forecasts as the trained one."""
    import json

    from llmiso.forecasting import PretrainedHead

    path = pretrained.save(tmp_path / "head")
    header = json.loads(path.with_suffix(".json").read_text())
    assert header["schema_version"] == 1 and header["window_length"] == 6
    assert header["embedder"]["layers"] == [1] and len(header["bin_edges"]) == 99
    assert header["embedder"]["prompt"]["number_format"] == "digits"
    back = PretrainedHead.load(path)
    X = np.random.default_rng(0).normal(size=(5, 22))
    a, b = pretrained.regressor(), back.regressor()
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-6)
    assert np.load(path, allow_pickle=False)["coef"].shape == (4, 100, 22)


def test_the_regressor_is_the_one_pretraining_fitted(pretrained):
    """Rebuilt from its arrays, the centering and the head are the fitted ones."""
    from llmiso.forecasting import pretrain_head, pretrain_rows

    corpus = synthetic_series(30, length=(40, 80), random_state=2)
    X, y = pretrain_rows(corpus, _embedder(), window_length=6, horizon=4)
    # Rows embedded once give the same head as pretraining from the series.
    again = pretrain_head(None, _embedder(), rows=(X, y), window_length=6, horizon=4,
                          centered=True)
    np.testing.assert_allclose(again.weights.coef, pretrained.weights.coef, rtol=1e-6)
    with pytest.raises(ValueError, match="horizon=5"):
        pretrain_head(None, _embedder(), rows=(X, y), window_length=6, horizon=5)
    transformed = pretrained.regressor()[0].transform(X)
    block = transformed[:, :16]
    np.testing.assert_allclose(block.mean(axis=0), 0, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(block, axis=1).mean(), 1, rtol=1e-6)


def test_an_uncentered_head_keeps_the_states_as_the_llm_gives_them(pretrained, tmp_path):
    """By default, as the shipped head: the LLM's block only scaled (its mean stays),
    saved as such."""
    from llmiso.forecasting import PretrainedHead, pretrain_head, pretrain_rows

    corpus = synthetic_series(30, length=(40, 80), random_state=2)
    X, y = pretrain_rows(corpus, _embedder(), window_length=6, horizon=4)
    raw = pretrain_head(None, _embedder(), rows=(X, y), window_length=6, horizon=4)
    assert raw.config["centered"] is False and pretrained.config["centered"] is True
    back = PretrainedHead.load(raw.save(tmp_path / "raw"))
    block = back.regressor()[0].transform(X)[:, :16]
    scale = np.linalg.norm(X[:, :16], axis=1).mean()
    np.testing.assert_allclose(block, X[:, :16] / scale, rtol=1e-5)
    assert not np.allclose(raw.weights.coef, pretrained.weights.coef)


def test_a_head_made_for_another_embedder_is_refused(pretrained):
    from llmiso.forecasting._pretrained import embedder_identity

    pretrained.check(embedder_identity(_embedder()), window_length=6, include_values=True)
    for other in (_embedder(layer=-1), _embedder(number_format="decimal", separator=", ")):
        with pytest.raises(ValueError, match="made for another setup"):
            pretrained.check(embedder_identity(other), window_length=6, include_values=True)
    with pytest.raises(ValueError, match="window_length: made for 6, asked 12"):
        pretrained.check(embedder_identity(_embedder()), window_length=12, include_values=True)


def _panel(n, length, seed):
    rng = np.random.default_rng(seed)
    index = pd.period_range("2000-01", periods=length, freq="M")
    return pd.concat([pd.DataFrame({"y": 100 + 10 * np.sin(np.arange(length) / 2 + k)
                                    + rng.normal(size=length)},
                                   index=pd.MultiIndex.from_product([[f"s{k}"], index]))
                      for k in range(n)])


def test_pretrain_on_one_panel_then_forecast_another_zero_shot():
    """pretrain learns the head; fit on other series only sets the context (no head is
    fitted: the weights are the pretrained ones); quantiles are ordered."""
    embedder = forecasting_embedder(TINY_LLAMA, dtype="float32")
    forecaster = LLMForecaster(embedder, window_length=6, combine=("ets",))
    forecaster.pretrain(_panel(8, 40, 0), fh=[1, 2, 3])
    assert forecaster.state == "pretrained" and forecaster.pretrained_.horizon == 3
    weights = forecaster.pretrained_.weights.coef.copy()
    forecaster.fit(_panel(3, 30, 1), fh=[1, 2, 3])
    np.testing.assert_array_equal(forecaster.regressor_[-1].coef_, weights)
    q = forecaster.predict_quantiles(alpha=[0.1, 0.5, 0.9])
    assert q.shape == (9, 3) and (np.diff(q.to_numpy(), axis=1) > 0).all()
    # A second pretrain continues from the first (its weights the prior).
    forecaster.pretrain(_panel(4, 40, 2))
    moved = forecaster.pretrained_.weights.coef
    assert forecaster.pretrained_.config["rows"] > 8 * 33 and not np.allclose(moved, weights)
    # fh beyond what the head was pretrained for is a clear error.
    with pytest.raises(ValueError, match="forecasts up to 3 steps"):
        forecaster.fit(load_airline(), fh=[1, 2, 3, 4])


def test_a_series_shorter_than_a_window_is_forecast_zero_shot():
    embedder = forecasting_embedder(TINY_LLAMA, dtype="float32")
    forecaster = LLMForecaster(embedder, window_length=6, combine=None)
    forecaster.pretrain(_panel(6, 30, 0), fh=[1, 2])
    pred = forecaster.fit(load_airline().iloc[:4], fh=[1, 2]).predict()
    assert len(pred) == 2 and np.isfinite(pred.to_numpy()).all()


def test_a_custom_centerer_is_refused_with_a_pretrained_head():
    from llmiso import IsotropyCenterer

    forecaster = LLMForecaster(LLMEmbedder(TINY_LLAMA, dtype="float32"),
                               IsotropyCenterer("whiten"), window_length=6, combine=None)
    with pytest.raises(ValueError, match="learns its own centering"):
        forecaster.pretrain(_panel(4, 30, 0), fh=[1])


def test_head_pretrained_without_a_shipped_file_says_how_to_make_one(monkeypatch, tmp_path):
    from llmiso.forecasting import _pretrained

    monkeypatch.setattr(_pretrained, "SHIPPED_HEADS", tmp_path)
    forecaster = LLMForecaster(_embedder(), head="pretrained", window_length=6)
    with pytest.raises(FileNotFoundError, match="ships no pretrained head.*pretrain"):
        forecaster.fit(load_airline(), fh=[1, 2, 3])


def test_a_converted_default_model_is_known_by_its_source(tmp_path):
    """The embedded model's converted bytes follow the transformers that wrote them;
    its identity is the GGUF it came from, so the shipped head loads after any
    conversion. Any other checkpoint is known by its weight files' bytes."""
    from llmiso.forecasting._pretrained import _weights_hash

    def folder(name, weights, source=None):
        path = tmp_path / name
        path.mkdir()
        (path / "model.safetensors").write_bytes(weights)
        if source:
            (path / "llmiso_source.json").write_text(source)
        return str(path)

    source = '{"gguf": "m.gguf", "bytes": 10}'
    assert _weights_hash(folder("a", b"1", source)) == _weights_hash(folder("b", b"2", source))
    assert _weights_hash(folder("c", b"1", source)) != _weights_hash(
        folder("d", b"1", '{"gguf": "m.gguf", "bytes": 11}'))
    assert _weights_hash(folder("e", b"1")) != _weights_hash(folder("f", b"2"))


def test_the_shipped_head_forecasts_airline_with_no_head_fitted():
    """head="pretrained" loads the head the package ships (offline, no pickle) for the
    default embedder; fit fits no head, and the forecast beats seasonal naive on
    airline's last year (zero-shot: airline is in none of its corpora)."""
    y = load_airline()
    forecaster = LLMForecaster(head="pretrained", combine=None)
    forecaster.fit(y.iloc[:-12], fh=range(1, 13))
    shipped = forecaster.pretrained_head_
    assert shipped.config["trained_on"] == "synthetic + M3 + Tourism"
    np.testing.assert_array_equal(forecaster.regressor_[-1].coef_, shipped.weights.coef)
    q = forecaster.predict_quantiles(alpha=[0.1, 0.5, 0.9])
    assert (np.diff(q.to_numpy(), axis=1) >= 0).all()
    truth = y.iloc[-12:].to_numpy()
    error = np.abs(forecaster.predict().to_numpy() - truth).mean()
    assert error < np.abs(y.iloc[-24:-12].to_numpy() - truth).mean()


def test_a_series_is_forecast_alike_alone_and_as_a_row_of_a_panel():
    """Zero-shot, nothing is learned from the panel, and no embedding depends on its
    batch mates: a series' forecast alone equals its row in a panel's (to float64
    rounding in the head's products over more rows)."""
    from sktime.datasets import load_shampoo_sales

    y = load_airline()
    index = y.index[-36:]
    others = {"shampoo": load_shampoo_sales().to_numpy(), "spiky": np.r_[np.ones(35), 900.0]}
    panel = pd.concat([pd.DataFrame({"y": y.to_numpy()[-36:]}, index=index)]
                      + [pd.DataFrame({"y": v}, index=index) for v in others.values()],
                      keys=["airline", *others])
    params = {"head": "pretrained", "combine": None, "encoding": "window"}
    alone = LLMForecaster(**params).fit(y.iloc[-36:], fh=[1, 2, 3]).predict_quantiles(
        alpha=[0.1, 0.5, 0.9])
    rows = LLMForecaster(**params).fit(panel, fh=[1, 2, 3]).predict_quantiles(
        alpha=[0.1, 0.5, 0.9]).loc["airline"]
    np.testing.assert_allclose(rows.to_numpy(), alone.to_numpy(), rtol=1e-12)


def test_a_fine_tune_reads_features_as_its_prior_does(pretrained):
    """Continued on other series, the head keeps its prior's centering, so a penalty so
    strong that the weights cannot move forecasts exactly as the prior; a weak one moves
    them. (Recentred on the new rows, the prior's weights would read other features.)"""
    from llmiso import SoftmaxHeadForecaster
    from llmiso.forecasting import pretrain_head, pretrain_rows

    other = synthetic_series(4, length=(30, 40), random_state=9)
    X, y = pretrain_rows(other, _embedder(), window_length=6, horizon=4)

    def tuned(alpha):
        return pretrain_head(other, _embedder(), window_length=6, horizon=4, prior=pretrained,
                             rows=(X, y), head=SoftmaxHeadForecaster(shift_alpha=None,
                                                                     alpha=alpha))

    levels = [0.1, 0.5, 0.9]

    def quantiles(head):
        regressor = head.regressor()
        return regressor[0].transform(X), regressor[-1].predict_quantiles(
            regressor[0].transform(X), levels)

    features, before = quantiles(pretrained)
    stiff_features, stiff = quantiles(tuned(1e9))
    np.testing.assert_allclose(stiff_features, features, atol=1e-12)
    np.testing.assert_allclose(stiff, before, rtol=1e-4, atol=1e-4)
    assert not np.allclose(quantiles(tuned(1e-2))[1], before, atol=1e-3)
