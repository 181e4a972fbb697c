import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils import estimator_checks

from llmiso import LLMEmbedder

RNG = np.random.default_rng(0)


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


def test_unfitted_transform_raises(tiny_llama):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        LLMEmbedder(tiny_llama).transform(RNG.random((2, 3)))


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


def test_default_model_embeddings(smollm2, airline_windows):
    X = airline_windows[:8]
    Z = smollm2.transform(X)
    assert Z.shape == (8, 576) and Z.dtype == np.float32
    np.testing.assert_array_equal(Z, smollm2.transform(X))  # deterministic
    cos = Z @ Z.T / np.outer(np.linalg.norm(Z, axis=1), np.linalg.norm(Z, axis=1))
    assert (cos[~np.eye(8, dtype=bool)] < 0.99999).all()  # different windows differ
    # ...but the raw space is anisotropic, as the paper says.
    assert cos[~np.eye(8, dtype=bool)].mean() > 0.5


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_default_model_in_each_dtype(dtype, airline_windows):
    """Whatever dtype="auto" picks on this machine, both run: bf16 agrees with float32
    on the direction of each window's centered state (what the head reads)."""
    from llmiso.embedding import load_model

    X = airline_windows[:12]
    Z = LLMEmbedder(dtype=dtype).fit(X).transform(X)
    assert str(load_model("smollm2-135m", dtype=dtype).dtype) == f"torch.{dtype}"
    reference = LLMEmbedder(dtype="float32").fit(X).transform(X)
    a, b = Z - reference.mean(axis=0), reference - reference.mean(axis=0)
    cosine = np.sum(a * b, axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    assert Z.dtype == np.float32 and cosine.min() > (0.999999 if dtype == "float32" else 0.9)


def test_default_model_layers_concatenate(smollm2, airline_windows):
    X = airline_windows[:6]
    both = clone(smollm2).set_params(layer=[6, -1]).fit(X).transform(X)
    six = clone(smollm2).set_params(layer=6).fit(X).transform(X)
    np.testing.assert_array_equal(both, np.hstack([six, smollm2.transform(X)]))




def test_an_embedding_does_not_depend_on_its_batch_mates(dtype):
    """The same windows embedded alone, beside prompts of other lengths, and in batches
    of other sizes give the same states to the bit, in bfloat16 too, where padding a
    prompt to its batch's longest moved them by up to 1% (no prompt is padded)."""
    rng = np.random.default_rng(0)
    windows = 100 + rng.integers(0, 50, size=(4, 8)).astype(float)
    # Other lengths (in digits, 1 to 4 per value, and signs): spikes, negative values.
    spikes = np.hstack([np.ones((6, 7)), rng.uniform(100, 2000, size=(6, 1))])
    mates = np.vstack([rng.lognormal(0, 2, size=(8, 8)), spikes, -windows * 3])
    # The default model: the tiny random one's states did not move with the padding.
    embedder = LLMEmbedder(layer=-1, dtype=dtype, number_format="digits").fit(windows)
    alone = embedder.transform(windows)
    assert len({len(ids) for ids in embedder.token_ids(np.vstack([windows, mates]))}) > 3
    for X, rows in ((np.vstack([windows, mates]), slice(0, 4)),
                    (np.vstack([mates, windows]), slice(-4, None))):
        np.testing.assert_array_equal(embedder.transform(X)[rows], alone)
    np.testing.assert_array_equal(embedder.set_params(batch_size=1).transform(windows), alone)
